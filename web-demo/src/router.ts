// Hash routes, so every screen is a link that works on a static file server:
//   #/                  the order list
//   #/orders/AC-1001    one order
import { useEffect, useState } from 'preact/hooks';

export type Route = { name: 'orders' } | { name: 'order'; number: string };

export function parseRoute(hash: string): Route {
  const m = /^#\/orders\/([^/?#]+)/.exec(hash);
  if (m) {
    try {
      return { name: 'order', number: decodeURIComponent(m[1]) };
    } catch {
      // a malformed escape: fall back to the list
    }
  }
  return { name: 'orders' };
}

export function orderHref(number: string): string {
  return `#/orders/${encodeURIComponent(number)}`;
}

export const ordersHref = '#/';

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
