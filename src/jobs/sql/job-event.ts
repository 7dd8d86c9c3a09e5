/**
 * The `trellis_job_events` payload, as a SELECT-list fragment for a statement whose changed row is
 * aliased `u`. Every job transition sends the same shape; listeners (subscriptions, trainers)
 * read these fields only.
 */
export function notifyJobEvent(channelParam: string): string {
  return `pg_notify(${channelParam}, json_build_object('id', u.id, 'status', u.status, 'cancelRequested', u.cancel_requested, 'attempts', u.attempts, 'workerId', u.worker_id, 'modelVersion', u.model_version)::text)::text AS notified`;
}
