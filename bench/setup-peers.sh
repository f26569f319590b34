#!/usr/bin/env bash
# Installs the benchmark peers (numpy with OpenBLAS, MLX CPU) into bench/.venv; idempotent.
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -x .venv/bin/python ]]; then python3 -m venv .venv; fi
if ! .venv/bin/python -c 'import numpy, mlx.core' 2>/dev/null; then
  .venv/bin/pip install -q --disable-pip-version-check numpy 'mlx[cpu]' threadpoolctl
fi
echo "$PWD/.venv/bin/python"
