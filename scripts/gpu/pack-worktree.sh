#!/usr/bin/env bash
# Packs this worktree for the device `run` tool, which copies only the session's main checkout:
# writes DEST (default <main>/.gpu-cuda, a folder that checkout's .git/info/exclude ignores) with
#   node.xz   the node binary (the GPU machine has none),
#   wt.tar.xz tracked + untracked source files and the built JS (node_modules incl. pnpm's store,
#             packages/*/dist), without native build outputs and large unused packages,
#   go.sh     installs node, unpacks into $HOME/wt and runs its argument there,
#   cudnn-frontend.tar.xz  the cuDNN frontend headers when fetched (scripts/gpu/fetch-cudnn-frontend.sh).
# Run `pnpm -r --filter './packages/*' build` (tsc) first. Usage: pack-worktree.sh [DEST] [MAIN]
set -euo pipefail
WT=$(cd "$(dirname "$0")/../.." && pwd)
MAIN=${2:-/work/main}
DEST=${1:-$MAIN/.gpu-cuda}
mkdir -p "$DEST"
if [[ -f $MAIN/.device/node.xz ]]; then cp "$MAIN/.device/node.xz" "$DEST/node.xz"; else xz -c "$(command -v node)" > "$DEST/node.xz"; fi
cd "$WT"
list=$(mktemp)
{
  git ls-files -co --exclude-standard
  for d in node_modules packages/*/node_modules packages/*/dist bench/node_modules; do [[ -e $d ]] && echo "$d"; done
} | sort -u > "$list"
tar -cf - --exclude='packages/native/build' --exclude='packages/native/.cache' --exclude='.git' \
  --exclude='*/.pnpm/@img*' --exclude='*/.pnpm/typescript@*' --exclude='*/.pnpm/openai@*' --exclude='*/.pnpm/prettier@*' \
  --exclude='*/node_modules/@img' --exclude='*/node_modules/typescript' --exclude='*/node_modules/openai' --exclude='*/node_modules/prettier' \
  -T "$list" | xz -T2 -3 > "$DEST/wt.tar.xz"
rm -f "$list"
# The header-only cuDNN frontend (for the cuDNN attention path), when fetched here
# (scripts/gpu/fetch-cudnn-frontend.sh): go.sh unpacks it and points the build at it.
FE=${CUDNN_FRONTEND_INCLUDE_DIR:-$HOME/.cache/mlx-ts/cudnn-frontend/include}
rm -f "$DEST/cudnn-frontend.tar.xz"
[[ -f $FE/cudnn_frontend.h ]] && tar -cJf "$DEST/cudnn-frontend.tar.xz" -C "$FE/.." "$(basename "$FE")"
cat > "$DEST/go.sh" <<'GO'
#!/usr/bin/env bash
# On the GPU machine (from the main checkout's root): install node, unpack the worktree, run "$1" in it.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null 2>&1 || { xz -dc "$HERE/node.xz" > /usr/local/bin/node; chmod +x /usr/local/bin/node; }
mkdir -p "$HOME/wt" && tar -xJf "$HERE/wt.tar.xz" -C "$HOME/wt"
if [[ -f $HERE/cudnn-frontend.tar.xz && -z ${CUDNN_FRONTEND_INCLUDE_DIR:-} ]]; then
  mkdir -p "$HOME/cudnn-frontend" && tar -xJf "$HERE/cudnn-frontend.tar.xz" -C "$HOME/cudnn-frontend"
  export CUDNN_FRONTEND_INCLUDE_DIR=$(ls -d "$HOME"/cudnn-frontend/*/ | head -1)
fi
cd "$HOME/wt" && bash -c "$1"
GO
chmod +x "$DEST/go.sh"
ls -la "$DEST"
