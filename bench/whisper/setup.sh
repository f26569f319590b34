#!/usr/bin/env bash
# Installs the Whisper benchmark peer (faster-whisper / CTranslate2) into bench/.venv; idempotent. Prints the python.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x .venv/bin/python ]]; then python3 -m venv .venv; fi
if ! .venv/bin/python -c 'import faster_whisper' 2>/dev/null; then
  .venv/bin/pip install -q --disable-pip-version-check faster-whisper numpy
fi
echo "$PWD/.venv/bin/python"
