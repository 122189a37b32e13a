import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { CONTENT_SECURITY_POLICY } from './main/server/security.js';
import { defineConfig, type Plugin } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));
const pdfjs = path.join(root, 'node_modules/pdfjs-dist');

/**
 * pdf.js fetches the 14 standard fonts and the CMaps of CJK fonts by URL at run time; copy
 * them beside the bundle so PDFs render offline and without console warnings.
 */
function pdfjsAssets(): Plugin {
  let outDir = '';
  return {
    name: 'docent-pdfjs-assets',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      for (const folder of ['standard_fonts', 'cmaps']) {
        fs.cpSync(path.join(pdfjs, folder), path.join(outDir, 'pdfjs', folder), { recursive: true });
      }
    },
  };
}

/**
 * The built page carries its own CSP as well, for wherever it is loaded from (the HTTP door and
 * app:// also send one as a header). Only in builds: Vite's dev server injects inline scripts.
 * No frame-ancestors here: browsers ignore it in <meta> and say so on the console.
 */
const CSP = CONTENT_SECURITY_POLICY.split('; ')
  .filter((directive) => !directive.startsWith('frame-ancestors'))
  .join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'docent-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
  };
}

/** The window UI: built into dist/renderer and loaded from app:// (Electron) or the HTTP door. */
export default defineConfig({
  root: 'renderer',
  // Relative URLs, so the same build loads from app://, http://127.0.0.1 and file://.
  base: './',
  plugins: [react(), pdfjsAssets(), contentSecurityPolicy()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // pdf.js alone is ~400 kB minified; the app is local, so size warnings are noise.
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod places explanatory comments where Rollup looks for /* @__PURE__ */ annotations.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules/zod/')) return;
        warn(warning);
      },
    },
  },
  server: { strictPort: false },
});
