"""Token ids from HF `tokenizers` for a text corpus, for the real Whisper tokenizer.json files
(~/.cache/mlx-ts/models/whisper-tiny.en and whisper-base). Writes packages/whisper/test/fixtures/tokenizer.json.
Run: /work/hfvenv/bin/python scripts/oracles/whisper/tokenizer.py
"""
import json
import os

from tokenizers import Tokenizer

CORPUS = [
    "Hello world", " Hello world", "The quick brown fox jumps over the lazy dog.",
    "I'm sure they'll say it's fine, isn't it? We've done what we'd planned.",
    "Numbers: 3.14159, 1,000,000 and 42nd street; 2024-01-15 at 10:30pm.",
    "  multiple   spaces\tand\ttabs\nnew lines  ", "Ünïcödé çàfé naïve résumé", "Größenwahn straße",
    "日本語のテキストです。", "中文句子，还有标点。", "Привет, как дела?", "emoji 🎉🚀 and ♪ music ♪",
    "(parenthesised) [bracketed] {braced} <angled> \"quoted\" 'single'", "--- >> << ((", "e.g. i.e. etc.",
    "¿Dónde está la biblioteca?", "C'est la vie, n'est-ce pas?", "ALL CAPS SHOUTING!!!", "a", "",
]
ROOT = os.path.expanduser('~/.cache/mlx-ts/models')
out = {'corpus': CORPUS}
for name in ('whisper-tiny.en', 'whisper-base'):
    tok = Tokenizer.from_file(os.path.join(ROOT, name, 'tokenizer.json'))
    out[name] = [tok.encode(t, add_special_tokens=False).ids for t in CORPUS]
path = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'packages', 'whisper', 'test', 'fixtures', 'tokenizer.json')
json.dump(out, open(path, 'w', encoding='utf-8'), ensure_ascii=False)
print('written', os.path.normpath(path))
