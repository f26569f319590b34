// KV memory in fixed-size blocks: a free list, per-block reference counts, reservations for admitted sequences
// (so the budget can never be exceeded mid-generation) and a prompt-prefix cache (chain hash of full token
// blocks → block) whose unreferenced blocks stay resident until evicted in LRU order.
import { createHash } from 'node:crypto';

/** Hash of one full block of tokens, chained with the hash of every block before it. */
export function blockHash(parent: string, tokens: readonly number[]): string {
  const h = createHash('sha1');
  h.update(parent);
  h.update(new Uint8Array(Int32Array.from(tokens).buffer));
  return h.digest('hex');
}

export interface BlockStats { total: number; used: number; cached: number; free: number; reserved: number; prefixHits: number; prefixQueries: number }

export class BlockManager {
  readonly numBlocks: number;
  readonly blockSize: number;
  private readonly refs: Int32Array;
  private readonly hashOf: (string | undefined)[];
  private readonly free: number[] = [];
  private readonly byHash = new Map<string, number>();
  /** Unreferenced blocks still holding a cached prefix; Map order = least recently used first. */
  private readonly lru = new Map<number, true>();
  private reservedBlocks = 0;
  private hits = 0;
  private queries = 0;

  constructor(numBlocks: number, blockSize: number) {
    if (!(numBlocks >= 1) || !(blockSize >= 1)) throw new RangeError('numBlocks and blockSize must be >= 1');
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.refs = new Int32Array(numBlocks);
    this.hashOf = new Array(numBlocks).fill(undefined);
    for (let b = numBlocks - 1; b >= 0; b--) this.free.push(b);
  }

  /** Blocks that a new reservation may still claim (free + evictable cached − already promised). */
  available(): number { return this.free.length + this.lru.size - this.reservedBlocks; }

  blocksFor(tokens: number): number { return Math.ceil(tokens / this.blockSize); }

  /**
   * Longest run of cached full blocks that prefixes `tokens`, never covering the last token (its logits are needed).
   * Returns block ids and their chain hashes.
   */
  matchPrefix(tokens: readonly number[]): { blocks: number[]; hashes: string[] } {
    this.queries++;
    const blocks: number[] = [];
    const hashes: string[] = [];
    const maxBlocks = Math.floor((tokens.length - 1) / this.blockSize);
    let parent = '';
    for (let i = 0; i < maxBlocks; i++) {
      const h = blockHash(parent, tokens.slice(i * this.blockSize, (i + 1) * this.blockSize));
      const b = this.byHash.get(h);
      if (b === undefined) break;
      blocks.push(b);
      hashes.push(h);
      parent = h;
    }
    if (blocks.length) this.hits++;
    return { blocks, hashes };
  }

  /**
   * Admits a sequence needing `totalTokens` of KV, reusing `prefix` blocks from matchPrefix.
   * Returns the number of blocks reserved for it, or null when memory is short (nothing changes then).
   */
  admit(prefix: readonly number[], totalTokens: number): number | null {
    const need = this.blocksFor(totalTokens) - prefix.length;
    // Prefix blocks that sit in the LRU stop being evictable once pinned.
    let pinnedFromLru = 0;
    for (const b of prefix) if (this.refs[b] === 0) pinnedFromLru++;
    if (need > this.available() - pinnedFromLru) return null;
    for (const b of prefix) this.retain(b);
    this.reservedBlocks += need;
    return need;
  }

  /** Takes one block out of a reservation made by admit. */
  allocate(): number {
    if (this.reservedBlocks <= 0) throw new Error('BlockManager.allocate without a reservation');
    let b = this.free.pop();
    if (b === undefined) {
      const oldest = this.lru.keys().next();
      if (oldest.done) throw new Error('BlockManager: reservation accounting is broken (no block to evict)');
      b = oldest.value;
      this.lru.delete(b);
      this.byHash.delete(this.hashOf[b]!);
      this.hashOf[b] = undefined;
    }
    this.reservedBlocks--;
    this.refs[b] = 1;
    return b;
  }

  /** Gives back the unused part of a reservation. */
  unreserve(n: number): void { this.reservedBlocks -= n; }

  /** Records that block `b` holds the full block with chain hash `h` (only the first holder of a hash is kept). */
  register(b: number, h: string): void {
    if (this.hashOf[b] !== undefined || this.byHash.has(h)) return;
    this.hashOf[b] = h;
    this.byHash.set(h, b);
  }

  private retain(b: number): void {
    if (this.refs[b] === 0) this.lru.delete(b);
    this.refs[b]++;
  }

  /** Drops one reference; an unreferenced block goes to the LRU when it holds a cached prefix, else to the free list. */
  release(b: number): void {
    if (this.refs[b] <= 0) throw new Error(`BlockManager.release: block ${b} is not in use`);
    if (--this.refs[b] > 0) return;
    if (this.hashOf[b] !== undefined) this.lru.set(b, true);
    else this.free.push(b);
  }

  stats(): BlockStats {
    const cached = this.lru.size;
    return {
      total: this.numBlocks, used: this.numBlocks - this.free.length - cached, cached, free: this.free.length,
      reserved: this.reservedBlocks, prefixHits: this.hits, prefixQueries: this.queries,
    };
  }
}
