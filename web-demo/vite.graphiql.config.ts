import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vite';
import base from './vite.config.ts';

// GraphiQL, which the server serves at `/` in development mode, built into
// the same dist/ as the order-status page (`npm run build` runs this second).
// A build of its own because it is React and Monaco, about 5 MB minified:
// without source maps it builds in ~15 s instead of ~35 s, and the page's
// maps stay. `npm run dev` serves it too, at /demo/graphiql.html.
export default mergeConfig(
  base,
  defineConfig({
    build: {
      emptyOutDir: false,
      sourcemap: false,
      // Monaco's editor core is one ~1.8 MB chunk; splitting it buys nothing
      // for a development tool loaded from the same machine.
      chunkSizeWarningLimit: 2048,
      rolldownOptions: {
        input: fileURLToPath(new URL('graphiql.html', import.meta.url)),
        onLog(level, log, handler) {
          // framer-motion and headlessui mark modules "use client" (a React
          // Server Components hint, meaningless in a browser bundle).
          if (log.code === 'MODULE_LEVEL_DIRECTIVE') {
            return;
          }
          handler(level, log);
        },
      },
    },
  }),
);
