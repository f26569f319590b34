// einsum / einsumPath with MLX's semantics: letters and one '...' per subscript, implicit
// output ('...' then the letters used once, sorted), repeated letters take diagonals, size-1
// dimensions broadcast. Three or more operands contract pairwise along a greedy path (MLX's
// opt_einsum-style heuristic); a pair with a contracted index runs as a batched matmul,
// everything else as broadcast multiply + sum.
import { toArr, type array, type ArrayLike } from '../array.js';
import { Device, Stream, streamArg, type StreamOrDevice } from '../device.js';
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { track } from '../memory.js';
import { N } from '../native.js';

interface Term { str: string; set: Set<string> }
interface PathNode { inputs: Term[]; output: Term; positions: number[] }
interface PathInfo { naiveCost: number; naiveScaling: number; optCost: number; optScaling: number }

const term = (str: string): Term => ({ str, set: new Set(str) });
const isLetter = (c: string) => /^[A-Za-z]$/.test(c);

function parse(subscripts: string): [string[], string] {
  const sub = subscripts.replace(/ /g, '');
  let lhs: string;
  let rhs = '';
  const arrow = sub.indexOf('->');
  if (arrow >= 0) {
    lhs = sub.slice(0, arrow);
    rhs = sub.slice(arrow + 2);
  } else {
    lhs = sub;
    const counts = new Map<string, number>();
    for (const c of sub) {
      if (c === ',') continue;
      if (c === '.' && rhs === '') { rhs = '...'; continue; }
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const singles = [...counts].filter(([, n]) => n === 1).map(([c]) => c);
    rhs = [...rhs, ...singles].sort().join('');  // '.' sorts before letters
  }
  return [lhs.split(','), rhs];
}

const sizeOf = (chars: Iterable<string>, dims: Map<string, number>) => {
  let n = 1;
  for (const c of chars) n *= dims.get(c) ?? 1;
  return n;
};
function flopCount(chars: Set<string>, inner: boolean, numTerms: number, dims: Map<string, number>): number {
  return sizeOf(chars, dims) * (Math.max(1, numTerms - 1) + (inner ? 1 : 0));
}
function costAndScaling(inputs: Term[], output: Term, dims: Map<string, number>): [number, number] {
  const all = new Set<string>();
  for (const t of inputs) for (const c of t.set) all.add(c);
  const inner = [...all].some((c) => !output.set.has(c));
  return [flopCount(all, inner, inputs.length, dims), all.size];
}

interface Candidate { removed: number; cost: number; out: Set<string>; dims: number; x: number; y: number }

function greedyPath(inputs: Term[], output: Term, dims: Map<string, number>, costLimit: number, memLimit: number):
  [PathNode[], number, number] {
  let pairs: [number, number][] = [];
  for (let i = 0; i < inputs.length; i++) for (let j = i + 1; j < inputs.length; j++) pairs.push([i, j]);
  const path: PathNode[] = [];
  let cands: Candidate[] = [];
  let pathCost = 0;
  let pathScaling = 0;
  const nIn = inputs.length;
  for (let step = 0; step < nIn - 1; step++) {
    const consider = (p1: number, p2: number) => {
      const both = new Set([...inputs[p1].set, ...inputs[p2].set]);
      const keep = new Set<string>();
      inputs.forEach((t, i) => { if (i !== p1 && i !== p2) for (const c of t.set) if (both.has(c)) keep.add(c); });
      for (const c of output.set) if (both.has(c)) keep.add(c);
      const newSize = sizeOf(keep, dims);
      if (newSize > memLimit) return;
      const removed = sizeOf(inputs[p1].set, dims) + sizeOf(inputs[p2].set, dims) - newSize;
      const cost = flopCount(both, both.size > keep.size, 2, dims);
      if (pathCost + cost > costLimit) return;
      cands.push({ removed, cost, out: keep, dims: both.size, x: p1, y: p2 });
    };
    const disjoint = (a: Set<string>, b: Set<string>) => ![...a].some((c) => b.has(c));
    for (const [p1, p2] of pairs) if (!disjoint(inputs[p1].set, inputs[p2].set)) consider(p1, p2);
    if (cands.length === 0) for (const [p1, p2] of pairs) consider(p1, p2);
    if (cands.length === 0) {
      // Nothing worth pairing: contract the rest in one naive step.
      const [cost, scale] = costAndScaling(inputs, output, dims);
      path.push({ inputs, output, positions: inputs.map((_, i) => i) });
      pathCost += cost;
      pathScaling = Math.max(pathScaling, scale);
      break;
    }
    let best = cands[0];
    for (const c of cands) if (c.removed > best.removed || (c.removed === best.removed && c.cost < best.cost)) best = c;
    pathScaling = Math.max(pathScaling, best.dims);
    const outStr = [...best.out].sort((a, b) => (dims.get(a)! - dims.get(b)!) || (a < b ? -1 : a > b ? 1 : 0)).join('');
    const newTerm = term(outStr);
    path.push({ inputs: [inputs[best.x], inputs[best.y]], output: newTerm, positions: [best.x, best.y] });
    const { x: bx, y: by } = best;
    inputs = inputs.filter((_, i) => i !== bx && i !== by);
    inputs.push(newTerm);
    cands = cands
      .filter((c) => c.x !== bx && c.x !== by && c.y !== bx && c.y !== by)
      .map((c) => ({ ...c, x: c.x - +(c.x > bx) - +(c.x > by), y: c.y - +(c.y > bx) - +(c.y > by) }));
    pairs = [];
    for (let i = 0; i < inputs.length - 1; i++) pairs.push([i, inputs.length - 1]);
    pathCost += best.cost;
  }
  return [path, pathCost, pathScaling];
}

function pathHelper(subscripts: string, shapes: number[][], fn: string): [PathNode[], PathInfo] {
  const err = (m: string) => new InvalidArgumentError(`[${fn}] ${m}`);
  if (shapes.length === 0) throw err('At least one operand is required.');
  const [ins, outRaw] = parse(subscripts);
  if (ins.length !== shapes.length) {
    throw err(`Number of operands, ${shapes.length}, does not match number of input subscripts, ${ins.length}`);
  }
  // Ellipses expand to unused letters (the last ones, so shorter operands align right).
  const used = new Set(subscripts);
  const spare = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((c) => !used.has(c)).join('');
  let maxEll = 0;
  const expand = (sub: string, nd: number | null, idx: number): string => {
    let have = false;
    let before = 0;
    let after = 0;
    for (let i = 0; i < sub.length; i++) {
      if (!isLetter(sub[i])) {
        if (sub.slice(i, i + 3) !== '...') throw err(`Subscripts must be letters, but got '${sub[i]}'.`);
        if (have) throw err(`Only one ellipsis per subscript is allowed but found more in '${sub}'.`);
        have = true;
        i += 2;
        continue;
      }
      if (have) after++; else before++;
    }
    if (!have) return sub;
    let len: number;
    if (nd !== null) {
      len = nd - before - after;
      if (len < 0) {
        throw new ShapeError(`[${fn}] Operand ${idx} with shape (${shapes[idx].join(',')}) has insufficient dimensions ` +
          `for subscript '${sub}'. The ellipsis requires at least ${before + after} dimensions but the operand has ${nd} dimensions.`);
      }
      maxEll = Math.max(maxEll, len);
    } else {
      len = maxEll;
    }
    return sub.slice(0, before) + spare.slice(spare.length - len) + sub.slice(before + 3);
  };
  const inStrs = ins.map((s, i) => expand(s, shapes[i].length, i));
  const outStr = expand(outRaw, null, -1);
  const output = term(outStr);
  if (output.set.size !== outStr.length) throw err('Repeat indices not allowed in output.');
  const dims = new Map<string, number>();
  const inputs: Term[] = [];
  inStrs.forEach((s, i) => {
    const shape = shapes[i];
    if (s.length !== shape.length) {
      throw new ShapeError(`[${fn}] Invalid number of subscripts ${s.length} for input ${i} with ${shape.length} dimensions.`);
    }
    const local = new Map<string, number>();
    for (let j = 0; j < s.length; j++) {
      const d = shape[j];
      const prev = local.get(s[j]);
      if (prev !== undefined && prev !== d) {
        throw new ShapeError(`[${fn}] Dimensions of repeated subscripts do not have the same size (${prev} != ${d}).`);
      }
      local.set(s[j], d);
      const cur = dims.get(s[j]);
      if (cur !== undefined && d !== 1 && cur !== 1 && cur !== d) {
        throw new ShapeError(`[${fn}] Cannot broadcast dimension ${j} of input ${i} with shape (${shape.join(',')}) to size ${cur}.`);
      }
      dims.set(s[j], Math.max(cur ?? d, d));
    }
    inputs.push(term(s));
  });
  for (const c of outStr) {
    if (!dims.has(c)) throw err(`Output subscript '${c}' does not appear in the inputs.`);
  }
  let maxSize = sizeOf(outStr, dims);
  for (const s of inStrs) maxSize = Math.max(maxSize, sizeOf(s, dims));
  const [naiveCost, naiveScaling] = costAndScaling(inputs, output, dims);
  if (inputs.length <= 2) {
    return [[{ inputs, output, positions: inputs.map((_, i) => i) }],
      { naiveCost, naiveScaling, optCost: naiveCost, optScaling: naiveScaling }];
  }
  const [path, optCost, optScaling] = greedyPath(inputs, output, dims, naiveCost, maxSize);
  path[path.length - 1].output = output;
  return [path, { naiveCost, naiveScaling, optCost, optScaling }];
}

// Recent paths by subscripts and shapes: planning costs more than running a small einsum.
const pathCache = new Map<string, [PathNode[], PathInfo]>();
function cachedPath(subscripts: string, shapes: number[][], fn: string): [PathNode[], PathInfo] {
  const key = `${subscripts}|${shapes.map((s) => s.join(',')).join(';')}`;
  let hit = pathCache.get(key);
  if (!hit) {
    hit = pathHelper(subscripts, shapes, fn);
    if (pathCache.size >= 64) pathCache.delete(pathCache.keys().next().value as string);
    pathCache.set(key, hit);
  }
  // Execution rewrites terms in place: hand out copies, keeping shared intermediate terms shared.
  const copies = new Map<Term, Term>();
  const cp = (t: Term) => { let c = copies.get(t); if (!c) { c = term(t.str); copies.set(t, c); } return c; };
  return [hit[0].map((n) => ({ inputs: n.inputs.map(cp), output: cp(n.output), positions: n.positions })), hit[1]];
}

/**
 * The contraction order einsum uses, as `[path, description]`: `path` lists the operand
 * positions contracted at each step (the result is appended to the operand list).
 */
export function einsumPath(subscripts: string, ...operands: ArrayLike[]): [number[][], string] {
  const arrs = operands.map(toArr);
  const [path, info] = pathHelper(subscripts, arrs.map((a: any) => a.shape), 'einsum_path');
  const desc = `  Complete contraction:  ${subscripts}\n` +
    `         Naive scaling:  ${info.naiveScaling}\n` +
    `     Optimized scaling:  ${info.optScaling}\n` +
    `      Naive FLOP count:  ${info.naiveCost}\n` +
    `  Optimized FLOP count:  ${info.optCost}\n`;
  return [path.map((p) => p.positions), desc];
}

// ---- execution over raw native arrays; intermediates are disposed at the end ----
class Ctx {
  temps: any[] = [];
  constructor(readonly s: unknown) {}
  t(x: any) { this.temps.push(x); return x; }
  transpose(x: any, perm: number[]) {
    return perm.every((p, i) => p === i) ? x : this.t(N.transpose(x, perm, this.s));
  }
  reshape(x: any, shape: number[], known?: number[]) {
    const cur: number[] = known ?? x.shape;
    if (cur.length === shape.length && cur.every((d, i) => d === shape[i])) return x;  // each wrapper costs a GC finaliser
    return this.t(N.reshape(x, shape, this.s));
  }
}

/** Collapses repeated letters (diagonals), updating the term in place. */
function collapseRepeats(ctx: Ctx, x: any, t: Term): any {
  let str = t.str;
  for (;;) {
    let i = -1;
    let j = -1;
    for (let a = 0; a < str.length && i < 0; a++) {
      const b = str.indexOf(str[a], a + 1);
      if (b >= 0) { i = a; j = b; }
    }
    if (i < 0) break;
    const c = str[i];
    x = ctx.t(N.diagonal(x, 0, i, j, ctx.s));  // removes axes i, j; appends the diagonal
    str = str.slice(0, i) + str.slice(i + 1, j) + str.slice(j + 1) + c;
  }
  t.str = str;
  t.set = new Set(str);
  return x;
}

function preprocess(ctx: Ctx, node: PathNode, ops: any[]) {
  node.inputs.forEach((t, k) => {
    if (t.set.size < t.str.length) ops[node.positions[k]] = collapseRepeats(ctx, ops[node.positions[k]], t);
  });
  const counts = new Map<string, number>();
  for (const t of node.inputs) for (const c of t.set) counts.set(c, (counts.get(c) ?? 0) + 1);
  for (const c of node.output.set) counts.set(c, (counts.get(c) ?? 0) + 1);
  node.inputs.forEach((t, k) => {
    const axes: number[] = [];
    for (let a = 0; a < t.str.length; a++) if (counts.get(t.str[a]) === 1) axes.push(a);
    if (axes.length === 0) return;
    const p = node.positions[k];
    ops[p] = ctx.t(N.sum(ops[p], axes, false, ctx.s));
    t.str = [...t.str].filter((_, a) => !axes.includes(a)).join('');
    t.set = new Set(t.str);
  });
}

function canDot(node: PathNode): boolean {
  return node.inputs.length === 2 && [...node.inputs[0].set].some((c) => !node.output.set.has(c));
}

function batchDot(ctx: Ctx, node: PathNode, a: any, b: any): any {
  const [ta, tb] = node.inputs;
  const out = node.output;
  const aContract: number[] = [], aBatch: number[] = [], aConcat: number[] = [];
  for (let i = 0; i < ta.str.length; i++) {
    const c = ta.str[i];
    if (!out.set.has(c)) aContract.push(i);
    else if (tb.set.has(c)) aBatch.push(i);
    else aConcat.push(i);
  }
  const bContract = aContract.map((i) => tb.str.indexOf(ta.str[i]));
  const bBatch = aBatch.map((i) => tb.str.indexOf(ta.str[i]));
  const bConcat: number[] = [];
  for (let i = 0; i < tb.str.length; i++) if (out.set.has(tb.str[i]) && !ta.set.has(tb.str[i])) bConcat.push(i);
  // Broadcast size-1 contracted and batch dims against each other.
  const a0: number[] = a.shape, b0: number[] = b.shape;  // each .shape read is a native call
  const as = [...a0], bs = [...b0];
  const bcast = (xa: number[], xb: number[]) => xa.forEach((ia, k) => {
    const d = Math.max(as[ia], bs[xb[k]]);
    as[ia] = d; bs[xb[k]] = d;
  });
  bcast(aContract, bContract);
  bcast(aBatch, bBatch);
  if (as.some((d, i) => d !== a0[i])) a = ctx.t(N.broadcastTo(a, as, ctx.s));
  if (bs.some((d, i) => d !== b0[i])) b = ctx.t(N.broadcastTo(b, bs, ctx.s));
  const prod = (sh: number[], ax: number[]) => ax.reduce((p, i) => p * sh[i], 1);
  const group = (x: any, sh: number[], i: number[], j: number[], k: number[]) => {
    const perm = [...i, ...j, ...k];
    const target = [...i.map((d) => sh[d]), prod(sh, j), prod(sh, k)];
    const permuted = perm.map((d) => sh[d]);
    return ctx.reshape(ctx.transpose(x, perm), target, permuted);
  };
  const outShape = [...aBatch.map((i) => as[i]), ...aConcat.map((i) => as[i]), ...bConcat.map((i) => bs[i])];
  const ga = group(a, as, aBatch, aConcat, aContract), gb = group(b, bs, bBatch, bContract, bConcat);
  const mm = ctx.t(N.matmul(ga, gb, ctx.s));
  const mmShape = [...aBatch.map((i) => as[i]), prod(as, aConcat), prod(bs, bConcat)];
  const res = ctx.reshape(mm, outShape, mmShape);
  const order = [...aBatch.map((i) => ta.str[i]), ...aConcat.map((i) => ta.str[i]), ...bConcat.map((i) => tb.str[i])];
  return ctx.transpose(res, [...out.str].map((c) => order.indexOf(c)));
}

function naive(ctx: Ctx, node: PathNode, ops: any[]): any {
  const axisOf = new Map<string, number>();
  for (const t of node.inputs) for (const c of t.str) if (!axisOf.has(c)) axisOf.set(c, axisOf.size);
  const n = axisOf.size;
  let acc: any;
  node.inputs.forEach((t, k) => {
    let x = ops[node.positions[k]];
    // Missing letters become trailing size-1 axes, then everything moves to canonical order.
    const letters = [...t.str, ...[...axisOf.keys()].filter((c) => !t.set.has(c))];
    if (x.ndim !== n) x = ctx.reshape(x, [...x.shape, ...Array(n - x.ndim).fill(1)]);
    const perm = [...letters.keys()].sort((p, q) => axisOf.get(letters[p])! - axisOf.get(letters[q])!);
    x = ctx.transpose(x, perm);
    acc = acc === undefined ? x : ctx.t(N.multiply(acc, x, ctx.s));
  });
  const sumAxes = [...axisOf].filter(([c]) => !node.output.set.has(c)).map(([, a]) => a);
  if (sumAxes.length) acc = ctx.t(N.sum(acc, sumAxes, false, ctx.s));
  const kept = [...axisOf].filter(([c]) => node.output.set.has(c)).map(([c]) => c);
  return ctx.transpose(acc, [...node.output.str].map((c) => kept.indexOf(c)));
}

/** Einstein summation over the operands, e.g. `einsum('ij,jk->ik', a, b)`. A trailing Stream/Device is allowed. */
export function einsum(subscripts: string, ...operands: Array<ArrayLike | StreamOrDevice>): array {
  let s: StreamOrDevice;
  const last = operands[operands.length - 1];
  if (last instanceof Stream || last instanceof Device) { s = last; operands = operands.slice(0, -1); }
  const ops: any[] = (operands as ArrayLike[]).map(toArr);
  const [path] = cachedPath(subscripts, ops.map((a) => a.shape), 'einsum');
  const ctx = new Ctx(streamArg(s));
  const given = new Set(ops);
  let result: any;
  try {
    for (const node of path) {
      preprocess(ctx, node, ops);
      const r = canDot(node) ? batchDot(ctx, node, ops[node.positions[0]], ops[node.positions[1]]) : naive(ctx, node, ops);
      for (const p of [...node.positions].sort((x, y) => y - x)) ops.splice(p, 1);
      ops.push(r);
    }
    result = ops[0];
    if (given.has(result)) result = ctx.t(N.copy(result, ctx.s));  // never hand back an input handle
  } finally {
    for (const t of ctx.temps) if (t !== result) t.dispose();
  }
  return track(result);
}
