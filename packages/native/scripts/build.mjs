// Configures and builds the native addon with cmake, against the Node-API headers shipped
// on npm (node-api-headers, node-addon-api), so no header download happens.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const headers = require('node-api-headers').include_dir;
const addonApi = require('node-addon-api').include_dir.replace(/^"|"$/g, '');
const buildDir = join(root, 'build');
const type = process.env.MLX_BUILD_TYPE ?? 'Release';
const cuda = process.env.MLX_CUDA ?? 'AUTO';

// ccache (when present) shares objects across clones and worktrees when paths are relative to the repo.
const env = { ...process.env, CCACHE_BASEDIR: join(root, '..', '..'), CCACHE_NOHASHDIR: '1' };
const run = (args) => execFileSync('cmake', args, { stdio: 'inherit', cwd: root, env });
run(['-S', root, '-B', buildDir, `-DCMAKE_BUILD_TYPE=${type}`, `-DNODE_API_HEADERS_DIR=${headers}`,
  `-DNODE_ADDON_API_DIR=${join(root, addonApi.startsWith('/') ? '' : '', addonApi)}`, `-DMLX_CUDA=${cuda}`]);
run(['--build', buildDir, '--parallel', String(Math.max(1, cpus().length))]);
