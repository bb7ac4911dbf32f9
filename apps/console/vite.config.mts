import path from 'node:path';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// The console is served by alerts-api under /console/ (same origin as the REST API, /ws and /live).
export default defineConfig({
  root: here,
  base: '/console/',
  plugins: [preact()],
  logLevel: 'warn',
  build: {
    outDir: path.resolve(here, '../../dist/apps/console'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
});
