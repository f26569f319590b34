import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { loadTokenizer, tokenizerFromGguf, TokenizerError, type Tokenizer } from '@mlx/lm';

// Fixtures: scripts/oracles/tokenizers.mjs (llama.cpp via node-llama-cpp, chat via Python jinja2)
// and scripts/oracles/tokenizers_hf.py (HF tokenizers).
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'tokenizer');
const fixture = (name: string) => JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8'));

const GGUFS = [
  ['smollm2-135m-instruct', 'SmolLM2-135M-Instruct.Q4_1.gguf'],
  ['gemma-3-270m-it', 'gemma-3-270m-q4_k_m.gguf'],
] as const;

const metadataCache = new Map<string, Record<string, unknown>>();
async function metadata(name: string, file: string): Promise<Record<string, unknown> | undefined> {
  if (!metadataCache.has(name)) {
    const dir = await mx.resolveModel(name, { download: false }).catch(() => undefined);
    if (!dir) return undefined;
    metadataCache.set(name, mx.readGgufHeader(join(dir, file)).metadata as Record<string, unknown>);
  }
  return metadataCache.get(name);
}

for (const [name, file] of GGUFS) {
  const fx = fixture(name);
  describe(`${name} GGUF tokenizer vs llama.cpp`, async () => {
    const md = await metadata(name, file);
    const tok: Tokenizer | undefined = md && tokenizerFromGguf(md);
    it.skipIf(!tok)(`encodes all ${fx.cases.length} corpus strings token for token`, () => {
      const mismatches = fx.cases.filter((c: { text: string; ids: number[] }) => tok!.encode(c.text, { addSpecialTokens: false }).join() !== c.ids.join());
      expect(mismatches.map((c: { text: string }) => c.text)).toEqual([]);
      expect(fx.cases.length).toBeGreaterThanOrEqual(40);
    });
    it.skipIf(!tok)('treats control tokens as text when parseSpecial is off', () => {
      const cases = fx.cases.filter((c: { idsNoSpecial?: number[] }) => c.idsNoSpecial);
      expect(cases.length).toBeGreaterThan(0);
      for (const c of cases) expect(tok!.encode(c.text, { addSpecialTokens: false, parseSpecial: false })).toEqual(c.idsNoSpecial);
    });
    it.skipIf(!tok)('adds BOS exactly when the model asks for it; exposes BOS/EOS/EOT', () => {
      const ids = tok!.encode('Hello world');
      expect(ids[0] === fx.bos).toBe(fx.shouldPrependBos);
      expect(tok!.bosTokenId).toBe(fx.bos);
      expect(tok!.eosTokenIds[0]).toBe(fx.eos);
      if (fx.eot !== null) expect(tok!.eosTokenIds).toContain(fx.eot);
    });
    it.skipIf(!tok)('decodes like llama.cpp and round-trips the corpus', () => {
      for (const c of fx.cases) {
        expect(tok!.decode(c.ids)).toBe(c.decoded);
        expect(tok!.decode(tok!.encode(c.text, { addSpecialTokens: false }))).toBe(c.text.toWellFormed());
      }
      expect(tok!.decode([tok!.eosTokenIds[0]], { skipSpecialTokens: true })).toBe('');
    });
    it.skipIf(!tok)('stream decoding never splits a UTF-8 character and equals decode', () => {
      for (const c of fx.cases) {
        const s = tok!.streamDecoder();
        const pieces = c.ids.map((id: number) => s.push(id));
        pieces.push(s.flush());
        for (const p of pieces) expect(p.includes('\ufffd') && !c.decoded.includes('\ufffd')).toBe(false);
        expect(pieces.join('')).toBe(c.decoded);
      }
      // Emoji split over byte tokens: nothing comes out until the character is complete.
      const s = tok!.streamDecoder();
      const ids = tok!.encode('👩‍👩‍👧‍👦', { addSpecialTokens: false });
      const out = ids.map((id) => s.push(id));
      expect(out.join('') + s.flush()).toBe('👩‍👩‍👧‍👦');
    });
    it.skipIf(!tok)('maps tokens and ids both ways', () => {
      const id = tok!.encode('Hello', { addSpecialTokens: false })[0];
      expect(tok!.tokenToId(tok!.idToToken(id)!)).toBe(id);
      expect(tok!.idToToken(tok!.vocabSize)).toBeUndefined();
      expect(() => tok!.decode([tok!.vocabSize])).toThrow(TokenizerError);
      expect(() => tok!.streamDecoder().push(-1)).toThrow(TokenizerError);
    });
    if (fx.chat) {
      it.skipIf(!tok)('renders the GGUF chat template like Python jinja2', () => {
        for (const c of fx.chat) expect(tok!.applyChatTemplate(c.messages, { addGenerationPrompt: c.addGenerationPrompt })).toBe(c.text);
      });
    }
  });
}

describe('Gemma built-in chat template (the GGUF has none)', async () => {
  const md = await metadata('gemma-3-270m-it', 'gemma-3-270m-q4_k_m.gguf');
  it.skipIf(!md)('follows the documented Gemma turn format', () => {
    const tok = tokenizerFromGguf(md!);
    const text = tok.applyChatTemplate([
      { role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: [{ type: 'text', text: 'Why?' }] },
    ], { addGenerationPrompt: true });
    expect(text).toBe('<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n'
      + '<start_of_turn>user\nWhy?<end_of_turn>\n<start_of_turn>model\n');
    const ids = tok.encode(text, { addSpecialTokens: false });
    expect(ids[0]).toBe(tok.bosTokenId);
    expect(ids).toContain(tok.tokenToId('<start_of_turn>'));
  });
});

describe('tokenizer.json through loadTokenizer vs HF tokenizers', async () => {
  const fx = fixture('whisper-tiny.en-hf');
  const dir = await mx.resolveModel('whisper-tiny.en', { download: false }).catch(() => undefined);
  it.skipIf(!dir)('encodes and decodes the corpus like the Rust tokenizers library', async () => {
    const tok = await loadTokenizer(dir!);
    for (const c of fx.cases) {
      expect(tok.encode(c.text, { addSpecialTokens: false })).toEqual(c.ids);
      expect(tok.decode(c.ids)).toBe(c.decoded);
      const s = tok.streamDecoder();
      expect(c.ids.map((id: number) => s.push(id)).join('') + s.flush()).toBe(c.decoded);
    }
    expect(tok.eosTokenIds).toEqual([tok.tokenToId('<|endoftext|>')]);
  });
  it('rejects a missing or malformed tokenizer.json with TokenizerError', async () => {
    await expect(loadTokenizer(fixtures)).rejects.toBeInstanceOf(TokenizerError);
  });
});

describe('bad GGUF tokenizer metadata gives TokenizerError', () => {
  const base = () => ({
    'tokenizer.ggml.model': 'gpt2', 'tokenizer.ggml.pre': 'default',
    'tokenizer.ggml.tokens': ['a', 'b', 'ab', '<s>'], 'tokenizer.ggml.token_type': [1, 1, 1, 3],
    'tokenizer.ggml.merges': ['a b'], 'tokenizer.ggml.bos_token_id': 3,
  } as Record<string, unknown>);
  it('accepts the well-formed toy vocabulary', () => {
    const tok = tokenizerFromGguf(base());
    expect(tok.encode('abab<s>', { addSpecialTokens: false })).toEqual([2, 2, 3]);
  });
  const cases: Array<[string, (m: Record<string, unknown>) => void]> = [
    ['missing model', (m) => { delete m['tokenizer.ggml.model']; }],
    ['unsupported model', (m) => { m['tokenizer.ggml.model'] = 'bert'; }],
    ['tokens not an array', (m) => { m['tokenizer.ggml.tokens'] = 'abc'; }],
    ['non-string token', (m) => { m['tokenizer.ggml.tokens'] = ['a', 7]; }],
    ['empty vocabulary', (m) => { m['tokenizer.ggml.tokens'] = []; m['tokenizer.ggml.token_type'] = []; }],
    ['token_type length', (m) => { m['tokenizer.ggml.token_type'] = [1]; }],
    ['unknown token type', (m) => { m['tokenizer.ggml.token_type'] = [1, 1, 1, 9]; }],
    ['missing merges', (m) => { delete m['tokenizer.ggml.merges']; }],
    ['malformed merge', (m) => { m['tokenizer.ggml.merges'] = ['ab']; }],
    ['bos out of range', (m) => { m['tokenizer.ggml.bos_token_id'] = 99; }],
    ['unknown pre-tokenizer', (m) => { m['tokenizer.ggml.pre'] = 'no-such-pre'; }],
    ['scores length (spm)', (m) => { m['tokenizer.ggml.model'] = 'llama'; m['tokenizer.ggml.scores'] = [0]; }],
    ['chat template not a string', (m) => { m['tokenizer.chat_template'] = 5; }],
  ];
  for (const [what, mutate] of cases) {
    it(what, () => {
      const m = base();
      mutate(m);
      expect(() => tokenizerFromGguf(m)).toThrow(TokenizerError);
    });
  }
  it('a template that does not parse or fails to render', () => {
    expect(() => tokenizerFromGguf({ ...base(), 'tokenizer.chat_template': '{% for %}' }).applyChatTemplate([])).toThrow(TokenizerError);
    const tok = tokenizerFromGguf({ ...base(), 'tokenizer.chat_template': "{{ raise_exception('no system role') }}" });
    expect(() => tok.applyChatTemplate([{ role: 'system', content: 'x' }])).toThrow(/no system role/);
  });
});
