/** The rows a training job reads: paged and bounded, so neither one statement nor the result grows without limit. */
import type pg from 'pg';
import type { FacilityRecord } from '../ml/index.js';

/** Rows read per query: bounded statements (statement_timeout) and bounded result buffers. */
const READ_PAGE_ROWS = 5_000;

export class TooManyTrainingRowsError extends Error {
  override name = 'TooManyTrainingRowsError';
}

/**
 * Every row of the datasets (labeled and not; training ignores unlabeled ones), in a stable order,
 * read in pages of READ_PAGE_ROWS by keyset (dataset order, then line and row id); more than `maxRows` rows is a
 * permanent failure rather than an unbounded read.
 */
export async function loadRecords(pool: pg.Pool, datasetIds: readonly string[], maxRows = Number.POSITIVE_INFINITY): Promise<FacilityRecord[]> {
  const out: FacilityRecord[] = [];
  for (const [index, datasetId] of datasetIds.entries()) {
    let after: [number, string] = [-1, '0'];
    for (;;) {
      const res = await pool.query(
        `SELECT id, line, facility_name, services, latitude, longitude, rating, operating_hours, website, phone_number, care_system, subcounty
           FROM dataset_row WHERE dataset_id = $1 AND (line, id) > ($2::int, $3::bigint) ORDER BY line, id LIMIT $4`,
        [datasetId, after[0], after[1], READ_PAGE_ROWS],
      );
      for (const r of res.rows) {
        out.push({
          facilityName: r.facility_name,
          services: r.services,
          latitude: r.latitude,
          longitude: r.longitude,
          rating: r.rating,
          operatingHours: r.operating_hours,
          website: r.website,
          phoneNumber: r.phone_number,
          careSystem: r.care_system,
          subcounty: r.subcounty,
        });
      }
      if (out.length > maxRows) {
        throw new TooManyTrainingRowsError(`the chosen datasets hold more than TRAIN_MAX_ROWS=${maxRows} rows (at dataset ${index + 1} of ${datasetIds.length})`);
      }
      const last = res.rows.at(-1) as { line: number; id: string } | undefined;
      if (!last || res.rows.length < READ_PAGE_ROWS) break;
      after = [last.line, last.id];
    }
  }
  return out;
}
