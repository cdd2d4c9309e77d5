import { useState } from 'preact/hooks';
import { mutate } from '../../api/client';
import { redeemRewardOp, type Balance, type RedeemRewardData, type Reward, type RewardCode } from '../../api/rewardOperations';
import { formatDate, formatMoney, isZero } from '../../format';
import { describeRewardsError, emptyText, rewardAction } from '../../rewards';
import { CopyButton } from './Copy';

/**
 * RewardList is the catalogue: each reward with its cost and a button the
 * balance enables. Redeeming shows the code, its value and expiry, with a
 * copy button; the balance on screen follows from the payload at once (and
 * from loyaltyUpdated, which the page follows anyway).
 */
export function RewardList({ rewards, balance, onRedeemed }: { rewards: Reward[]; balance: Balance; onRedeemed: (b: Balance) => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [codes, setCodes] = useState<Record<string, RewardCode>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});

  const redeem = async (r: Reward) => {
    setBusy(r.id);
    setErrors((e) => ({ ...e, [r.id]: '' }));
    try {
      const d = await mutate<RedeemRewardData, { input: { rewardId: string } }>(redeemRewardOp, { input: { rewardId: r.id } });
      setCodes((c) => ({ ...c, [r.id]: d.redeemReward.code }));
      onRedeemed(d.redeemReward.loyalty.balance);
    } catch (err) {
      setErrors((e) => ({ ...e, [r.id]: describeRewardsError(err) }));
    } finally {
      setBusy(null);
    }
  };

  if (rewards.length === 0) {
    return <p class="empty" data-testid="no-rewards">{emptyText.rewards}</p>;
  }
  return (
    <ul class="cards" data-testid="rewards">
      {rewards.map((r) => {
        const action = rewardAction(r, balance);
        const code = codes[r.id];
        return (
          <li key={r.id} class="card reward" data-testid="reward" data-name={r.name}>
            <div class="reward-head">
              <strong>{r.name}</strong>
              {!isZero(r.value) && <span class="muted">{formatMoney(r.value)}</span>}
            </div>
            <button
              type="button"
              class="button"
              data-testid="redeem"
              disabled={!action.enabled || busy !== null}
              onClick={() => void redeem(r)}
            >
              {busy === r.id ? 'Redeeming…' : action.text}
            </button>
            {errors[r.id] && (
              <p class="field-error" role="alert" data-testid="redeem-error">
                {errors[r.id]}
              </p>
            )}
            {code && (
              <div class="reward-code" data-testid="reward-code">
                <p>
                  Your code{isZero(code.value) ? '' : ` for ${formatMoney(code.value)}`}:{' '}
                  <code data-testid="reward-code-text">{code.code}</code>
                </p>
                <CopyButton text={code.code} label="Copy code" testid="copy-code" />
                <p class="muted">Use it at checkout before {formatDate(code.expiresAt)}.</p>
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}
