"""Oracle for loadTokenizer(dir): encodes the shared corpus with HF `tokenizers` (Rust) for a
tokenizer.json and writes packages/lm/test/fixtures/tokenizer/<name>-hf.json.
    python scripts/oracles/tokenizers_hf.py [model-dir] [name]   (needs: pip install tokenizers)
Default: the cached whisper-tiny.en (faster-whisper layout, GPT-2 byte-level BPE)."""
import json, os, re, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, '..', '..'))
models = os.environ.get('MLX_MODELS_DIR', os.path.expanduser('~/.cache/mlx-ts/models'))
model_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(models, 'whisper-tiny.en')
name = sys.argv[2] if len(sys.argv) > 2 else 'whisper-tiny.en'

# The corpus lives in a JS module shared with the node oracle; node prints it as JSON.
corpus = json.loads(subprocess.check_output(
    ['node', '--input-type=module', '-e',
     "const m = await import(process.argv[1]); console.log(JSON.stringify(m.CORPUS))",
     os.path.join(here, 'tokenizers-corpus.mjs')]))

from tokenizers import Tokenizer  # noqa: E402

tok = Tokenizer.from_file(os.path.join(model_dir, 'tokenizer.json'))
cases = []
for text in corpus:
    # A lone surrogate cannot cross into Rust: replace it with U+FFFD, as any UTF-8 encoder does.
    clean = text.encode('utf-16', 'surrogatepass').decode('utf-16', 'replace')
    enc = tok.encode(clean, add_special_tokens=False)
    cases.append({'text': text, 'ids': enc.ids,
                  'decoded': tok.decode(enc.ids, skip_special_tokens=False),
                  'decodedSkip': tok.decode(enc.ids, skip_special_tokens=True)})
import tokenizers  # noqa: E402
out = {'generator': f'scripts/oracles/tokenizers_hf.py (tokenizers {tokenizers.__version__})', 'model': name, 'cases': cases}
path = os.path.join(root, 'packages', 'lm', 'test', 'fixtures', 'tokenizer', f'{name}-hf.json')
with open(path, 'w') as f:
    json.dump(out, f)
    f.write('\n')
print(path, len(cases), 'cases')
