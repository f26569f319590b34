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

/** Splitting by the regex list itself (also the oracle of the hand-written scanner's tests). */
export function makeRegexPreTokenizer(pre: string | undefined): PreTokenizer | undefined {
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

/** GPT-2's regex family gets a hand-written scanner (same splits, no regex engine); others use the regexes. */
export function makePreTokenizer(pre: string | undefined): PreTokenizer | undefined {
  const list = PRE[pre ?? 'default'];
  if (!list) return undefined;
  if (list.length === 1 && list[0] === GPT2) return (text) => scanGpt2(text, false);
  if (list.length === 2 && list[0] === '\\p{N}' && list[1] === GPT2) return (text) => scanGpt2(text, true);
  return makeRegexPreTokenizer(pre);
}

// Character classes as the regexes see them (code points; \p classes from the JS engine).
const LETTER = 1, NUMBER = 2, SPACE = 3, OTHER = 4;
const WS_SET = new RegExp(`^${S}$`, 'u'), L_RE = /^\p{L}$/u, N_RE = /^\p{N}$/u;
const bmpClass = new Uint8Array(0x10000); // 0 = not yet classified
const astralClass = new Map<number, number>();

function classify(cp: number): number {
  const ch = String.fromCodePoint(cp);
  return WS_SET.test(ch) ? SPACE : L_RE.test(ch) ? LETTER : N_RE.test(ch) ? NUMBER : OTHER;
}
for (let c = 0; c < 128; c++) bmpClass[c] = classify(c);

function classAt(cp: number): number {
  if (cp < 0x10000) return bmpClass[cp] || (bmpClass[cp] = classify(cp));
  let k = astralClass.get(cp);
  if (k === undefined) astralClass.set(cp, (k = classify(cp)));
  return k;
}

/** Code point at i of well-formed text (lone surrogates were replaced before). */
function cpAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c < 0xdc00 && i + 1 < s.length ? s.codePointAt(i)! : c;
}

/**
 * The GPT-2 regex as a scanner: at each position the first alternative that matches wins:
 * 's|'t|'re|'ve|'m|'ll|'d, then ` ?` + a run of letters / numbers / other non-space, then
 * `\s+(?!\S)` (a space run that leaves its last character to the next word), then `\s+`.
 * With `splitDigits` every number character is its own piece and bounds the matches around
 * it, like splitting by `\p{N}` first.
 */
function scanGpt2(text: string, splitDigits: boolean): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    // End of the current piece: the next number character when digits split the text.
    let end = n;
    if (splitDigits) {
      for (let k = i; k < n;) {
        const cp = cpAt(text, k);
        if (classAt(cp) === NUMBER) { end = k; break; }
        k += cp > 0xffff ? 2 : 1;
      }
      if (end === i) {
        const w = cpAt(text, i) > 0xffff ? 2 : 1;
        out.push(text.slice(i, i + w));
        i += w;
        continue;
      }
    }
    while (i < end) i = matchGpt2(text, i, end, out);
  }
  return out;
}

/** Pushes the match at i (within [i, end)); returns where it ends. */
function matchGpt2(text: string, i: number, end: number, out: string[]): number {
  const c = text.charCodeAt(i);
  if (c === 0x27 && i + 1 < end) { // contractions
    const a = text.charCodeAt(i + 1);
    if (a === 0x73 || a === 0x74 || a === 0x6d || a === 0x64) { out.push(text.slice(i, i + 2)); return i + 2; } // s t m d
    if (i + 2 < end) {
      const b = text.charCodeAt(i + 2);
      if ((a === 0x72 && b === 0x65) || (a === 0x76 && b === 0x65) || (a === 0x6c && b === 0x6c)) { out.push(text.slice(i, i + 3)); return i + 3; } // re ve ll
    }
  }
  const k = c === 0x20 && i + 1 < end ? i + 1 : i;
  const first = cpAt(text, k);
  const cls = classAt(first);
  if (cls !== SPACE || k !== i) {
    if (cls !== SPACE) {
      // ` ?` + a run of one class (letters, numbers, or anything that is none of letter/number/space).
      let j = k + (first > 0xffff ? 2 : 1);
      while (j < end) {
        const cp = cpAt(text, j);
        if (classAt(cp) !== cls) break;
        j += cp > 0xffff ? 2 : 1;
      }
      out.push(text.slice(i, j));
      return j;
    }
  }
  // A whitespace run [i, j).
  let j = i;
  while (j < end) {
    const cp = cpAt(text, j);
    if (classAt(cp) !== SPACE) break;
    j += cp > 0xffff ? 2 : 1;
  }
  // Followed by a non-space: leave the last whitespace character to it, unless it is alone.
  // (Every whitespace character is one UTF-16 unit.)
  if (j < end && j - 1 > i) j -= 1;
  out.push(text.slice(i, j));
  return j;
}
