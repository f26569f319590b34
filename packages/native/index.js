// Loads the compiled addon. MLX_NATIVE_PATH overrides the location (e.g. a CUDA build).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const candidates = [process.env.MLX_NATIVE_PATH, join(here, 'build', 'mlx_native.node'), join(here, 'build', 'Release', 'mlx_native.node')].filter(Boolean);
const path = candidates.find((p) => existsSync(p));
if (!path) throw new Error(`@mlx/native: the addon is not built (looked in ${candidates.join(', ')}). Run \`pnpm --filter @mlx/native build\`.`);
const native = require(path);
export default native;
