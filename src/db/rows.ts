/**
 * How rows become records, for every table: each table has ONE row interface, its columns as
 * `pg` returns them (snake_case, typed: graphile-worker's `DbJob`), written beside the service
 * that owns the table. The record a service hands out is derived from it (`Camelized<Row>`) and
 * so is the mapper (`camelize`): a new column is written in its migration and its row interface,
 * nowhere else. Statements are typed with the row (`pool.query<TrainingJobRow>(…)`).
 *
 * Why not the TypeORM entities: the queue's statements carry their locking in raw SQL anyway
 * (FOR UPDATE SKIP LOCKED, fencing by claim, NOTIFY in the same statement), and a second,
 * unqueried description of every column drifted from the tables (no `drift`, no `kind`).
 * TypeORM stays for what it is used for: the DataSource, its pool and the migrations.
 */

/** `training_job_id` → `trainingJobId`, `macro_f1` → `macroF1`. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** The record of a row: the same fields, camelCased, with the same types. */
export type Camelized<Row> = { [K in keyof Row as CamelCase<K & string>]: Row[K] };

/** Compiles only when `T` is never: `NoneLeft<Exclude<keyof Row, typeof LISTED[number]>>` checks that a column list is complete. */
export type NoneLeft<T extends never> = T;

const camelNames = new Map<string, string>();

function camelName(column: string): string {
  let name = camelNames.get(column);
  if (name === undefined) {
    name = column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    camelNames.set(column, name);
  }
  return name;
}

/**
 * A row as its record: every column copied under its camelCase name. Columns a statement adds
 * beside the table's (a cursor, `notified`) are taken off by the caller first.
 */
export function camelize<Row extends object>(row: Row): Camelized<Row> {
  const record: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) record[camelName(column)] = value;
  return record as Camelized<Row>;
}
