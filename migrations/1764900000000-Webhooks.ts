import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks: subscriptions, and an outbox of deliveries written by triggers in the same transaction
 * as the event itself (a model registered or activated, a job finished, a dataset stored), so no
 * event is lost whichever process or role caused it. A dispatcher claims due deliveries with
 * SKIP LOCKED and records every attempt.
 */
export class Webhooks1764900000000 implements MigrationInterface {
  name = 'Webhooks1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL,
        events text[] NOT NULL CHECK (events <@ ARRAY['MODEL_REGISTERED', 'MODEL_ACTIVATED', 'TRAINING_JOB_FINISHED', 'DATASET_UPLOADED']),
        secret text NOT NULL,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE webhook_delivery (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        webhook_id uuid NOT NULL REFERENCES webhook(id) ON DELETE CASCADE,
        event text NOT NULL,
        data jsonb NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        delivered_at timestamptz
      )`);
    await q.query(`CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (next_attempt_at) WHERE status = 'PENDING'`);
    await q.query(`
      CREATE TABLE webhook_attempt (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES webhook_delivery(id) ON DELETE CASCADE,
        webhook_id uuid NOT NULL REFERENCES webhook(id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        status_code integer,
        error text,
        duration_ms double precision NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_attempt_webhook_idx ON webhook_attempt (webhook_id, created_at DESC)`);
    await q.query(`
      CREATE FUNCTION trellis_enqueue_webhooks(event_name text, payload jsonb) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO webhook_delivery (webhook_id, event, data)
          SELECT id, event_name, payload FROM webhook WHERE deleted_at IS NULL AND event_name = ANY(events);
        IF FOUND THEN PERFORM pg_notify('trellis_webhook_deliveries', ''); END IF;
      END $$`);
    await q.query(`
      CREATE FUNCTION trellis_webhook_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'model_version' THEN
          PERFORM trellis_enqueue_webhooks('MODEL_REGISTERED', jsonb_build_object(
            'version', NEW.version, 'status', NEW.status, 'source', NEW.source, 'trainingJobId', NEW.training_job_id,
            'macroF1', NEW.macro_f1, 'datasetIds', to_jsonb(NEW.dataset_ids), 'createdAt', NEW.created_at));
        ELSIF TG_TABLE_NAME = 'model_activation' THEN
          PERFORM trellis_enqueue_webhooks('MODEL_ACTIVATED', jsonb_build_object(
            'version', NEW.to_version, 'previousVersion', NEW.from_version, 'kind', NEW.kind,
            'reason', NEW.reason, 'actor', NEW.actor, 'activatedAt', NEW.created_at));
        ELSIF TG_TABLE_NAME = 'training_job' THEN
          PERFORM trellis_enqueue_webhooks('TRAINING_JOB_FINISHED', jsonb_build_object(
            'jobId', NEW.id, 'status', NEW.status, 'modelVersion', NEW.model_version, 'error', NEW.error,
            'attempts', NEW.attempts, 'datasetIds', to_jsonb(NEW.dataset_ids), 'finishedAt', COALESCE(NEW.finished_at, NEW.cancelled_at, now())));
        ELSIF TG_TABLE_NAME = 'dataset' THEN
          PERFORM trellis_enqueue_webhooks('DATASET_UPLOADED', jsonb_build_object(
            'datasetId', NEW.id, 'name', NEW.name, 'fileName', NEW.file_name, 'rowCount', NEW.row_count,
            'labeledCount', NEW.labeled_count, 'rejectedCount', NEW.rejected_count, 'createdAt', NEW.created_at));
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER webhook_model_registered AFTER INSERT ON model_version FOR EACH ROW EXECUTE FUNCTION trellis_webhook_event()`);
    await q.query(`CREATE TRIGGER webhook_model_activated AFTER INSERT ON model_activation FOR EACH ROW EXECUTE FUNCTION trellis_webhook_event()`);
    await q.query(`
      CREATE TRIGGER webhook_training_job_finished AFTER UPDATE OF status ON training_job FOR EACH ROW
      WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED'))
      EXECUTE FUNCTION trellis_webhook_event()`);
    await q.query(`CREATE TRIGGER webhook_dataset_uploaded AFTER INSERT ON dataset FOR EACH ROW EXECUTE FUNCTION trellis_webhook_event()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [trigger, table] of [['webhook_dataset_uploaded', 'dataset'], ['webhook_training_job_finished', 'training_job'], ['webhook_model_activated', 'model_activation'], ['webhook_model_registered', 'model_version']]) {
      await q.query(`DROP TRIGGER ${trigger} ON ${table}`);
    }
    await q.query('DROP FUNCTION trellis_webhook_event()');
    await q.query('DROP FUNCTION trellis_enqueue_webhooks(text, jsonb)');
    await q.query('DROP TABLE webhook_attempt');
    await q.query('DROP TABLE webhook_delivery');
    await q.query('DROP TABLE webhook');
  }
}
