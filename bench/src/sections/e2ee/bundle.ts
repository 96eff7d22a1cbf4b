/**
 * The worker scripts the E2EE page loads, bundled with the web app's bundler
 * (Vite, minified ES modules, like apps/web's build):
 * - the per-frame benchmark (worker/frameBench.ts);
 * - the shipped E2EE worker (apps/web/src/e2ee/worker/e2eeWorker.ts) as it
 *   is, and the same with '@confidentiel/e2ee' narrowed to its frame modules
 *   (worker/frameOnly.ts): what its start would cost without zod.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface WorkerBundles {
  frameBench: string;
  shippedWorker: string;
  frameOnlyWorker: string;
}

async function bundle(entry: string, frameOnly: boolean): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    root: dirname(entry),
    resolve: frameOnly ? { alias: { '@confidentiel/e2ee': join(HERE, 'worker/frameOnly.ts') } } : {},
    build: {
      write: false,
      minify: true,
      sourcemap: false,
      reportCompressedSize: false,
      lib: { entry, formats: ['es'], fileName: 'worker' },
    },
  });
  const result = Array.isArray(output) ? output[0] : output;
  if (!result || !('output' in result)) {
    throw new Error(`bundling ${entry} gave no output`);
  }
  const chunk = result.output.find((o) => o.type === 'chunk' && o.isEntry);
  if (!chunk || chunk.type !== 'chunk') {
    throw new Error(`bundling ${entry} gave no entry chunk`);
  }
  return chunk.code;
}

export async function bundleWorkers(root: string): Promise<WorkerBundles> {
  const shipped = join(root, 'apps/web/src/e2ee/worker/e2eeWorker.ts');
  return {
    frameBench: await bundle(join(HERE, 'worker/frameBench.ts'), true),
    shippedWorker: await bundle(shipped, false),
    frameOnlyWorker: await bundle(shipped, true),
  };
}
