import { useState } from 'preact/hooks';
import { cancelReferralOp, heldReferralsOp, releaseReferralOp, type AdminCustomer, type HeldReferralsData } from '../api/rewardOperations';
import { ErrorNotice, Spinner } from '../components/common';
import { formatDateTime } from '../format';
import { describeRewardsError } from '../rewards';
import { mutate, query } from './api';
import { useLoad } from './useLoad';

const who = (c: AdminCustomer) => `${[c.firstName, c.lastName].filter(Boolean).join(' ') || c.email} (${c.email})`;

/**
 * HeldReferrals lists the referrals the fraud checks held, with why, for
 * staff to release (the rewards are paid as for any complete referral) or
 * cancel. A decided referral stays on screen saying what was decided.
 */
export function HeldReferrals() {
  const [state, reload] = useLoad(() => query<HeldReferralsData, Record<string, never>>(heldReferralsOp, {}));
  const [decided, setDecided] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);

  if (state.status === 'loading') {
    return <Spinner label="Loading held referrals…" />;
  }
  if (state.status === 'failed') {
    return <ErrorNotice message={state.error} onRetry={reload} />;
  }
  const decide = async (id: string, release: boolean) => {
    setBusy(id);
    try {
      await mutate(release ? releaseReferralOp : cancelReferralOp, { input: { referralId: id } });
      setDecided((d) => ({ ...d, [id]: release ? 'Released: the rewards are on their way.' : 'Canceled.' }));
    } catch (err) {
      setDecided((d) => ({ ...d, [id]: describeRewardsError(err) }));
    } finally {
      setBusy(null);
    }
  };
  const held = state.data.heldReferrals.edges.map((e) => e.node);
  return (
    <section data-testid="held-referrals">
      <h1 class="title">Held referrals</h1>
      {held.length === 0 ? (
        <p class="empty" data-testid="no-held">
          No referral is waiting for a decision.
        </p>
      ) : (
        <ul class="cards">
          {held.map((r) => (
            <li key={r.id} class="card" data-testid="held-referral">
              <p>
                {who(r.referrer)} referred {who(r.friend)} · {formatDateTime(r.createdAt)}
              </p>
              <p class="muted">Held: {r.holdReason ?? 'no reason recorded'}</p>
              {decided[r.id] ? (
                <p role="status">{decided[r.id]}</p>
              ) : (
                <p>
                  <button type="button" class="button" disabled={busy !== null} onClick={() => void decide(r.id, true)}>
                    Release
                  </button>{' '}
                  <button type="button" class="button button-secondary" disabled={busy !== null} onClick={() => void decide(r.id, false)}>
                    Cancel referral
                  </button>
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
