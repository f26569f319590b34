// Splits text around special tokens before the model sees it. llama.cpp takes special tokens
// longest first and cuts every occurrence out of the remaining text fragments; a trie finds
// all candidate occurrences in one pass and the same order is then applied to them.

export type Fragment = string | number; // raw text or a token id

interface TrieNode { next: Map<number, TrieNode>; id: number }

export class SpecialMatcher {
  private root: TrieNode = { next: new Map(), id: -1 };
  /** Rank of each token in llama.cpp's order: longer text first, then lower id. */
  private rank = new Map<number, number>();
  readonly size: number;

  constructor(tokens: Array<{ id: number; text: string }>) {
    const sorted = tokens.filter((t) => t.text.length > 0).sort((a, b) => b.text.length - a.text.length || a.id - b.id);
    sorted.forEach((t, i) => this.rank.set(t.id, i));
    for (const t of sorted) {
      let node = this.root;
      for (let i = 0; i < t.text.length; i++) {
        const c = t.text.charCodeAt(i);
        let n = node.next.get(c);
        if (!n) { n = { next: new Map(), id: -1 }; node.next.set(c, n); }
        node = n;
      }
      if (node.id < 0) node.id = t.id; // duplicate texts: the first in order wins
    }
    this.size = sorted.length;
  }

  split(text: string): Fragment[] {
    if (this.size === 0 || text.length === 0) return text.length ? [text] : [];
    // Every occurrence of every special token: [start, end, rank, id].
    const hits: Array<[number, number, number, number]> = [];
    const first = this.root.next;
    for (let i = 0; i < text.length; i++) {
      let node = first.get(text.charCodeAt(i));
      let j = i + 1;
      while (node) {
        if (node.id >= 0) hits.push([i, j, this.rank.get(node.id)!, node.id]);
        if (j >= text.length) break;
        node = node.next.get(text.charCodeAt(j++));
      }
    }
    if (hits.length === 0) return [text];
    hits.sort((a, b) => a[2] - b[2] || a[0] - b[0]);
    // Claim occurrences token by token; within one token, left to right without overlaps.
    const claimed: Array<[number, number, number]> = [];
    const taken = new Uint8Array(text.length);
    const free = (s: number, e: number) => { for (let k = s; k < e; k++) if (taken[k]) return false; return true; };
    let lastRank = -1, lastEnd = -1;
    for (const [s, e, r, id] of hits) {
      if (r !== lastRank) { lastRank = r; lastEnd = -1; }
      if (s < lastEnd || !free(s, e)) continue;
      // A claimed region splits the text, so an occurrence cannot span fragments: `free` covers it.
      claimed.push([s, e, id]);
      taken.fill(1, s, e);
      lastEnd = e;
    }
    claimed.sort((a, b) => a[0] - b[0]);
    const out: Fragment[] = [];
    let pos = 0;
    for (const [s, e, id] of claimed) {
      if (s > pos) out.push(text.slice(pos, s));
      out.push(id);
      pos = e;
    }
    if (pos < text.length) out.push(text.slice(pos));
    return out;
  }
}
