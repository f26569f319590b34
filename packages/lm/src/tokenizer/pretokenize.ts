// Pre-tokenizer regexes of byte-level BPE models, selected by GGUF `tokenizer.ggml.pre`.
// Several regexes are applied in sequence; text between matches is kept as its own piece, the
// way llama.cpp's splitter does. Whitespace is spelled out because JS `\s` and llama.cpp's
// whitespace class differ (U+0085 and U+FEFF).
const WS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const S = `[${WS}]`, NS = `[^${WS}]`;

const GPT2 = `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WS}\\p{L}\\p{N}]+|${S}+(?!${NS})|${S}+`;
const LLAMA3 = `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*|${S}*[\\r\\n]+|${S}+(?!${NS})|${S}+`;
const QWEN2 = `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*|${S}*[\\r\\n]+|${S}+(?!${NS})|${S}+`;

/** Regex lists per `tokenizer.ggml.pre` value. */
const PRE: Record<string, string[]> = {
  default: [GPT2],
  gpt2: [GPT2],
  'gpt-2': [GPT2],
  smollm: ['\\p{N}', GPT2],
  starcoder: ['\\p{N}', GPT2],
  refact: ['\\p{N}', GPT2],
  'command-r': ['\\p{N}', GPT2],
  'llama-bpe': [LLAMA3],
  llama3: [LLAMA3],
  qwen2: [QWEN2],
  deepseek3: [QWEN2],
};

export function knownPreTokenizers(): string[] { return Object.keys(PRE); }

export type PreTokenizer = (text: string) => string[];

export function makePreTokenizer(pre: string | undefined): PreTokenizer | undefined {
  const list = PRE[pre ?? 'default'];
  if (!list) return undefined;
  const regexes = list.map((r) => new RegExp(r, 'gu'));
  return (text: string) => {
    let pieces = [text];
    for (const re of regexes) {
      const out: string[] = [];
      for (const piece of pieces) {
        let last = 0;
        re.lastIndex = 0;
        for (let m = re.exec(piece); m; m = re.exec(piece)) {
          if (m[0].length === 0) { re.lastIndex++; continue; }
          if (m.index > last) out.push(piece.slice(last, m.index));
          out.push(m[0]);
          last = m.index + m[0].length;
        }
        if (last < piece.length) out.push(piece.slice(last));
      }
      pieces = out;
    }
    return pieces;
  };
}
