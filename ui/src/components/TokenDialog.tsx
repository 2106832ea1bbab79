// Asks for the hub's query token when the API answers 401 (MESHSCOPE_QUERY_TOKEN is set). The token is
// kept in this browser's localStorage and sent by every API client; the page reloads to fetch again.
import { useEffect, useRef, useState } from 'react';
import { onUnauthorized, queryTokenStore } from '../api/auth.js';

export function TokenDialog() {
  const [open, setOpen] = useState(false);
  const [token, setToken] = useState('');
  const dialogRef = useRef<HTMLDialogElement>(null);
  // A token already stored that still gets 401 was refused: say so rather than asking as if for the first time.
  const [refused] = useState(() => queryTokenStore.get() !== null);
  useEffect(() => onUnauthorized(() => setOpen(true)), []);
  useEffect(() => {
    const dialog = dialogRef.current;
    if (open && dialog !== null && !dialog.open) dialog.showModal();
  }, [open]);
  if (!open) return null;
  return (
    <dialog ref={dialogRef} className="token-dialog" aria-labelledby="token-dialog-title" data-testid="token-dialog" onClose={() => setOpen(false)}>
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim() === '') return;
          queryTokenStore.set(token.trim());
          window.location.reload();
        }}
      >
        <h2 id="token-dialog-title">Query token required</h2>
        <p className="muted">
          {refused ? 'The hub refused the stored token. ' : 'This hub asks for a bearer token on its API. '}
          Enter the value of <span className="mono">MESHSCOPE_QUERY_TOKEN</span>; it is kept in this browser only.
        </p>
        <label className="field">
          <span>Token</span>
          <input type="password" autoFocus autoComplete="off" value={token} onChange={(event) => setToken(event.target.value)} data-testid="token-input" />
        </label>
        <div className="dialog-actions">
          {refused && (
            <button
              type="button"
              className="button"
              onClick={() => {
                queryTokenStore.set(null);
                setOpen(false);
              }}
            >
              Forget stored token
            </button>
          )}
          <button type="submit" className="button primary" disabled={token.trim() === ''}>
            Save and retry
          </button>
        </div>
      </form>
    </dialog>
  );
}
