import type { LedgerEntry, Loyalty } from '../../api/rewardOperations';
import { keepTierText, nextRelease, nextTierText, pendingText, pointsText, tierProgress } from '../../rewards';

/**
 * BalanceCard is the top of the rewards page: the points to spend, what is
 * pending and when it becomes available, the tier with its benefits, a
 * progress bar to the next tier and what to spend by when to keep this one.
 */
export function BalanceCard({ loyalty, entries }: { loyalty: Loyalty; entries: LedgerEntry[] }) {
  const release = nextRelease(entries) ?? (loyalty.nextAvailableAt ? { points: 0, at: loyalty.nextAvailableAt } : null);
  const pending = pendingText(loyalty.balance, release);
  const progress = tierProgress(loyalty.qualifyingSpend, loyalty.nextTier);
  const keep = keepTierText(loyalty.keepTier, loyalty.tier);
  return (
    <section class="card rewards-balance" data-testid="rewards-balance">
      <p class="rewards-points">
        <strong data-testid="balance-available" data-points={loyalty.balance.available}>
          {pointsText(loyalty.balance.available)}
        </strong>{' '}
        to spend
      </p>
      {pending && (
        <p class="muted" data-testid="balance-pending" data-points={loyalty.balance.pending}>
          {pending}
        </p>
      )}
      <div class="rewards-tier" data-testid="tier">
        <p>
          {loyalty.tier ? (
            <>
              <strong data-testid="tier-name">{loyalty.tier.name}</strong> member · {loyalty.tier.earnMultiplier}× points
            </>
          ) : (
            'No tier yet'
          )}
        </p>
        {loyalty.tier && loyalty.tier.benefits.length > 0 && (
          <ul class="rewards-benefits">
            {loyalty.tier.benefits.map((b) => (
              <li key={b}>{b}</li>
            ))}
          </ul>
        )}
        {progress !== null && (
          <div
            class="progress"
            role="progressbar"
            aria-label={`Progress to ${loyalty.nextTier?.name ?? 'the next tier'}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(progress * 100)}
            data-testid="tier-progress"
          >
            <span style={{ width: `${progress * 100}%` }} />
          </div>
        )}
        <p class="muted" data-testid="tier-next">
          {nextTierText(loyalty.nextTier, loyalty.tier)}
        </p>
        {keep && (
          <p class="muted" data-testid="tier-keep">
            {keep}
          </p>
        )}
      </div>
    </section>
  );
}
