// The web UI bundle: built into dist/ui, which the query API serves at `/` (query-api/routes/ui-routes.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const uiRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: uiRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    // Hashed names under /assets/ are what the server marks immutable.
    assetsDir: 'assets',
    sourcemap: true,
  },
  server: {
    // `npx vite --config ui/vite.config.ts` for UI work against a hub on the default port.
    proxy: { '/api': 'http://127.0.0.1:16686' },
  },
});
