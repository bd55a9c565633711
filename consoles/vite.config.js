// Two builds, one per console (`vite build --mode console|wallet`), each self-contained under dist/<name>/ with
// relative asset paths, so the same files serve at /console/ and /wallet/ locally, from S3 behind CloudFront.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig(({ mode }) => ({
  root: resolve(import.meta.dirname, mode),
  base: './',
  build: {
    outDir: resolve(import.meta.dirname, 'dist', mode),
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: true,
  },
}));
