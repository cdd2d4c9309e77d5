import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The Go server serves the built app at /demo/ and the API at /query on the
// same origin. `npm run dev` proxies the API (websockets included), the
// development session and the product images to a server started with
// `go run ./server -dev`. Two pages: the shopper's (index.html: orders,
// reviews, the community) and the admin SPA (admin.html, /demo/admin.html).
// GraphiQL (graphiql.html) has a build of its own: vite.graphiql.config.ts.
const api = process.env.AFTERCART_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/demo/',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/query': { target: api, ws: true, changeOrigin: false },
      '/demo/session': { target: api },
      '/demo/admin-session': { target: api },
      // The demo catalog's product images ship inside the server binary.
      '/demo/products/': { target: api },
    },
  },
  build: {
    target: 'es2022',
    // Maps for debugging on a phone's remote inspector; the demo hides nothing.
    sourcemap: true,
    rolldownOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        admin: fileURLToPath(new URL('admin.html', import.meta.url)),
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
