import { useState } from 'preact/hooks';

/**
 * SignIn takes a customer token. Outside development there is no demo
 * session, and this demo has no login of its own: a store's app would sign
 * the shopper in and hand over their token.
 */
export function SignIn({
  reason,
  onSignIn,
  title = 'Sign in to see your orders',
  label = 'Customer token',
  command = 'go run ./server token -role customer -email you@example.com',
}: {
  reason: string | null;
  onSignIn: (token: string) => void;
  title?: string;
  label?: string;
  command?: string;
}) {
  const [token, setToken] = useState('');
  return (
    <form
      class="card signin"
      data-testid="sign-in"
      onSubmit={(e) => {
        e.preventDefault();
        if (token.trim()) {
          onSignIn(token);
        }
      }}
    >
      <h1 class="title">{title}</h1>
      {reason && (
        <p class="notice notice-error" role="alert">
          {reason}
        </p>
      )}
      <label for="token">{label}</label>
      <textarea
        id="token"
        data-testid="token-input"
        rows={4}
        autocomplete="off"
        spellcheck={false}
        placeholder="eyJhbGciOi…"
        value={token}
        onInput={(e) => setToken(e.currentTarget.value)}
      />
      <p class="muted small">
        Get one with <code>{command}</code>.
      </p>
      <button type="submit" class="button" data-testid="sign-in-submit" disabled={!token.trim()}>
        Sign in
      </button>
    </form>
  );
}
