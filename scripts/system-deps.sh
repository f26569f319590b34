#!/usr/bin/env bash
# Installs the Debian packages the speech tests and the demo need (espeak-ng makes test speech, sox is a
# microphone source). Skips what is present; without root or sudo it prints what is missing and carries on,
# and the tests that need a missing program fail with a message naming it.
set -uo pipefail
missing=()
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
command -v sox >/dev/null || missing+=(sox)
((${#missing[@]} == 0)) && exit 0
SUDO=""
if [[ $(id -u) != 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "system-deps: please install: ${missing[*]} (no root/sudo here)" >&2; exit 0; fi
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
  { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; } ||
  echo "system-deps: apt-get failed for ${missing[*]}" >&2
exit 0
