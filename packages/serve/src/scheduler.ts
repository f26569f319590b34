// Continuous batching. Each step runs one forward pass over: one token for every sequence that is decoding, plus
// up to `prefillChunk` prompt tokens of sequences still prefilling (so long prompts never stall decoding).
// Sequences join (admission) and leave (stop, length, cancel) between steps. KV memory lives in fixed-size blocks;
// admission reserves a sequence's worst case (prompt + maxTokens) so the budget is never exceeded mid-generation,
// and requests that don't fit wait in a FIFO queue. Full prompt blocks are shared through the prefix cache.
import * as mx from '@mlx/core';
import { BlockManager, blockHash, type BlockStats } from './kv/block-manager.js';
import { PagedKv, type AttentionPath, type StepRow } from './kv/paged-kv.js';
import { CompiledDecode } from './compiled-decode.js';
import type { BatchedLM } from './model.js';
import { isGreedy, sampleRow, type SamplingParams } from './sampling.js';
import { StopMatcher } from './stop.js';
import { Channel } from './channel.js';
import { ContextLengthError, InvalidRequestError, RequestCancelledError, ServeError, UnavailableError } from './errors.js';

// A server shares the cores with its own JS thread (HTTP, scheduling), so a compute thread is preempted often.
// The CPU's one-row quantized matmul hands each thread about a quarter of its share at a time (good for a lone
// generate); a preempted thread then holds up the step. Shorter tiles for serving: 2026-11-26 07:55-08:00 on the
// idle 2-core VM, 32 clients 160-162 tok/s with 4 tiles per thread vs 192.6 with 16 (1 client 23-24 vs 49.6).
// Read by the native kernel on its first call; set MLX_QMV_TILES_PER_THREAD to override.
process.env.MLX_QMV_TILES_PER_THREAD ??= '16';

export interface SchedulerOptions {
  /** Bytes of KV memory (all layers, K and V). Default 256 MiB. */
  kvMemoryBytes?: number;
  /** Tokens per KV block. Default 16. */
  blockSize?: number;
  /** Most sequences decoding at once. Default 64. */
  maxBatch?: number;
  /** Most prompt tokens processed per step. Default 128. */
  prefillChunk?: number;
  /** Most requests waiting for admission; more get 503. Default 512. */
  maxQueue?: number;
  /** Share full prompt blocks across requests. Default true. */
  prefixCache?: boolean;
  /** Attention over the paged cache (see PagedKv): default 'paged' for float32 KV pools. */
  attention?: AttentionPath;
  /**
   * Run single-token rows as one compiled fixed-shape program (compiled-decode.ts) instead of building the step's
   * graph op by op. Default: on when the default device is the GPU (MLX_SERVE_COMPILED=1/0 overrides); needs the
   * paged attention path. On the CPU the eager path stays the default: its results are the ones the load test
   * compares with single requests.
   */
  compiledDecode?: boolean;
}

export interface GenerateRequest {
  promptTokens: readonly number[];
  maxTokens: number;
  sampling: SamplingParams;
  stop?: readonly string[];
  ignoreEos?: boolean;
  signal?: AbortSignal;
}

export type FinishReason = 'stop' | 'length' | 'cancelled' | 'error';

export interface GenerationResult {
  text: string;
  tokens: number[];
  finishReason: FinishReason;
  promptTokens: number;
  cachedPromptTokens: number;
  error?: ServeError;
  timings: { queuedMs: number; firstTokenMs: number; totalMs: number };
}

export interface TextDelta { text: string; tokens: number[] }

export interface GenerationHandle extends AsyncIterable<TextDelta> {
  readonly id: number;
  readonly result: Promise<GenerationResult>;
  cancel(): void;
}

export interface SchedulerMetrics {
  queueDepth: number;
  running: number;
  prefilling: number;
  tokensPerSecond: number;
  promptTokensPerSecond: number;
  generatedTokens: number;
  steps: number;
  lastBatchSize: number;
  /** Wall milliseconds spent since start: building step graphs, waiting for their evaluation, and the rest of a step. */
  stepTime: { buildMs: number; evalMs: number; hostMs: number; passes: number };
  kv: BlockStats & { blockSize: number; bytesPerBlock: number };
  memory: { activeBytes: number; peakBytes: number; cacheBytes: number; rssBytes: number };
}

/**
 * Most rows per forward pass: the CPU engine's quantized matmul is row-invariant up to 64 rows
 * (MLX_QMM_INVARIANT_MAX_ROWS); more rows would switch to its GEMM path, whose sums round differently.
 */
export const PASS_ROWS = 64;

class Sequence {
  readonly tokens: number[];
  computed = 0;                 // positions whose K/V are in the cache
  readonly blockTable: number[] = [];
  readonly hashes: string[] = [];
  reservedLeft = 0;
  readonly generated: number[] = [];
  readonly channel = new Channel<TextDelta>();
  readonly decoder: { push(id: number): string; flush(): string };
  readonly stop: StopMatcher;
  text = '';
  cachedPrompt = 0;
  cancelled = false;
  readonly submittedAt = performance.now();
  admittedAt = 0;
  firstTokenAt = 0;
  resolve!: (r: GenerationResult) => void;
  readonly result: Promise<GenerationResult>;

  constructor(readonly id: number, readonly req: GenerateRequest, model: BatchedLM) {
    this.tokens = [...req.promptTokens];
    this.decoder = model.tokenizer.streamDecoder({ skipSpecialTokens: true });
    this.stop = new StopMatcher(req.stop ?? []);
    this.result = new Promise((r) => { this.resolve = r; });
  }
  get promptLength(): number { return this.req.promptTokens.length; }
}

export class Scheduler {
  readonly blockSize: number;
  readonly maxBatch: number;
  readonly prefillChunk: number;
  readonly maxQueue: number;
  readonly numBlocks: number;
  private readonly prefixCache: boolean;
  private readonly attention?: AttentionPath;
  private blocks: BlockManager;
  private kv: PagedKv;
  private compiled: CompiledDecode | undefined;
  private readonly compiledWanted: boolean;
  private readonly waiting: Sequence[] = [];
  private readonly running: Sequence[] = [];
  private nextId = 1;
  private loopPromise: Promise<void> | undefined;
  private closing = false;
  private steps = 0;
  private lastBatch = 0;
  private generatedTotal = 0;
  private readonly stepTime = { buildMs: 0, evalMs: 0, hostMs: 0, passes: 0 };
  private readonly recent: Array<[time: number, generated: number, prompt: number]> = [];

  constructor(readonly model: BatchedLM, opts: SchedulerOptions = {}) {
    this.blockSize = opts.blockSize ?? 16;
    this.maxBatch = opts.maxBatch ?? 64;
    this.prefillChunk = opts.prefillChunk ?? 128;
    this.maxQueue = opts.maxQueue ?? 512;
    this.prefixCache = opts.prefixCache ?? true;
    this.attention = opts.attention;
    const bytesPerBlock = PagedKv.bytesPerToken(model.kv) * this.blockSize;
    this.numBlocks = Math.floor((opts.kvMemoryBytes ?? 256 * 2 ** 20) / bytesPerBlock);
    if (this.numBlocks < 1) throw new InvalidRequestError(`kvMemoryBytes is below one KV block (${bytesPerBlock} bytes)`);
    this.blocks = new BlockManager(this.numBlocks, this.blockSize);
    this.kv = new PagedKv(model.kv, this.numBlocks, this.blockSize, this.attention);
    const env = process.env.MLX_SERVE_COMPILED;
    this.compiledWanted = opts.compiledDecode ?? (env === '1' ? true : env === '0' ? false : !mx.defaultDevice().equals(mx.cpu));
    this.compiled = this.makeCompiled();
  }

  private makeCompiled(): CompiledDecode | undefined {
    return this.compiledWanted && this.kv.attention === 'paged' ? new CompiledDecode(this.model, this.kv) : undefined;
  }

  /** True when single-token rows run as a compiled program. */
  get compiledDecode(): boolean { return this.compiled !== undefined; }

  /** Most tokens (prompt + completion) one request may use: the model's context and the KV budget. */
  get maxSequenceTokens(): number { return Math.min(this.model.contextLength, this.numBlocks * this.blockSize); }

  /** Validates and queues a request. Throws ContextLengthError / UnavailableError synchronously. */
  submit(req: GenerateRequest): GenerationHandle {
    if (this.closing) throw new UnavailableError('The server is shutting down.');
    if (!req.promptTokens.length) throw new InvalidRequestError('The prompt is empty.', 'prompt');
    if (!(req.maxTokens >= 1)) throw new InvalidRequestError('max_tokens must be at least 1.', 'max_tokens');
    const total = req.promptTokens.length + req.maxTokens;
    if (total > this.maxSequenceTokens) {
      throw new ContextLengthError(`This model's maximum context length is ${this.maxSequenceTokens} tokens. ` +
        `However, you requested ${total} tokens (${req.promptTokens.length} in the prompt, ${req.maxTokens} for the completion).`);
    }
    if (this.waiting.length >= this.maxQueue) throw new UnavailableError(`The request queue is full (${this.maxQueue}).`);
    const seq = new Sequence(this.nextId++, req, this.model);
    if (req.signal) {
      if (req.signal.aborted) seq.cancelled = true;
      else req.signal.addEventListener('abort', () => this.cancel(seq), { once: true });
    }
    this.waiting.push(seq);
    this.kick();
    const self = this;
    return {
      id: seq.id,
      result: seq.result,
      cancel: () => self.cancel(seq),
      [Symbol.asyncIterator]: () => seq.channel[Symbol.asyncIterator](),
    };
  }

  private cancel(seq: Sequence): void {
    seq.cancelled = true;
    const w = this.waiting.indexOf(seq);
    if (w >= 0) {  // never admitted: answer now
      this.waiting.splice(w, 1);
      this.finish(seq, 'cancelled');
    }
    // Running sequences leave at the next token boundary (reap).
  }

  private kick(): void {
    if (!this.loopPromise) this.loopPromise = this.loop().finally(() => { this.loopPromise = undefined; });
  }

  private async loop(): Promise<void> {
    // Let the submitting tick finish so that requests arriving together join the first step together.
    await new Promise((r) => setImmediate(r));
    while (this.running.length || this.waiting.length) {
      this.reap();
      this.admit();
      if (!this.running.length) {
        // Cannot happen (submit rejects what the whole budget can't hold), but never wedge the queue.
        const head = this.waiting.shift();
        if (!head) break;
        this.finish(head, 'error', false, new ContextLengthError('The request does not fit the KV memory budget.'));
        continue;
      }
      await this.step();
      // Give the HTTP side a turn between steps (new requests, disconnects).
      await new Promise((r) => setImmediate(r));
    }
  }

  private reap(): void {
    for (const s of [...this.running]) if (s.cancelled) this.finish(s, 'cancelled');
  }

  private admit(): void {
    while (this.waiting.length && this.running.length < this.maxBatch) {
      const seq = this.waiting[0];
      const prefix = this.prefixCache ? this.blocks.matchPrefix(seq.tokens) : { blocks: [], hashes: [] };
      const reserved = this.blocks.admit(prefix.blocks, seq.promptLength + seq.req.maxTokens);
      if (reserved === null) break;  // FIFO: later requests wait behind the head so it cannot starve
      this.waiting.shift();
      seq.reservedLeft = reserved;
      seq.blockTable.push(...prefix.blocks);
      seq.hashes.push(...prefix.hashes);
      seq.computed = prefix.blocks.length * this.blockSize;
      seq.cachedPrompt = seq.computed;
      seq.admittedAt = performance.now();
      this.running.push(seq);
    }
  }

  private async step(): Promise<void> {
    const tStep = performance.now();
    let tBuild = 0, tEval = 0;
    const rows: (StepRow & { seq: Sequence; sample: boolean })[] = [];
    // Decode rows first, then prefill chunks. A prompt is cut into the same chunks (multiples of prefillChunk from
    // where it starts) as it would be alone; the first prefilling sequence may overshoot the step budget.
    const decoding = this.running.filter((s) => s.tokens.length - s.computed === 1);
    const prefilling = this.running.filter((s) => s.tokens.length - s.computed > 1);
    let budget = this.prefillChunk;
    const plan: Array<[Sequence, number]> = decoding.map((s) => [s, 1]);
    for (const seq of prefilling) {
      const count = Math.min(seq.tokens.length - seq.computed, this.prefillChunk);
      if (count > budget && plan.length > decoding.length) break;
      plan.push([seq, count]);
      budget -= count;
    }
    for (const [seq, count] of plan) {
      while (seq.blockTable.length * this.blockSize < seq.computed + count) {
        seq.blockTable.push(this.blocks.allocate());
        seq.reservedLeft--;
      }
      rows.push({ seq, blockTable: seq.blockTable, start: seq.computed, count, sample: seq.computed + count === seq.tokens.length });
    }
    const n = rows.reduce((s, r) => s + r.count, 0);
    // Single-token rows go to the compiled program (in groups of its largest bucket) when there is one.
    const compiledRows = this.compiled ? rows.filter((r) => r.count === 1) : [];
    const compiledPasses: (typeof rows)[] = [];
    for (let i = 0; i < compiledRows.length; i += this.compiled!.maxRows) compiledPasses.push(compiledRows.slice(i, i + this.compiled!.maxRows));
    const passes = [...compiledPasses.map((g) => ({ compiled: true, group: g })),
      ...this.passes(this.compiled ? rows.filter((r) => r.count > 1) : rows).map((g) => ({ compiled: false, group: g }))];
    const sampled = passes.flatMap((p) => p.group).filter((r) => r.sample);
    const next: number[] = [];
    try {
      // One evaluation per pass (the K/V pools are updated in place by each pass's writes).
      for (const { compiled, group } of passes) {
        const t0 = performance.now();
        const outs = mx.tidy(() => {
          if (compiled) return this.compiledPass(group);
          const logits = this.forwardPass(group);
          const rowsSampled = group.filter((r) => r.sample);
          if (!logits) return [] as mx.array[];
          const greedyAll = mx.argmax(logits, 1).astype(mx.int32);
          if (rowsSampled.every((r) => isGreedy(r.seq.req.sampling))) return [greedyAll];
          const perRow = rowsSampled.map((r, i) => isGreedy(r.seq.req.sampling)
            ? mx.take(greedyAll, i, 0)
            : sampleRow(mx.take(logits, i, 0), r.seq.req.sampling, r.seq.tokens, r.seq.generated.length));
          return [mx.stack(perRow)];
        });
        const t1 = performance.now();
        await mx.asyncEval(...outs, ...this.kv.pools);
        if (outs.length) next.push(...(outs[0].toTypedArray() as Int32Array));
        mx.dispose(outs);
        tBuild += t1 - t0;
        tEval += performance.now() - t1;
        this.stepTime.passes++;
      }
    } catch (e) {
      this.failAll(e);
      return;
    }
    this.steps++;
    this.lastBatch = rows.length;
    const now = performance.now();
    this.recent.push([now, sampled.length, n - rows.filter((r) => r.count === 1).length]);
    for (const r of rows) {
      r.seq.computed += r.count;
      if (this.prefixCache) this.registerFullBlocks(r.seq);
    }
    sampled.forEach((r, i) => this.accept(r.seq, next[i]));
    this.stepTime.buildMs += tBuild;
    this.stepTime.evalMs += tEval;
    this.stepTime.hostMs += performance.now() - tStep - tBuild - tEval;
  }

  /**
   * The step's forward passes. The CPU engine's quantized matmul computes each row of a product of up to
   * PASS_ROWS rows exactly as it would compute that row alone, so decode rows and prefill chunks of at most
   * PASS_ROWS tokens share passes of up to PASS_ROWS rows without changing any result; a longer chunk (which takes
   * the GEMM path) gets a pass of its own, as it would alone. Attention is per sequence either way (PagedKv.plan).
   */
  private passes<R extends StepRow>(rows: readonly R[]): R[][] {
    const groups: R[][] = [];
    let bin: R[] = [];
    let used = 0;
    for (const r of rows) {
      if (r.count > PASS_ROWS) { groups.push([r]); continue; }
      if (used + r.count > PASS_ROWS) { groups.push(bin); bin = []; used = 0; }
      bin.push(r);
      used += r.count;
    }
    if (bin.length) groups.push(bin);
    return groups;
  }

  /** Sampled tokens of single-token rows (all sampled) through the compiled program. */
  private compiledPass(g: readonly (StepRow & { seq: Sequence; sample: boolean })[]): mx.array[] {
    const { tokens, logits } = this.compiled!.step(g.map((r) => ({ token: r.seq.tokens[r.start], position: r.start, blockTable: r.blockTable })));
    if (g.every((r) => isGreedy(r.seq.req.sampling))) return [tokens];
    return [mx.stack(g.map((r, i) => isGreedy(r.seq.req.sampling) ? mx.take(tokens, i, 0)
      : sampleRow(mx.take(logits, i, 0), r.seq.req.sampling, r.seq.tokens, r.seq.generated.length)))];
  }

  /** Lazy logits of one pass's sampled rows (undefined when none is sampled: the pass only fills the KV cache). */
  private forwardPass(g: readonly (StepRow & { seq: Sequence; sample: boolean })[]): mx.array | undefined {
    const n = g.reduce((s, r) => s + r.count, 0);
    const tokens = new Int32Array(n);
    const positions = new Int32Array(n);
    const logitRows: number[] = [];
    let at = 0;
    for (const r of g) {
      for (let i = 0; i < r.count; i++) { tokens[at + i] = r.seq.tokens[r.start + i]; positions[at + i] = r.start + i; }
      at += r.count;
      if (r.sample) logitRows.push(at - 1);
    }
    const attend = this.kv.plan(g);
    const logits = this.model.forward(mx.array(tokens), mx.array(positions), attend, mx.array(Int32Array.from(logitRows)), g.map((r) => r.count));
    return logitRows.length ? logits : undefined;
  }

  private registerFullBlocks(seq: Sequence): void {
    while ((seq.hashes.length + 1) * this.blockSize <= seq.computed) {
      const b = seq.hashes.length;
      const h = blockHash(b ? seq.hashes[b - 1] : '', seq.tokens.slice(b * this.blockSize, (b + 1) * this.blockSize));
      this.blocks.register(seq.blockTable[b], h);
      seq.hashes.push(h);
    }
  }

  private accept(seq: Sequence, token: number): void {
    if (seq.cancelled) { this.finish(seq, 'cancelled'); return; }
    if (!seq.firstTokenAt) seq.firstTokenAt = performance.now();
    seq.generated.push(token);
    seq.tokens.push(token);
    this.generatedTotal++;
    if (!seq.req.ignoreEos && this.model.tokenizer.eosTokenIds.includes(token)) { this.finish(seq, 'stop'); return; }
    const { emit, stopped } = seq.stop.push(seq.decoder.push(token));
    if (emit) { seq.text += emit; seq.channel.push({ text: emit, tokens: [token] }); }
    if (stopped) { this.finish(seq, 'stop', true); return; }
    if (seq.generated.length >= seq.req.maxTokens || seq.tokens.length >= this.model.contextLength) this.finish(seq, 'length');
  }

  private finish(seq: Sequence, reason: FinishReason, stoppedByString = false, error?: ServeError): void {
    const i = this.running.indexOf(seq);
    if (i >= 0) {
      this.running.splice(i, 1);
      for (const b of seq.blockTable) this.blocks.release(b);
      seq.blockTable.length = 0;
      this.blocks.unreserve(seq.reservedLeft);
      seq.reservedLeft = 0;
    }
    if (reason !== 'cancelled' && reason !== 'error' && !stoppedByString) {
      const tail = seq.stop.push(seq.decoder.flush());
      const rest = tail.emit + (tail.stopped ? '' : seq.stop.flush());
      if (rest) { seq.text += rest; seq.channel.push({ text: rest, tokens: [] }); }
    }
    seq.channel.close();
    const now = performance.now();
    seq.resolve({
      text: seq.text, tokens: seq.generated, finishReason: reason, promptTokens: seq.promptLength,
      cachedPromptTokens: seq.cachedPrompt,
      error: error ?? (reason === 'cancelled' ? new RequestCancelledError() : undefined),
      timings: {
        queuedMs: (seq.admittedAt || now) - seq.submittedAt,
        firstTokenMs: seq.firstTokenAt ? seq.firstTokenAt - seq.submittedAt : NaN,
        totalMs: now - seq.submittedAt,
      },
    });
  }

  /** A failed step leaves the KV pools in an unknown state: fail the running sequences and start clean. */
  private failAll(e: unknown): void {
    if (process.env.MLX_SERVE_DEBUG) console.error(e);
    const err = e instanceof ServeError ? e : new ServeError(`Generation failed: ${(e as Error)?.message ?? e}`, 'generation_failed', 500, 'server_error');
    for (const s of [...this.running]) this.finish(s, 'error', false, err);
    this.kv.dispose();
    this.compiled?.dispose();
    this.blocks = new BlockManager(this.numBlocks, this.blockSize);
    this.kv = new PagedKv(this.model.kv, this.numBlocks, this.blockSize, this.attention);
    this.compiled = this.makeCompiled();
  }

  metrics(): SchedulerMetrics {
    const now = performance.now();
    while (this.recent.length && now - this.recent[0][0] > 10_000) this.recent.shift();
    const span = this.recent.length ? Math.max(1, now - this.recent[0][0]) / 1000 : 1;
    const gen = this.recent.reduce((s, r) => s + r[1], 0);
    const prompt = this.recent.reduce((s, r) => s + r[2], 0);
    const mem = process.memoryUsage();
    return {
      queueDepth: this.waiting.length,
      running: this.running.length,
      prefilling: this.running.filter((s) => s.tokens.length - s.computed > 1).length,
      tokensPerSecond: this.recent.length > 1 ? gen / span : 0,
      promptTokensPerSecond: this.recent.length > 1 ? prompt / span : 0,
      generatedTokens: this.generatedTotal,
      steps: this.steps,
      lastBatchSize: this.lastBatch,
      stepTime: { ...this.stepTime },
      kv: { ...this.blocks.stats(), blockSize: this.blockSize, bytesPerBlock: PagedKv.bytesPerToken(this.model.kv) * this.blockSize },
      memory: { activeBytes: mx.getActiveMemory(), peakBytes: mx.getPeakMemory(), cacheBytes: mx.getCacheMemory(), rssBytes: mem.rss },
    };
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> { while (this.loopPromise) await this.loopPromise; }

  /**
   * Stops accepting requests, lets in-flight ones finish for up to `timeoutMs`, then cancels the rest.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => { timer = setTimeout(() => r(true), timeoutMs); });
    const done = await Promise.race([this.idle().then(() => false), timedOut]);
    clearTimeout(timer);
    if (done) {
      for (const s of [...this.waiting, ...this.running]) this.cancel(s);
      await this.idle();
    }
    this.kv.dispose();
    this.compiled?.dispose();
  }
}
