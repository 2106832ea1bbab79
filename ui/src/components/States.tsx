// The three states every data view has besides its data: loading, nothing found, and a failure with
// the server's own message (never swallowed).
import type { ReactNode } from 'react';
import { ApiError } from '../api/client.js';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty" data-testid="empty-state">
      <div className="state-title">{title}</div>
      {children !== undefined && <div className="state-body">{children}</div>}
    </div>
  );
}

export function ErrorPanel({ error, title, onRetry }: { error: Error; title?: string; onRetry?: () => void }) {
  const status = error instanceof ApiError && error.status > 0 ? `HTTP ${error.status}` : undefined;
  const path = error instanceof ApiError ? error.path.split('?')[0] : undefined;
  return (
    <div className="state state-error" role="alert" data-testid="error-state">
      <div className="state-title">{title ?? 'Request failed'}</div>
      <div className="state-message">{error.message}</div>
      {(status !== undefined || path !== undefined) && (
        <div className="state-meta mono">
          {status} {path}
        </div>
      )}
      {onRetry !== undefined && (
        <button type="button" className="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
