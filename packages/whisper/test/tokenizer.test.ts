// The byte-level BPE tokenizer against HF `tokenizers` (fixture from scripts/oracles/whisper/tokenizer.py) on the
// real tokenizer.json files; skipped when the models are not in the cache.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BpeWhisperTokenizer } from '../src/tokenizer.js';
import { ModelFormatError } from '../src/errors.js';

const MODELS = process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache', 'mlx-ts', 'models');
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'tokenizer.json'), 'utf8')) as Record<string, unknown> & { corpus: string[] };
const configOf = (name: string) => JSON.parse(readFileSync(join(MODELS, name, 'config.json'), 'utf8'));

describe.each(['whisper-tiny.en', 'whisper-base'])('%s tokenizer', (name) => {
  const path = join(MODELS, name, 'tokenizer.json');
  const present = existsSync(path);
  const tok = present ? BpeWhisperTokenizer.fromFile(path) : undefined;

  it.skipIf(!present)('encodes the corpus exactly like HF tokenizers and decodes it back', () => {
    const ids = fixture[name] as number[][];
    fixture.corpus.forEach((text, i) => {
      expect(tok!.encode(text)).toEqual(ids[i]);
      expect(tok!.decode(ids[i])).toBe(text);
    });
  });

  it.skipIf(!present)('special tokens come from tokenizer.json and agree with config.json', () => {
    const t = tok!;
    const cfg = configOf(name);
    const multi = name === 'whisper-base';
    expect(t.multilingual).toBe(multi);
    expect(t.eot).toBe(multi ? 50257 : 50256);
    expect(t.sot).toBe(multi ? 50258 : 50257);
    expect(t.noTimestamps).toBe(multi ? 50363 : 50362);
    expect(t.timestampBegin).toBe(t.noTimestamps + 1);
    expect(t.transcribe).toBe(t.translate + 1);
    expect(t.sotPrev).toBe(t.sotLm + 1);
    // config.json's lang_ids are the language tokens (faster-whisper's English-only config lists them one off, so
    // only the multilingual one is compared).
    expect(t.languageCodes).toHaveLength(99);
    expect(t.languageToken('en')).toBe(t.sot + 1);
    if (multi) expect(t.languageCodes.map((c) => t.languageToken(c))).toEqual(cfg.lang_ids);
    expect(t.languageCodes.slice(0, 4)).toEqual(['en', 'zh', 'de', 'es']);
    expect(t.sotSequence('fr')).toEqual(multi ? [t.sot, t.languageToken('fr'), t.transcribe] : [t.sot]);
    expect(t.sotSequence('de', 'translate')).toEqual(multi ? [t.sot, t.languageToken('de'), t.translate] : [t.sot]);
    expect(() => t.languageToken('xx')).toThrow(RangeError);
    // openai/whisper's non-speech symbols are exactly the text tokens of faster-whisper's suppress_ids; the rest
    // are task/start tokens.
    expect(t.nonSpeechTokens()).toEqual(cfg.suppress_ids.filter((x: number) => x >= 0 && x < t.eot));
    const specials = [t.sot, t.translate, t.transcribe, t.sotLm, t.sotPrev, t.noSpeech];
    expect(cfg.suppress_ids.filter((x: number) => x >= t.eot).every((x: number) => specials.includes(x))).toBe(true);
  });

  it.skipIf(!present)('timestamps and word splitting', () => {
    const t = tok!;
    const ids = t.encode(' Hello world, this is fine.');
    expect(t.decodeWithTimestamps([t.timestampBegin, ...ids, t.timestampBegin + 150, t.eot])).toBe('<|0.00|> Hello world, this is fine.<|3.00|><|endoftext|>');
    expect(t.decode([t.sot, ...ids, t.eot])).toBe(' Hello world, this is fine.');
    const { words, wordTokens } = t.splitToWordTokens([...ids, t.eot]);
    expect(words).toEqual([' Hello', ' world', ',', ' this', ' is', ' fine', '.', '<|endoftext|>']);
    expect(wordTokens.flat()).toEqual([...ids, t.eot]);
    // Languages without spaces split at every complete character (multi-byte tokens are never cut).
    const zh = t.encode('中文句子');
    const split = t.splitToWordTokens(zh, 'zh');
    expect(split.words.join('')).toBe('中文句子');
    expect(split.words.every((w) => !w.includes('\uFFFD'))).toBe(true);
  });
});

describe('tokenizer.json errors', () => {
  it('non-BPE or missing special tokens give ModelFormatError', () => {
    expect(() => new BpeWhisperTokenizer({ model: { type: 'WordPiece' } })).toThrow(ModelFormatError);
    expect(() => new BpeWhisperTokenizer({ model: { type: 'BPE', vocab: { a: 0 }, merges: [] }, added_tokens: [] })).toThrow(/endoftext/);
    expect(() => BpeWhisperTokenizer.fromFile('/nonexistent/tokenizer.json')).toThrow(ModelFormatError);
  });
});
