import { ApiError, errorMessage } from '../api/client';

/** An API or validation error shown where it happened; announced to screen readers. */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div className="alert alert-error" role="alert">
      {title && <strong>{title}: </strong>}
      <span className="alert-message">{errorMessage(error)}</span>
      {code && code !== 'NETWORK_ERROR' && <span className="alert-code">{code}</span>}
    </div>
  );
}
