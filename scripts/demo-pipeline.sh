#!/usr/bin/env bash
# The README demo: builds the workspace, makes sure the two small models are in the cache, then runs the voice
# assistant: speech (espeak-ng questions played at real time, or --mic / --wav FILE) → VAD → Whisper tiny.en →
# SmolLM2-135M's streamed answers, with latency figures at the end. Extra arguments go to voice-assistant.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
[[ -d .cache/bin ]] && export PATH="$PWD/.cache/bin:$PATH"  # espeak-ng unpacked without root (system-deps.sh)
if [[ " $* " != *" --mic "* && " $* " != *" --wav "* ]] && ! command -v espeak-ng >/dev/null; then
  echo "demo: espeak-ng is needed to synthesise the questions (apt-get install espeak-ng), or pass --mic / --wav FILE" >&2
  exit 1
fi
node packages/cli/dist/bin.js pull whisper-tiny.en smollm2-135m-instruct >/dev/null
exec node apps/examples/voice-assistant.mjs "$@"
