// Hash routes, so every screen is a link that works on a static file server:
//   #/                  the order list
//   #/orders/AC-1001    one order
//   #/products/<id>     a product's reviews (the GraphQL id of the product)
//   #/community                  the community, all topics
//   #/community/t/<slug>         one topic's feed
//   #/community/posts/<id>       one post (the GraphQL id of the post)
//   #/community/mine             the customer's own posts, in every state
//   #/rewards                    "My rewards": points, tier, rewards, ledger, referrals
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'orders' }
  | { name: 'order'; number: string }
  | { name: 'product'; id: string }
  | { name: 'community'; topic: string | null }
  | { name: 'post'; id: string }
  | { name: 'myPosts' }
  | { name: 'rewards' };

export function parseRoute(hash: string): Route {
  if (/^#\/rewards\/?(?:[?#]|$)/.test(hash)) {
    return { name: 'rewards' };
  }
  const c = /^#\/community(?:\/(t|posts|mine)(?:\/([^/?#]+))?)?\/?(?:[?#]|$)/.exec(hash);
  if (c) {
    try {
      const v = c[2] === undefined ? null : decodeURIComponent(c[2]);
      if (c[1] === 'mine') {
        return { name: 'myPosts' };
      }
      if (c[1] === 'posts' && v) {
        return { name: 'post', id: v };
      }
      return { name: 'community', topic: c[1] === 't' ? v : null };
    } catch {
      return { name: 'community', topic: null };
    }
  }
  const m = /^#\/(orders|products)\/([^/?#]+)/.exec(hash);
  if (m) {
    try {
      const v = decodeURIComponent(m[2]);
      return m[1] === 'orders' ? { name: 'order', number: v } : { name: 'product', id: v };
    } catch {
      // a malformed escape: fall back to the list
    }
  }
  return { name: 'orders' };
}

export function productHref(id: string): string {
  return `#/products/${encodeURIComponent(id)}`;
}

export function orderHref(number: string): string {
  return `#/orders/${encodeURIComponent(number)}`;
}

export const ordersHref = '#/';

/** communityHref is the feed of one topic (by slug), or of all topics. */
export function communityHref(topic: string | null = null): string {
  return topic ? `#/community/t/${encodeURIComponent(topic)}` : '#/community';
}

export function postHref(id: string): string {
  return `#/community/posts/${encodeURIComponent(id)}`;
}

export const myPostsHref = '#/community/mine';

export const rewardsHref = '#/rewards';

/** useRoute re-renders on every hash change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
