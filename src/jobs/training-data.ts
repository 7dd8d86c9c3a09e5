/** The rows a training job reads: paged and bounded, so neither one statement nor the result grows without limit. */
import type pg from 'pg';
import type { Executor } from '../db/sql.js';
import type { FacilityRecord } from '../ml/index.js';

/** Rows read per query: bounded statements (statement_timeout) and bounded result buffers. */
const READ_PAGE_ROWS = 5_000;

export class TooManyTrainingRowsError extends Error {
  override name = 'TooManyTrainingRowsError';
}

/**
 * Every row of one dataset in a stable order (line, then row id), page by page: READ_PAGE_ROWS
 * rows per statement, by keyset, so neither one statement nor one result grows without limit.
 */
export async function* recordPages(db: Executor, datasetId: string): AsyncGenerator<FacilityRecord[]> {
  let after: [number, string] = [-1, '0'];
  for (;;) {
    const res = await db.query<{ id: string; line: number } & Record<string, unknown>>(
      `SELECT id, line, facility_name, services, latitude, longitude, rating, operating_hours, website, phone_number, care_system, subcounty
         FROM dataset_row WHERE dataset_id = $1 AND (line, id) > ($2::int, $3::bigint) ORDER BY line, id LIMIT $4`,
      [datasetId, after[0], after[1], READ_PAGE_ROWS],
    );
    yield res.rows.map((r) => ({
      facilityName: r.facility_name as string | null,
      services: r.services as string | null,
      latitude: r.latitude as number | null,
      longitude: r.longitude as number | null,
      rating: r.rating as number | null,
      operatingHours: r.operating_hours as string | null,
      website: r.website as string | null,
      phoneNumber: r.phone_number as string | null,
      careSystem: r.care_system as FacilityRecord['careSystem'],
      subcounty: r.subcounty as string | null,
    }));
    const last = res.rows.at(-1);
    if (!last || res.rows.length < READ_PAGE_ROWS) return;
    after = [last.line, last.id];
  }
}

/**
 * Every row of the datasets (labeled and not; training ignores unlabeled ones), dataset by
 * dataset in `recordPages` order; more than `maxRows` rows is a permanent failure rather than an
 * unbounded read.
 */
export async function loadRecords(pool: pg.Pool, datasetIds: readonly string[], maxRows = Number.POSITIVE_INFINITY): Promise<FacilityRecord[]> {
  const out: FacilityRecord[] = [];
  for (const [index, datasetId] of datasetIds.entries()) {
    for await (const page of recordPages(pool, datasetId)) {
      for (const record of page) out.push(record);
      if (out.length > maxRows) {
        throw new TooManyTrainingRowsError(`the chosen datasets hold more than TRAIN_MAX_ROWS=${maxRows} rows (at dataset ${index + 1} of ${datasetIds.length})`);
      }
    }
  }
  return out;
}
