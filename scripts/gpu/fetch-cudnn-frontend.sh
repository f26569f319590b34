#!/usr/bin/env bash
# Fetches the header-only cuDNN frontend (pip wheel `nvidia-cudnn-frontend`, which ships include/)
# into DEST (default ~/.cache/mlx-ts/cudnn-frontend), where packages/native/CMakeLists.txt looks for
# it; or point CUDNN_FRONTEND_INCLUDE_DIR at any cudnn-frontend checkout's include/. The headers
# are not vendored in git. Usage: fetch-cudnn-frontend.sh [DEST] [VERSION]
set -euo pipefail
DEST=${1:-$HOME/.cache/mlx-ts/cudnn-frontend}
VER=${2:-1.32.0}
tmp=$(mktemp -d)
python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 -d "$tmp" "nvidia-cudnn-frontend==$VER" >/dev/null
mkdir -p "$DEST"
rm -rf "$DEST/include"
(cd "$DEST" && unzip -q "$tmp"/nvidia_cudnn_frontend-*.whl 'include/*')
rm -rf "$tmp"
echo "cuDNN frontend $VER headers in $DEST/include (export CUDNN_FRONTEND_INCLUDE_DIR=$DEST/include)"
