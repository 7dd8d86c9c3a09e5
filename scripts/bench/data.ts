/** Bench inputs from the real dataset (../shared/datasets/uganda-facilities.csv), or synthetic when it is absent. */
import { createReadStream, existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { csvLine, forEachCsvBatch, readFacilityCsv, type FacilityRecord } from '../../src/ml/index.js';

export interface FacilityInputVars {
  facilityName: string | null;
  services: string;
  latitude: number | null;
  longitude: number | null;
  operatingHours: string | null;
  website: string | null;
  phoneNumber: string | null;
  careSystem: string;
  subcounty: string;
}

const SYNTHETIC_HEADER = 'facility_name,services,latitude,longitude,rating,operating_hours,website,phone_number,care_system,mode of payment,Subcounty';

/** A small synthetic CSV (used only when the real file is missing). */
function syntheticCsv(rows: number): string {
  const types = ['HC II', 'HC III', 'HC IV', 'Clinic', 'Hospital', 'Drug Shop'];
  const places = ['Kasubi', 'Nyenga', 'Mengo', 'Kawempe', 'Ntinda', 'Lira', 'Gulu', 'Mbale'];
  const services = ['General Care', 'Maternity', 'Outpatient', 'Laboratory', 'Pharmacy', 'HIV/AIDS services'];
  const care = ['GOVT', 'PFP', 'PNFP'];
  const lines = [SYNTHETIC_HEADER];
  for (let i = 0; i < rows; i++) {
    const place = places[i % places.length] as string;
    lines.push(csvLine([
      `${place} ${types[i % types.length]}`, services.slice(0, 1 + (i % services.length)).join(', '),
      (0.3 + (i % 97) / 100).toFixed(5), (32.5 + (i % 89) / 100).toFixed(5), String(1 + (i % 5)),
      i % 3 === 0 ? 'Monday: Open 24 hours' : '', '', i % 2 ? '0772 000000' : '', care[i % 3] as string, 'cash', `${place} Division`,
    ]).trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

export function datasetSource(path: string): { describe: string; open: () => NodeJS.ReadableStream } {
  if (existsSync(path)) return { describe: path, open: () => createReadStream(path) };
  const text = syntheticCsv(3000);
  return { describe: 'synthetic rows (real dataset not found)', open: () => Readable.from([text]) };
}

function toInput(r: FacilityRecord): FacilityInputVars | null {
  if (r.services === null || r.careSystem === null || r.subcounty === null) return null;
  return {
    facilityName: r.facilityName, services: r.services, latitude: r.latitude, longitude: r.longitude,
    operatingHours: r.operatingHours, website: r.website, phoneNumber: r.phoneNumber, careSystem: r.careSystem, subcounty: r.subcounty,
  };
}

/** Real rows that have every required FacilityInput field, as GraphQL variables. */
export async function sampleInputs(source: { open: () => NodeJS.ReadableStream }): Promise<{ inputs: FacilityInputVars[]; skipped: number }> {
  const csv = await readFacilityCsv(source.open(), { requireRating: false });
  const inputs: FacilityInputVars[] = [];
  for (const row of csv.rows) {
    const input = toInput(row.record);
    if (input) inputs.push(input);
  }
  return { inputs, skipped: csv.rows.length - inputs.length };
}

/**
 * A CSV of `rows` data rows made by cycling through the real file's rows (header kept; rows of the
 * wrong width left out); without `rows`, each real row once.
 */
export async function repeatedCsv(source: { open: () => NodeJS.ReadableStream }, rows?: number): Promise<Buffer> {
  let header: string[] | null = null;
  const lines: string[] = [];
  await forEachCsvBatch(source.open(), (records) => {
    for (let r = 0; r < records.count; r++) {
      const fields = records.fields(r);
      if (header === null) header = fields;
      else if (fields.length === header.length) lines.push(csvLine(fields));
    }
  });
  const out: string[] = [csvLine(header ?? [])];
  for (let i = 0; i < (rows ?? lines.length); i++) out.push(lines[i % lines.length] as string);
  return Buffer.from(out.join(''));
}
