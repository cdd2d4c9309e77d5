// Hash routes, so every screen is a link that works on a static file server:
//   #/                  the order list
//   #/orders/AC-1001    one order
//   #/products/<id>     a product's reviews (the GraphQL id of the product)
import { useEffect, useState } from 'preact/hooks';

export type Route = { name: 'orders' } | { name: 'order'; number: string } | { name: 'product'; id: string };

export function parseRoute(hash: string): Route {
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
