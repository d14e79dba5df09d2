/**
 * Builds the verification portal (server/portal) into dist/portal: one
 * bundled, minified ES module (hash-wasm and the core's JCS included), its
 * stylesheet and page. Everything the page needs is served by Custos itself:
 * no CDN, no request to anywhere else.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from '../server/package-root';

async function main(): Promise<void> {
  const root = packageRoot();
  const out = join(root, 'dist', 'portal');
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(root, 'server', 'portal', 'app.ts')],
    outfile: join(out, 'app.js'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    platform: 'browser',
    sourcemap: true,
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'server', 'portal', 'styles.css'), join(out, 'app.css'));
  copyFileSync(join(root, 'server', 'portal', 'index.html'), join(out, 'index.html'));
}

main().catch((error) => {
  console.error(`build-portal: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
