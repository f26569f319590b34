// Word error rate: (substitutions + deletions + insertions) / reference words, on lowercased text with
// punctuation removed (apostrophes inside words are kept, so "don't" stays one word).
export function normalizeForWer(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[’‘]/g, "'")
    .replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
    .replace(/(^|\s)'+|'+(?=\s|$)/g, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

/** Levenshtein distance between word sequences. */
export function editDistance(a: readonly string[], b: readonly string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** WER of one or many hypothesis/reference pairs (pooled: total edits / total reference words). */
export function wordErrorRate(reference: string | string[], hypothesis: string | string[]): number {
  const refs = Array.isArray(reference) ? reference : [reference];
  const hyps = Array.isArray(hypothesis) ? hypothesis : [hypothesis];
  if (refs.length !== hyps.length) throw new RangeError('wordErrorRate: reference and hypothesis counts differ');
  let edits = 0, words = 0;
  for (let i = 0; i < refs.length; i++) {
    const r = normalizeForWer(refs[i]), h = normalizeForWer(hyps[i]);
    edits += editDistance(r, h);
    words += r.length;
  }
  return words === 0 ? (edits === 0 ? 0 : 1) : edits / words;
}
