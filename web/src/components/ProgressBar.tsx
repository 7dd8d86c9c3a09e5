/** A labelled progress bar (native <progress> so assistive technology reads it). */
export function ProgressBar({ value, label, id }: { value: number; label: string; id?: string }) {
  const percent = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div className="progress" data-testid={id}>
      <div className="progress-label">
        <span>{label}</span>
        <span>{percent}%</span>
      </div>
      <progress max={100} value={percent} aria-label={label} />
    </div>
  );
}
