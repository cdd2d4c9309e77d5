#!/usr/bin/env node
// graphql-http-audit runs graphql-http's GraphQL-over-HTTP server audits
// against a running aftercart and prints the results as one JSON document:
//
//	{"url": "...", "results": [{"id", "name", "level", "status", "reason",
//	  "response": {"status", "contentType", "body"}}], "summary": {...}}
//
// Usage:
//
//	node e2e/graphql-http-audit.mjs --url http://127.0.0.1:8080 [--token <jwt>]
//
// The URL may be the server's base URL or its /query endpoint. With a token
// (or AFTERCART_TOKEN), every audit request carries
// "Authorization: Bearer <token>". Exit status: 0 when no MUST audit failed,
// 1 when at least one did, 2 when an audit could not run at all (the server
// unreachable, a malformed URL).
//
// server/node_e2e_test.go (TestGraphQLHTTPAudit) runs this against the real
// server and judges the results; the script itself only reports.
import { parseArgs } from 'node:util';
import { serverAudits } from 'graphql-http';

function fail(message) {
  process.stderr.write(`graphql-http-audit: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.AFTERCART_URL },
    token: { type: 'string', default: process.env.AFTERCART_TOKEN },
  },
});
if (!values.url) {
  fail('missing --url (or AFTERCART_URL)');
}
const url = queryURL(values.url);

/** queryURL returns the GraphQL endpoint for a base or endpoint URL. */
function queryURL(raw) {
  const u = new URL(raw);
  if (!u.pathname.endsWith('/query')) {
    u.pathname = u.pathname.replace(/\/?$/, '/query');
  }
  return u.toString();
}

// Audits accept a fetch function: this one adds the bearer token to every
// request and never follows redirects (a redirect is a finding, not a detour).
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (values.token) {
    headers.set('authorization', `Bearer ${values.token}`);
  }
  return fetch(input, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
};

/** describe keeps what a reader needs from a failing audit's response. */
async function describe(res) {
  if (!res) {
    return undefined;
  }
  let body;
  try {
    body = await res.clone().text();
  } catch {
    body = '(body already read by the audit)';
  }
  if (body.length > 2000) {
    body = `${body.slice(0, 2000)}…`;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body };
}

const results = [];
let fatal = false;
// One at a time: the output order is the audit list's, and a slow server is
// not flooded.
for (const audit of serverAudits({ url, fetchFn })) {
  const level = audit.name.split(' ', 1)[0];
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // graphql-http throws only for fatal errors (the server unreachable, a
    // malformed URL): report it as the audit's error.
    fatal = true;
    results.push({ id: audit.id, name: audit.name, level, status: 'error', reason: `fatal: ${err?.cause?.message ?? err?.message ?? err}` });
    continue;
  }
  const out = { id: result.id, name: result.name, level, status: result.status };
  if (result.status !== 'ok') {
    out.reason = result.reason;
    out.response = await describe(result.response);
  }
  results.push(out);
}

const summary = {};
for (const r of results) {
  const key = `${r.level} ${r.status}`;
  summary[key] = (summary[key] ?? 0) + 1;
}
process.stdout.write(`${JSON.stringify({ url, results, summary }, null, 2)}\n`);
if (fatal) {
  process.exitCode = 2;
} else {
  process.exitCode = results.some((r) => r.level === 'MUST' && r.status !== 'ok') ? 1 : 0;
}
