import type { MyRewardsData } from '../../api/rewardOperations';
import { formatDate } from '../../format';
import { emptyText, referralStatusText } from '../../rewards';
import { StatusPill } from '../common';
import { CopyButton } from './Copy';

/**
 * ReferralCard is the customer's referral link with a copy button, and the
 * friends who used it with where each referral stands (a display name
 * only: the server never sends a friend's personal data).
 */
export function ReferralCard({ referral }: { referral: MyRewardsData['viewer']['referral'] }) {
  if (!referral) {
    return <p class="empty">Referrals are not available for this account.</p>;
  }
  const friends = referral.referrals.edges.map((e) => e.node);
  return (
    <section class="card" data-testid="referral">
      <p>Give a friend your link: when their first order arrives and they keep it, you both get points.</p>
      <p class="referral-link">
        <input type="text" readonly value={referral.shareUrl} aria-label="Your referral link" data-testid="referral-link" />
        <CopyButton text={referral.shareUrl} label="Copy link" testid="copy-link" />
      </p>
      <p class="muted">
        Or tell them your code: <code data-testid="referral-code">{referral.code}</code>
      </p>
      {friends.length === 0 ? (
        <p class="empty" data-testid="no-referrals">{emptyText.referrals}</p>
      ) : (
        <ul class="ledger" data-testid="referrals">
          {friends.map((f) => (
            <li key={`${f.friendDisplayName}-${f.createdAt}`} class="ledger-line" data-testid="referral-line" data-status={f.status}>
              <span class="ledger-what">
                {f.friendDisplayName}
                <small class="muted"> · {formatDate(f.createdAt)}</small>
              </span>
              <StatusPill label={referralStatusText(f.status)} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
