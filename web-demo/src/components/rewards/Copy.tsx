import { useState } from 'preact/hooks';

/**
 * CopyButton copies text to the clipboard and says so. Where the clipboard
 * API is refused (an insecure origin, a denied permission) it says to copy
 * by hand; the text stays selectable next to it.
 */
export function CopyButton({ text, label, testid }: { text: string; label: string; testid: string }) {
  const [said, setSaid] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid('Copied');
    } catch {
      setSaid('Select it and copy by hand');
    }
  };
  return (
    <span class="copy">
      <button type="button" class="button button-secondary button-small" data-testid={testid} onClick={() => void copy()}>
        {label}
      </button>
      {said && (
        <span class="muted" role="status" data-testid={`${testid}-said`}>
          {said}
        </span>
      )}
    </span>
  );
}
