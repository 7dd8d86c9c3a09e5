/** Job and model status as a coloured badge with the status word (never colour alone). */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}

export function ClassBadge({ label }: { label: string | null }) {
  const name = label ?? 'UNLABELED';
  return <span className={`badge class-${name.toLowerCase()}`}>{name}</span>;
}

/** A model version whose bundle failed its check when loaded (sha256, unpacking): never served; says why. */
export function LoadError({ version, reason }: { version: number; reason: string }) {
  return (
    <div className="cell-error" data-testid={`load-error-${version}`}>
      <span className="badge badge-failed">NOT SERVED</span> {reason}
    </div>
  );
}
