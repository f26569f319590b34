#!/usr/bin/env bash
# Installs the Debian packages the speech tests and the demo need (espeak-ng makes test speech, sox is a
# microphone source). Skips what is present. With root or sudo it uses apt-get install; without, it fetches
# espeak-ng's .debs with `apt-get download` (no root needed), unpacks them under .cache/sysdeps and puts a wrapper
# in .cache/bin (test.sh and the demo add it to PATH). MLX_LOCAL_DEPS=1 forces the unprivileged path.
set -uo pipefail
cd "$(dirname "$0")/.."
local_bin="$PWD/.cache/bin"
[[ -x "$local_bin/espeak-ng" ]] && export PATH="$local_bin:$PATH"
missing=()
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
command -v sox >/dev/null || missing+=(sox)
((${#missing[@]} == 0)) && exit 0

SUDO=none
if [[ "${MLX_LOCAL_DEPS:-}" != 1 ]]; then
  if [[ $(id -u) == 0 ]]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi
if [[ "$SUDO" != none ]]; then
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
    { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; } ||
    echo "system-deps: apt-get failed for ${missing[*]}" >&2
  exit 0
fi

# Unprivileged: espeak-ng only (sox is needed just for a live microphone).
command -v espeak-ng >/dev/null && exit 0
dir="$PWD/.cache/sysdeps"
mkdir -p "$dir/debs" "$dir/root" "$local_bin"
echo "system-deps: no root/sudo; unpacking espeak-ng into $dir"
if (cd "$dir/debs" && apt-get download espeak-ng libespeak-ng1 espeak-ng-data libpcaudio0 libsonic0 >/dev/null 2>&1); then
  for f in "$dir"/debs/*.deb; do dpkg -x "$f" "$dir/root"; done
  lib=$(dirname "$(find "$dir/root" -name 'libespeak-ng.so.1' | head -1)")
  cat > "$local_bin/espeak-ng" <<WRAP
#!/usr/bin/env bash
ESPEAK_DATA_PATH="$lib" LD_LIBRARY_PATH="$lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$dir/root/usr/bin/espeak-ng" "\$@"
WRAP
  chmod +x "$local_bin/espeak-ng"
  "$local_bin/espeak-ng" --version >/dev/null 2>&1 || echo "system-deps: the unpacked espeak-ng does not run" >&2
else
  echo "system-deps: please install espeak-ng (apt-get download failed, no root/sudo here)" >&2
fi
exit 0
