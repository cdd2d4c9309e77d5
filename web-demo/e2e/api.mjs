// Helpers shared by the browser scripts (browser.mjs, graphiql.mjs): their
// settings from the environment, and the API spoken to directly, as the
// store's integration, to set up and move the data the page shows.

/**
 * envReader returns required(name): the environment variable's value, or
 * exit 2 naming the script and the variable.
 */
export function envReader(script) {
  return function required(name) {
    const v = process.env[name];
    if (!v) {
      console.error(`${script}: ${name} is not set (see the usage at the top of this file)`);
      process.exit(2);
    }
    return v;
  };
}

/** apiClient returns gql(query, variables), posting to serverURL as token. */
export function apiClient(serverURL, token) {
  return async function gql(query, variables) {
    const res = await fetch(`${serverURL}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.json();
    if (!res.ok || body.errors?.length) {
      throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body.errors ?? body)}`);
    }
    return body.data;
  };
}
