/**
 * The web console's build: `web/` is the Vite root, the output goes to `dist/web`, which
 * `tandem server` serves on its own port. Tests use `vitest.config.ts`, not this file.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    // elkjs (the graph layout, ~1.4 MB) is loaded on demand by the run view only.
    chunkSizeWarningLimit: 1600,
  },
  // `npx vite` serves the console with hot reload against a local `tandem server`.
  server: { proxy: { '/api': 'http://127.0.0.1:7300' } },
});
