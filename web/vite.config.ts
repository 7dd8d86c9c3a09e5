import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));

// The UI is served by the Trellis server itself (web/dist at /), so everything is bundled: no CDN.
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `npx vite --config web/vite.config.ts` during development, with the API on :4000.
    proxy: { '/graphql': { target: 'http://localhost:4000', ws: true }, '/downloads': 'http://localhost:4000' },
  },
});
