import { useState } from 'preact/hooks';
import type { Label } from '../format';

export function Spinner({ label }: { label: string }) {
  return (
    <div class="loading" role="status" data-testid="loading">
      <span class="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

/** ErrorNotice shows an error in words, with a way to try again when there is one. */
export function ErrorNotice({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div class="notice notice-error" role="alert" data-testid="error">
      <p>{message}</p>
      {onRetry && (
        <button type="button" class="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function StatusPill({ label, testid }: { label: Label; testid?: string }) {
  return (
    <span class={`pill tone-${label.tone}`} data-testid={testid}>
      {label.text}
    </span>
  );
}

/** ProductImage falls back to the product's initial when the image is missing or fails to load. */
export function ProductImage({ src, name, size }: { src: string | null; name: string; size: number }) {
  const [failed, setFailed] = useState(false);
  if (!src || failed) {
    return (
      <span class="thumb thumb-placeholder" style={{ width: size, height: size }} aria-hidden="true" data-testid="product-placeholder">
        {name.trim()[0]?.toUpperCase() ?? '?'}
      </span>
    );
  }
  return (
    <img
      class="thumb"
      data-testid="product-image"
      src={src}
      alt=""
      width={size}
      height={size}
      loading="lazy"
      decoding="async"
      referrerpolicy="no-referrer"
      onError={() => setFailed(true)}
    />
  );
}
