// Monaco's web workers, for GraphiQL. graphiql ships the same set-up as
// 'graphiql/setup-workers/vite', but Vite's dev server cannot pre-bundle a
// dependency that imports `?worker` modules (its optimizer fails, and takes
// `npm run dev` down with it): imported from our own source, the workers
// are Vite's to build in both modes. Keep it in step with that file.
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker';
import JsonWorker from 'monaco-editor/esm/vs/language/json/json.worker.js?worker';
import GraphQLWorker from 'monaco-graphql/esm/graphql.worker.js?worker';
// Types only: declares window.MonacoEnvironment.
import type { Environment } from 'monaco-editor';

window.MonacoEnvironment = {
  getWorker(_workerId, label) {
    switch (label) {
      case 'json':
        return new JsonWorker();
      case 'graphql':
        return new GraphQLWorker();
    }
    return new EditorWorker();
  },
} satisfies Environment;
