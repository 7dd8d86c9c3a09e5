/** Job and model status as a coloured badge with the status word (never colour alone). */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}

export function ClassBadge({ label }: { label: string | null }) {
  const name = label ?? 'UNLABELED';
  return <span className={`badge class-${name.toLowerCase()}`}>{name}</span>;
}
