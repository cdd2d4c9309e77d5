import { useEffect, useRef, useState } from 'preact/hooks';
import { query } from '../../api/client';
import {
  myRewardsOp,
  rewardsLedgerOp,
  type Balance,
  type LedgerEntry,
  type LoyaltyUpdate,
  type MyRewardsData,
  type RewardsLedgerData,
} from '../../api/rewardOperations';
import { useLoyaltyFeed } from '../../live/useLoyaltyFeed';
import { appendEntries, applyUpdate, describeRewardsError } from '../../rewards';
import { ErrorNotice, Spinner } from '../common';
import { LiveBanner } from '../LiveBanner';
import { BalanceCard } from './BalanceCard';
import { Ledger } from './Ledger';
import { ReferralCard } from './ReferralCard';
import { RewardList } from './RewardList';
import './rewards.css';

type Loaded = {
  status: 'done';
  data: MyRewardsData;
  entries: LedgerEntry[];
  endCursor: string | null;
  more: boolean;
};
type State = { status: 'loading' } | { status: 'failed'; error: string } | Loaded;

/**
 * Rewards is "My rewards" (issue 12), at phone width: the balance with
 * pending points and their date, the tier and its progress, the rewards to
 * redeem, the ledger a page at a time, and the referral link. It follows
 * loyaltyUpdated: a redemption in another tab or a staff adjustment shows
 * without a reload (the balance at once, the ledger from a re-read).
 */
export function Rewards() {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const reading = useRef<Promise<void> | null>(null);

  /** reread fetches the page again and merges it: the first ledger page is fresh, pages loaded beyond it stay. */
  const reread = (): Promise<void> => {
    if (reading.current) {
      return reading.current;
    }
    const p = query<MyRewardsData, Record<string, never>>(myRewardsOp, {})
      .then((d) => {
        const page = d.viewer.loyalty.ledger;
        const fresh = page.edges.map((e) => e.node);
        setState((s) => {
          if (s.status !== 'done') {
            return { status: 'done', data: d, entries: fresh, endCursor: page.pageInfo.endCursor, more: page.pageInfo.hasNextPage };
          }
          const keepOld = s.entries.length > fresh.length;
          return {
            status: 'done',
            data: d,
            entries: appendEntries(fresh, s.entries),
            endCursor: keepOld ? s.endCursor : page.pageInfo.endCursor,
            more: keepOld ? s.more : page.pageInfo.hasNextPage,
          };
        });
      })
      .finally(() => {
        reading.current = null;
      });
    reading.current = p;
    return p;
  };

  useEffect(() => {
    setState({ status: 'loading' });
    reread().catch((err: unknown) => setState({ status: 'failed', error: describeRewardsError(err) }));
  }, [attempt]);

  const setBalance = (balance: Balance) =>
    setState((s) => (s.status === 'done' ? { ...s, data: { ...s.data, viewer: { ...s.data.viewer, loyalty: { ...s.data.viewer.loyalty, balance } } } } : s));

  /**
   * onRedeemed shows the balance the redemption answered at once, and
   * re-reads the ledger for its line: the live update that follows carries
   * the same balance, so it would see nothing to re-read.
   */
  const onRedeemed = (balance: Balance) => {
    setBalance(balance);
    reread().catch(() => {});
  };

  const onUpdate = (u: LoyaltyUpdate) => {
    let refetch = false;
    setState((s) => {
      if (s.status !== 'done') {
        return s;
      }
      const r = applyUpdate(s.data.viewer.loyalty, u);
      refetch = r.refetch;
      return { ...s, data: { ...s.data, viewer: { ...s.data.viewer, loyalty: r.loyalty } } };
    });
    if (refetch) {
      // The event carries the balance; the ledger line and the tier's details come from a re-read.
      reread().catch(() => {});
    }
  };

  const feed = useLoyaltyFeed(state.status === 'done', onUpdate, reread);

  if (state.status === 'loading') {
    return <Spinner label="Loading your rewards…" />;
  }
  if (state.status === 'failed') {
    return <ErrorNotice message={state.error} onRetry={() => setAttempt((n) => n + 1)} />;
  }
  const { loyalty, referral } = state.data.viewer;
  const loadMore = async () => {
    setLoadingMore(true);
    setMoreError(null);
    try {
      const d = await query<RewardsLedgerData, { after: string | null }>(rewardsLedgerOp, { after: state.endCursor });
      const page = d.viewer.loyalty.ledger;
      setState((s) =>
        s.status === 'done'
          ? { ...s, entries: appendEntries(s.entries, page.edges.map((e) => e.node)), endCursor: page.pageInfo.endCursor, more: page.pageInfo.hasNextPage }
          : s,
      );
    } catch (err) {
      setMoreError(describeRewardsError(err));
    } finally {
      setLoadingMore(false);
    }
  };
  return (
    <article data-testid="rewards-page">
      <h1 class="title">My rewards</h1>
      <LiveBanner state={feed.state} onRetry={feed.retry} />
      <BalanceCard loyalty={loyalty} entries={state.entries} />
      <h2 class="section-title">Rewards</h2>
      <RewardList rewards={state.data.rewards.edges.map((e) => e.node)} balance={loyalty.balance} onRedeemed={onRedeemed} />
      <h2 class="section-title">Points history</h2>
      <Ledger entries={state.entries} more={state.more} loadingMore={loadingMore} moreError={moreError} onMore={() => void loadMore()} />
      <h2 class="section-title">Invite friends</h2>
      <ReferralCard referral={referral} />
    </article>
  );
}
