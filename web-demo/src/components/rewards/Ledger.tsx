import type { LedgerEntry } from '../../api/rewardOperations';
import { formatDate } from '../../format';
import { emptyText, entryStatusText, entryTitle, signedPointsText } from '../../rewards';
import { StatusPill } from '../common';

/** Ledger is the points history, newest first, twenty lines a page. */
export function Ledger({
  entries,
  more,
  loadingMore,
  moreError,
  onMore,
}: {
  entries: LedgerEntry[];
  more: boolean;
  loadingMore: boolean;
  moreError: string | null;
  onMore: () => void;
}) {
  if (entries.length === 0) {
    return <p class="empty" data-testid="no-ledger">{emptyText.ledger}</p>;
  }
  return (
    <>
      <ul class="ledger" data-testid="ledger">
        {entries.map((e) => {
          const st = entryStatusText(e);
          return (
            <li key={e.id} class="ledger-line" data-testid="ledger-line" data-kind={e.kind} data-status={e.status}>
              <span class="ledger-what">
                {entryTitle(e)}
                <small class="muted"> · {formatDate(e.createdAt)}</small>
                {st && (
                  <>
                    {' '}
                    <StatusPill label={st} />
                  </>
                )}
              </span>
              <strong class={e.points < 0 ? 'ledger-debit' : 'ledger-credit'} data-testid="ledger-points">
                {signedPointsText(e.points)}
              </strong>
            </li>
          );
        })}
      </ul>
      {moreError && (
        <p class="field-error" role="alert">
          {moreError}
        </p>
      )}
      {more && (
        <button type="button" class="button button-secondary" data-testid="ledger-more" disabled={loadingMore} onClick={onMore}>
          {loadingMore ? 'Loading…' : 'Show earlier points'}
        </button>
      )}
    </>
  );
}
