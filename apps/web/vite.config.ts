import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** Where signaling listens in development (it serves /api and /socket.io). */
const SIGNALING_ORIGIN = 'http://127.0.0.1:8080';

const proxy = {
  '/api': { target: SIGNALING_ORIGIN },
  '/socket.io': { target: SIGNALING_ORIGIN, ws: true },
};

export default defineConfig({
  // Pinned so that `vite build apps/web` and `npm run build -w apps/web` agree.
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  // The E2EE worker is a module worker (`new Worker(url, { type: 'module' })`), served from 'self'.
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: { host: '127.0.0.1', proxy },
  preview: { host: '127.0.0.1', proxy },
});
