// GraphiQL for development mode, built from npm packages and served by the
// server itself at `/`, so it works offline and behind a firewall (gqlgen's
// playground loads React and GraphiQL from a public CDN).
//
// It opens signed in as the demo customer (the dev-only /demo/session route
// issues a token) with the README's OrderStatus query in the editor. Plain
// createElement instead of JSX: the rest of the demo compiles JSX for Preact.
import './workers';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import orderStatus from './OrderStatus.graphql?raw';
import './graphiql.css';

/** demoHeaders returns the headers editor's content: the demo customer's token when the server hands one out. */
async function demoHeaders(): Promise<string> {
  try {
    const res = await fetch('/demo/session', { headers: { accept: 'application/json' } });
    if (res.ok) {
      const { token } = (await res.json()) as { token?: string };
      if (token) {
        return JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2);
      }
    }
  } catch {
    // No session (not development mode, or the server is down): start
    // without a token and let the user paste one.
  }
  return '';
}

const root = document.getElementById('graphiql')!;
const headers = await demoHeaders();
const wsURL = new URL('/query', location.href);
wsURL.protocol = wsURL.protocol === 'https:' ? 'wss:' : 'ws:';

createRoot(root).render(
  createElement(GraphiQL, {
    // Queries and mutations over POST; subscriptions over graphql-transport-ws,
    // where the toolkit sends the headers editor's content as the
    // connection_init payload (the server reads "Authorization" from it).
    fetcher: createGraphiQLFetcher({ url: '/query', subscriptionUrl: wsURL.href }),
    initialQuery: orderStatus,
    initialHeaders: headers,
    defaultEditorToolsVisibility: 'headers',
  }),
);
root.dataset.state = 'ready';
