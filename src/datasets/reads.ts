/**
 * Reads of the dataset tables that other services need: the queue (which datasets exist, how many
 * labeled rows they hold), the trainer (the rows to train on) and the gate (its evaluation rows).
 * Each takes an Executor, so it can run inside the caller's transaction (an upload's enqueue).
 */
import type { Executor } from '../db/sql.js';
import type { CareSystem, FacilityRecord, RatingClass } from '../ml/index.js';

/** One row of `dataset_row` as Postgres returns it: a cleaned facility of a dataset. */
export interface DatasetRowRow {
  /** bigserial, so a string */
  id: string;
  dataset_id: string;
  /** line in the uploaded file */
  line: number;
  facility_name: string | null;
  services: string | null;
  latitude: number | null;
  longitude: number | null;
  /** null = unlabeled */
  rating: number | null;
  operating_hours: string | null;
  website: string | null;
  phone_number: string | null;
  care_system: CareSystem | null;
  subcounty: string | null;
  label: RatingClass | null;
}

/** The columns a FacilityRecord is stored in. */
const FACILITY_COLUMNS = [
  'facility_name', 'services', 'latitude', 'longitude', 'rating', 'operating_hours', 'website', 'phone_number', 'care_system', 'subcounty',
] as const satisfies ReadonlyArray<keyof DatasetRowRow>;
type FacilityColumns = Pick<DatasetRowRow, (typeof FACILITY_COLUMNS)[number]>;

/** The select list of those columns, of the table aliased `alias`. */
function facilityColumns(alias = 'dataset_row'): string {
  return FACILITY_COLUMNS.map((c) => `${alias}.${c}`).join(', ');
}

/** The row as ml's FacilityRecord (spelled out: it runs once per training row). */
function toFacilityRecord(r: FacilityColumns): FacilityRecord {
  return {
    facilityName: r.facility_name, services: r.services, latitude: r.latitude, longitude: r.longitude, rating: r.rating,
    operatingHours: r.operating_hours, website: r.website, phoneNumber: r.phone_number, careSystem: r.care_system, subcounty: r.subcounty,
  };
}

/** Every stored dataset's id, oldest first. */
export async function allDatasetIds(db: Executor): Promise<string[]> {
  const res = await db.query<{ id: string }>('SELECT id FROM dataset ORDER BY created_at, id');
  return res.rows.map((r) => r.id);
}

/** Which of `ids` (UUIDs) are stored datasets. */
export async function existingDatasetIds(db: Executor, ids: readonly string[]): Promise<Set<string>> {
  const res = await db.query<{ id: string }>('SELECT id FROM dataset WHERE id = ANY($1::uuid[])', [ids]);
  return new Set(res.rows.map((r) => r.id));
}

/** Labeled rows (rows with a rating) in the datasets together. */
export async function labeledRowCount(db: Executor, datasetIds: readonly string[]): Promise<number> {
  const res = await db.query<{ n: string }>('SELECT coalesce(sum(labeled_count), 0) AS n FROM dataset WHERE id = ANY($1::uuid[])', [datasetIds]);
  return Number(res.rows[0]?.n ?? 0);
}

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
    const res = await db.query<FacilityColumns & Pick<DatasetRowRow, 'id' | 'line'>>(
      `SELECT id, line, ${facilityColumns()}
         FROM dataset_row WHERE dataset_id = $1 AND (line, id) > ($2::int, $3::bigint) ORDER BY line, id LIMIT $4`,
      [datasetId, after[0], after[1], READ_PAGE_ROWS],
    );
    yield res.rows.map(toFacilityRecord);
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
export async function loadRecords(db: Executor, datasetIds: readonly string[], maxRows = Number.POSITIVE_INFINITY): Promise<FacilityRecord[]> {
  const out: FacilityRecord[] = [];
  for (const [index, datasetId] of datasetIds.entries()) {
    for await (const page of recordPages(db, datasetId)) {
      for (const record of page) out.push(record);
      if (out.length > maxRows) {
        throw new TooManyTrainingRowsError(`the chosen datasets hold more than TRAIN_MAX_ROWS=${maxRows} rows (at dataset ${index + 1} of ${datasetIds.length})`);
      }
    }
  }
  return out;
}

/**
 * Every labeled row of every dataset, with whether its dataset is evaluation-only: rows of
 * evaluation-only datasets first, then datasets in upload order, each in file order (one query).
 */
export async function labeledRecordsForEvaluation(db: Executor): Promise<Array<{ record: FacilityRecord; evaluationOnly: boolean }>> {
  const res = await db.query<FacilityColumns & { evaluation_only: boolean }>(
    `SELECT ${facilityColumns('r')}, d.evaluation_only
       FROM dataset_row r JOIN dataset d ON d.id = r.dataset_id
      WHERE r.rating IS NOT NULL
      ORDER BY d.evaluation_only DESC, d.created_at, d.id, r.line`,
  );
  return res.rows.map((r) => ({ record: toFacilityRecord(r), evaluationOnly: r.evaluation_only }));
}

/** Every row (labeled or not) of the datasets pinned as evaluation-only. */
export async function evaluationOnlyRecords(db: Executor): Promise<FacilityRecord[]> {
  const res = await db.query<FacilityColumns>(
    `SELECT ${facilityColumns('r')} FROM dataset_row r JOIN dataset d ON d.id = r.dataset_id WHERE d.evaluation_only`,
  );
  return res.rows.map(toFacilityRecord);
}
