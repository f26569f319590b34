#!/usr/bin/env bash
# Compiles every native source that an arm64 build uses with an aarch64 cross compiler (syntax and
# template instantiation only), so the portable/NEON paths keep building. Needs g++-aarch64-linux-gnu.
set -euo pipefail
cd "$(dirname "$0")/.."
cxx=${CXX_AARCH64:-aarch64-linux-gnu-g++}
command -v "$cxx" >/dev/null || { echo "check-arm64: $cxx not found (apt-get install g++-aarch64-linux-gnu)"; exit 1; }
headers=$(node -p "require('./packages/native/node_modules/node-api-headers').include_dir")
addon=$(node -p "require('./packages/native/node_modules/node-addon-api').include_dir.replace(/\"/g, '')")
fail=0
while IFS= read -r f; do
  "$cxx" -std=c++20 -O1 -fsyntax-only -I"$headers" -I"$addon" -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS \
    -DNODE_ADDON_API_DISABLE_DEPRECATED "$f" || { echo "check-arm64: FAILED $f"; fail=1; }
done < <(find packages/native/src -name '*.cc' ! -name '*_avx2.cc' ! -name '*_avx512.cc' ! -path '*/backend/cuda/*' | sort)
[[ $fail == 0 ]] && echo "check-arm64: all sources compile for aarch64"
exit $fail
