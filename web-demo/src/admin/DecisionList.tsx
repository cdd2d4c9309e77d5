// The audit trail in words, for an item or an author.
import type { Decision } from '../api/communityOperations';
import { decisionText } from '../community';
import { formatDateTime } from '../format';

/** DecisionList is a trail in words: when, what, why. */
export function DecisionList({ decisions, empty, withItems = false }: { decisions: Decision[]; empty: string; withItems?: boolean }) {
  if (decisions.length === 0) {
    return <p class="muted small">{empty}</p>;
  }
  return (
    <ol class="trail-list">
      {decisions.map((d) => (
        <li key={d.id} data-testid="trail-entry">
          <span class="muted small">{formatDateTime(d.createdAt)}</span>{' '}
          {withItems || (d.itemType !== 'Post' && d.itemType !== 'Review' && d.itemType !== 'Customer') ? `${d.itemType}: ` : ''}
          <strong>{decisionText(d)}</strong>
          {d.reason && <span class="small">: {d.reason}</span>}
        </li>
      ))}
    </ol>
  );
}
