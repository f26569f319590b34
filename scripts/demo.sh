#!/usr/bin/env bash
# Builds everything (see bootstrap.sh) and runs the main demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec node apps/examples/src/engine-demo.mjs "$@"
