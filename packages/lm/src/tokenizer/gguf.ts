// tokenizerFromGguf: validates GGUF `tokenizer.*` metadata and builds our tokenizer from it.
import { CHATML_TEMPLATE, GEMMA_TEMPLATE } from './chat.js';
import { makePreTokenizer, knownPreTokenizers } from './pretokenize.js';
import { TokenizerError, type Tokenizer } from './types.js';
import { TokenType, VocabTokenizer } from './vocab-tokenizer.js';

/** Texts llama.cpp treats as end-of-generation (and as control tokens) wherever they appear. */
const EOG_TEXTS = ['<|eot_id|>', '<|im_end|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '<|eom_id|>', '<EOT>', '_<EOT>',
  '<｜end▁of▁sentence｜>', '</s>'];

function bad(key: string, what: string): never {
  throw new TokenizerError(`GGUF metadata "${key}" ${what}.`);
}

function stringArray(md: Record<string, unknown>, key: string, required: boolean): string[] | undefined {
  const v = md[key];
  if (v === undefined) return required ? bad(key, 'is missing') : undefined;
  if (!Array.isArray(v)) bad(key, 'must be an array of strings');
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') bad(key, `has a non-string item at index ${i}`);
  return v as string[];
}

function numberArray(md: Record<string, unknown>, key: string, n: number): number[] | undefined {
  const v = md[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) bad(key, 'must be an array of numbers');
  if (v.length !== n) bad(key, `has ${v.length} items but there are ${n} tokens`);
  return v.map((x, i) => (typeof x === 'number' || typeof x === 'bigint' ? Number(x) : bad(key, `has a non-number item at index ${i}`)));
}

function tokenId(md: Record<string, unknown>, key: string, n: number): number | undefined {
  const v = md[key];
  if (v === undefined) return undefined;
  const id = typeof v === 'bigint' ? Number(v) : v;
  if (typeof id !== 'number' || !Number.isInteger(id)) bad(key, 'must be an integer');
  if (id === -1 || id === 0xffffffff) return undefined; // "none"
  if (id < 0 || id >= n) bad(key, `is ${id}, outside the vocabulary of ${n} tokens`);
  return id;
}

function flag(md: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = md[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') bad(key, 'must be a boolean');
  return v;
}

export function tokenizerFromGguf(metadata: Record<string, unknown>): Tokenizer {
  if (metadata === null || typeof metadata !== 'object') throw new TokenizerError('tokenizerFromGguf expects the metadata object of a GGUF file.');
  const md = metadata;
  const model = md['tokenizer.ggml.model'];
  if (model === undefined) bad('tokenizer.ggml.model', 'is missing');
  if (model !== 'gpt2' && model !== 'llama') bad('tokenizer.ggml.model', `is "${String(model)}"; supported: "gpt2" (byte-level BPE), "llama" (SentencePiece)`);
  const tokens = stringArray(md, 'tokenizer.ggml.tokens', true)!;
  const n = tokens.length;
  if (n === 0) bad('tokenizer.ggml.tokens', 'is empty');
  const typeList = numberArray(md, 'tokenizer.ggml.token_type', n);
  const types = Int32Array.from(typeList ?? new Array(n).fill(TokenType.NORMAL));
  for (let i = 0; i < n; i++) if (types[i] < 0 || types[i] > 6) bad('tokenizer.ggml.token_type', `has unknown type ${types[i]} at index ${i}`);
  const kind = model === 'gpt2' ? 'bpe' : 'spm';
  let merges: string[] | undefined;
  let scores: Float32Array | undefined;
  if (kind === 'bpe') {
    merges = stringArray(md, 'tokenizer.ggml.merges', true)!;
    merges.forEach((m, i) => { if (m.indexOf(' ', 1) < 0) bad('tokenizer.ggml.merges', `item ${i} (${JSON.stringify(m)}) is not "left right"`); });
  } else {
    const s = numberArray(md, 'tokenizer.ggml.scores', n);
    scores = Float32Array.from(s ?? new Array(n).fill(0));
  }
  const pre = md['tokenizer.ggml.pre'];
  if (pre !== undefined && typeof pre !== 'string') bad('tokenizer.ggml.pre', 'must be a string');
  const preTokenizer = kind === 'bpe' ? makePreTokenizer(pre as string | undefined) : undefined;
  if (kind === 'bpe' && !preTokenizer) bad('tokenizer.ggml.pre', `is "${String(pre)}", not one of ${knownPreTokenizers().join(', ')}`);

  const bosId = tokenId(md, 'tokenizer.ggml.bos_token_id', n);
  const eos = [tokenId(md, 'tokenizer.ggml.eos_token_id', n), tokenId(md, 'tokenizer.ggml.eot_token_id', n), tokenId(md, 'tokenizer.ggml.eom_token_id', n)];
  const ids = new Map(tokens.map((t, i) => [t, i]));
  for (const t of EOG_TEXTS) {
    const id = ids.get(t);
    if (id === undefined) continue;
    eos.push(id);
    if (types[id] !== TokenType.CONTROL) types[id] = TokenType.CONTROL; // llama.cpp overrides these too
  }
  const tmpl = md['tokenizer.chat_template'];
  if (tmpl !== undefined && typeof tmpl !== 'string') bad('tokenizer.chat_template', 'must be a string');
  const chatTemplate = (tmpl as string | undefined)
    ?? (ids.has('<start_of_turn>') ? GEMMA_TEMPLATE : ids.has('<|im_start|>') ? CHATML_TEMPLATE : undefined);
  return new VocabTokenizer({
    kind, tokens, types, scores, merges, preTokenizer, ignoreMerges: pre === 'llama-bpe' || pre === 'llama3',
    bosId, eosIds: eos.filter((x): x is number => x !== undefined),
    addBos: flag(md, 'tokenizer.ggml.add_bos_token', kind === 'spm'),
    addEos: flag(md, 'tokenizer.ggml.add_eos_token', false),
    addSpacePrefix: flag(md, 'tokenizer.ggml.add_space_prefix', kind === 'spm'),
    chatTemplate,
  });
}
