// Evaluation and function transforms. The graph work (tracing, vjp/jvp rules) is native;
// this file maps JS functions and trees of arrays onto it.
import type { array } from './array.js';
import { InvalidArgumentError } from './errors.js';
import { track, trackAll } from './memory.js';
import { N } from './native.js';
import { treeFlatten, treeMap } from './utils/tree.js';

function collectArrays(values: unknown[], out: unknown[] = [], seen = new Set<unknown>()): unknown[] {
  for (const v of values) {
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof N.NativeArray) out.push(v);
    else if (Array.isArray(v)) collectArrays(v, out, seen);
    else if (v instanceof Map) collectArrays([...v.values()], out, seen);
    else collectArrays(Object.values(v as object), out, seen);
  }
  return out;
}

/** Evaluates arrays (or trees of arrays) now, on the calling thread. */
export function evalArrays(...values: unknown[]): void {
  N.eval(collectArrays(values));
}

/**
 * Evaluates on the engine thread and resolves when done, keeping the event loop free.
 * A trailing AbortSignal rejects the promise if it is aborted (before or during the work).
 */
export async function asyncEval(...values: unknown[]): Promise<void> {
  let signal: AbortSignal | undefined;
  if (values.length && values[values.length - 1] instanceof AbortSignal) signal = values.pop() as AbortSignal;
  signal?.throwIfAborted();
  await N.asyncEval(collectArrays(values));
  signal?.throwIfAborted();
}

const isArray = (x: unknown): x is array => x instanceof N.NativeArray;
const onesLike = (a: array): array => track(N.full(a.shape, 1, a.dtype.id));  // tracked: tidy must free the seed cotangent

function asList(out: unknown, what: string): array[] {
  const list = Array.isArray(out) ? out : [out];
  for (const o of list) if (!isArray(o)) throw new InvalidArgumentError(`[${what}] The function must return an array or a list of arrays.`);
  return list as array[];
}

/** Runs fn on traced copies of `primals`; returns the traced inputs and fn's outputs. */
function traced<T>(primals: array[], fn: (inputs: array[]) => T): { inputs: array[]; out: T } {
  N.beginTrace();
  try {
    const inputs: array[] = trackAll(N.traceInputs(primals));
    return { inputs, out: fn(inputs) };
  } finally {
    N.endTrace();
  }
}

/** Reverse mode: returns [outputs, vector-Jacobian products w.r.t. each primal]. */
export function vjp(fun: (...args: array[]) => array | array[], primals: array[], cotangents: array[]): [array[], array[]] {
  N.beginTrace();
  try {
    const { inputs, out } = traced(primals, (xs) => fun(...xs));
    const outs = asList(out, 'vjp');
    return [outs, trackAll(N.vjpBackward(inputs, outs, cotangents))];
  } finally {
    N.endTrace();
  }
}

/** Forward mode: returns [outputs, Jacobian-vector products]. */
export function jvp(fun: (...args: array[]) => array | array[], primals: array[], tangents: array[]): [array[], array[]] {
  N.beginTrace();
  try {
    const { inputs, out } = traced(primals, (xs) => fun(...xs));
    const outs = asList(out, 'jvp');
    return [outs, trackAll(N.jvpForward(inputs, tangents, outs))];
  } finally {
    N.endTrace();
  }
}

type AnyFn = (...args: any[]) => any;

/**
 * valueAndGrad(fun, argnums = 0): a function returning [fun(...args), grads]. Arguments at `argnums`
 * may be trees (objects, lists) of arrays; grads have the same structure. fun returns a scalar
 * array, or a list whose first element is the scalar to differentiate (the rest is passed through).
 */
export function valueAndGrad<F extends AnyFn>(fun: F, argnums?: number | number[]): (...args: Parameters<F>) => [ReturnType<F>, any] {
  const nums = argnums === undefined ? [0] : Array.isArray(argnums) ? argnums : [argnums];
  if (nums.length === 0) throw new InvalidArgumentError('[grad] argnums must not be empty.');
  return (...args: Parameters<F>) => {
    for (const n of nums) {
      if (n < 0 || n >= args.length) throw new InvalidArgumentError(`[grad] argnum ${n} is out of range for ${args.length} arguments.`);
    }
    const leaves: array[] = [];
    for (const n of nums) for (const [, leaf] of treeFlatten(args[n])) if (isArray(leaf)) leaves.push(leaf);
    N.beginTrace();
    try {
      const { inputs, out } = traced(leaves, (xs) => {
        let k = 0;
        const newArgs = [...args];
        for (const n of nums) newArgs[n] = treeMap((leaf: unknown) => (isArray(leaf) ? xs[k++] : leaf), args[n]);
        return fun(...newArgs);
      });
      const loss = Array.isArray(out) ? out[0] : out;
      if (!isArray(loss) || loss.ndim !== 0) {
        throw new InvalidArgumentError(`[grad] The function must return a scalar array (shape []), got ${isArray(loss) ? `shape [${loss.shape}]` : typeof loss}.`);
      }
      const grads: array[] = trackAll(N.vjpBackward(inputs, [loss], [onesLike(loss)]));
      let k = 0;
      const trees = nums.map((n) => treeMap((leaf: unknown) => (isArray(leaf) ? grads[k++] : null), args[n]));
      return [out, Array.isArray(argnums) ? trees : trees[0]];
    } finally {
      N.endTrace();
    }
  };
}

/** grad(fun, argnums = 0): the gradient of a scalar function w.r.t. the arguments at argnums. */
export function grad<F extends AnyFn>(fun: F, argnums?: number | number[]): (...args: Parameters<F>) => any {
  const vg = valueAndGrad(fun, argnums);
  return (...args: Parameters<F>) => vg(...args)[1];
}


type Axis = number | null;

/**
 * vmap(fun, inAxes = 0, outAxes = 0): maps fun over an axis of its inputs. inAxes is one axis for
 * every argument or one per argument (null: not mapped; a tree argument maps all its leaves on that
 * axis). fun returns an array or a list of arrays; outAxes likewise.
 */
export function vmap<F extends AnyFn>(fun: F, inAxes: Axis | Axis[] = 0, outAxes: Axis | Axis[] = 0): (...args: Parameters<F>) => ReturnType<F> {
  return ((...args: any[]) => {
    const perArg = Array.isArray(inAxes) ? inAxes : args.map(() => inAxes);
    if (perArg.length !== args.length) throw new InvalidArgumentError(`[vmap] in_axes has ${perArg.length} entries for ${args.length} arguments.`);
    const leaves: array[] = [], axes: number[] = [];
    args.forEach((a, i) => {
      for (const [, leaf] of treeFlatten(a)) {
        if (!isArray(leaf)) continue;
        const ax = perArg[i];
        if (typeof ax === 'number' && (ax < -leaf.ndim || ax >= leaf.ndim)) {
          throw new InvalidArgumentError(`[vmap] in_axes ${ax} is out of bounds for an input with ${leaf.ndim} dimensions.`);
        }
        leaves.push(leaf);
        axes.push(ax === null || ax === undefined ? -1 : ax < 0 ? ax + leaf.ndim : ax);  // negative: from the end
      }
    });
    if (!axes.some((a) => a >= 0)) throw new InvalidArgumentError('[vmap] At least one input must be mapped.');
    N.beginTrace();
    try {
      const ph: array[] = N.vmapPlaceholders(leaves, axes);
      let k = 0;
      const newArgs = args.map((a) => treeMap((leaf: unknown) => (isArray(leaf) ? ph[k++] : leaf), a));
      const out = fun(...newArgs);
      const outs = asList(out, 'vmap');
      const oax = (Array.isArray(outAxes) ? outAxes : outs.map(() => outAxes))
        .map((a, i) => (a === null || a === undefined ? -1 : a < 0 ? a + (outs[i]?.ndim ?? 0) + 1 : a));
      if (oax.length !== outs.length) throw new InvalidArgumentError(`[vmap] out_axes has ${oax.length} entries for ${outs.length} outputs.`);
      const res: array[] = trackAll(N.vmapReplace(leaves, ph, axes, outs, oax));
      return Array.isArray(out) ? res : res[0];
    } finally {
      N.endTrace();
    }
  }) as any;
}

/** Options of compile. */
export interface CompileOptions {
  /** Reuse one program for new shapes of the same ranks when the graph allows it. */
  shapeless?: boolean;
  /**
   * Replay the program as one CUDA graph launch (GPU programs on one stream, fixed shapes, every node
   * with a GPU kernel). The first call of a signature replays normally; the second captures the
   * graph; later calls copy the inputs in, launch once and copy the outputs out. Anything that does
   * not qualify (CPU nodes, a node without a GPU kernel, a failed capture) silently keeps the normal
   * replay, with the reason in `mx.cuda.counters()`. Ignored without CUDA and with MLX_CUDA_GRAPHS=0.
   */
  cudaGraph?: boolean;
  /**
   * `[outputIndex, inputIndex]` pairs for state the caller feeds back (K/V caches): that output is
   * returned in the program's own buffer for that input, so passing it back as that input on the
   * next call costs no copy. The returned state array is then updated in place by the next call:
   * read it before calling again. Indices count array leaves (outputs and arguments flattened in
   * order); a pair must match in shape and dtype. Passing any other array there is still correct
   * (it is copied in).
   */
  state?: Array<[number, number]>;
}

/** A compiled function; dispose() drops its programs (and their CUDA graph buffers) at once. */
export type CompiledFunction<F extends AnyFn> = F & { dispose(): void };

/**
 * compile(fun, shapeless | options): traces fun once per input signature (shapes, dtypes and the values
 * of non-array arguments), simplifies the graph, fuses elementwise chains into single kernels, and
 * replays the program on later calls without running fun again. With shapeless, a program whose
 * every node can infer shapes (and which froze no constant at the traced shape) is reused for new
 * shapes of the same ranks; otherwise it is traced once per shape, so results are always right.
 * fun takes arrays (or trees of arrays and constants) and returns an array or a list/tree of arrays.
 * With `cudaGraph`, GPU programs replay as one CUDA graph launch (see CompileOptions).
 */
export function compile<F extends AnyFn>(fun: F, options: boolean | CompileOptions = false): CompiledFunction<F> {
  const opts: CompileOptions = typeof options === 'boolean' ? { shapeless: options } : options ?? {};
  const shapeless = !!opts.shapeless;
  const graphState = opts.cudaGraph ? validStatePairs(opts.state) : null;
  type Entry = { program: unknown; outTree: unknown; shapeless: boolean };
  const cache = new Map<string, Entry>();
  const compiled = (...args: any[]) => {
    if (!N.compileEnabled()) return fun(...args);
    const leaves: array[] = [];
    const consts: unknown[] = [];
    for (const [path, leaf] of treeFlatten(args)) {
      if (isArray(leaf)) leaves.push(leaf);
      else consts.push([path, leaf]);
    }
    const sig = (byShape: boolean) =>
      leaves.map((l) => `${l.dtype.id}:${byShape ? l.shape.join('x') : l.ndim}`).join('|') + '#' + JSON.stringify(consts);
    const exactKey = sig(true);
    let entry = cache.get(exactKey);
    // A shapeless program is reused for any shapes of the same ranks, when the graph allows it.
    if (!entry && shapeless) {
      const e = cache.get(sig(false));
      if (e?.shapeless) entry = e;
    }
    if (!entry) {
      N.beginTrace();
      try {
        const ph: array[] = N.compilePlaceholders(leaves);
        let k = 0;
        const newArgs = args.map((a) => treeMap((leaf: unknown) => (isArray(leaf) ? ph[k++] : leaf), a));
        const out = fun(...newArgs);
        const flat = treeFlatten(out);
        if (flat.length === 0 || !flat.every(([, v]) => isArray(v))) {
          throw new InvalidArgumentError('[compile] The compiled function must return an array or a tree of arrays.');
        }
        const outs = flat.map(([, v]) => v as array);
        const program = N.compileBuild(ph, outs, shapeless, graphState);
        entry = { program, outTree: out, shapeless: shapeless && N.compileIsShapeless(program) };
        for (const o of outs) o.dispose();
        for (const p of ph) p.dispose();
      } finally {
        N.endTrace();
      }
      cache.set(exactKey, entry);
      if (entry.shapeless) cache.set(sig(false), entry);
    }
    const res: array[] = trackAll(N.compileReplay(entry.program, leaves));
    let k = 0;
    return treeMap(() => res[k++], entry.outTree);
  };
  (compiled as any).dispose = () => {
    for (const e of new Set(cache.values())) N.compileRelease(e.program);
    cache.clear();
  };
  return compiled as unknown as CompiledFunction<F>;
}

function validStatePairs(state: CompileOptions['state']): number[] {
  const flat: number[] = [];
  for (const pair of state ?? []) {
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new InvalidArgumentError('[compile] state must be a list of [outputIndex, inputIndex] pairs of non-negative integers.');
    }
    flat.push(pair[0], pair[1]);
  }
  return flat;
}

export const disableCompile = (): void => N.setCompileEnabled(false);
export const enableCompile = (): void => N.setCompileEnabled(true);

// ---- customFunction / checkpoint ----
// The function runs normally; its outputs then pass through a native CustomTransforms node whose
// vjp/jvp/vmap rules call back here (only while a transform runs, on this thread). Each call
// gets an id; the native side reports ids whose nodes are gone so their entries can be dropped.

/** vjp rule: (primals, cotangents, outputs) => cotangents for the primals (one per argument). */
export type CustomVjp = (primals: any[], cotangents: any, outputs: any) => any;
/** jvp rule: (primals, tangents) => tangents of the outputs (tangents are given for every argument). */
export type CustomJvp = (primals: any[], tangents: any[]) => any;
/** vmap rule: (inputs, axes) => [outputs, outAxes]; an axis is null for an unmapped input. */
export type CustomVmap = (inputs: any[], axes: (number | null)[]) => [any, number | number[]];

export interface CustomFunction<F extends AnyFn> {
  (...args: Parameters<F>): ReturnType<F>;
  /** Sets the vjp rule; returns the same function (chainable). */
  vjp(rule: CustomVjp): CustomFunction<F>;
  jvp(rule: CustomJvp): CustomFunction<F>;
  vmap(rule: CustomVmap): CustomFunction<F>;
}

interface CustomDef { fn: AnyFn; vjp?: CustomVjp; jvp?: CustomJvp; vmap?: CustomVmap }
interface CustomCall { def: CustomDef; args: unknown[]; single: boolean }

const customCalls = new Map<number, CustomCall>();
let nextCustomId = 1;

function releaseCustomIds(): void {
  for (const id of N.customReleased() as number[]) customCalls.delete(id);
}

// Rebuilds the argument trees of a call with new array leaves (in flatten order).
function withLeaves(args: unknown[], leaves: unknown[]): any[] {
  let k = 0;
  return args.map((a) => treeMap((leaf: unknown) => (isArray(leaf) ? leaves[k++] : leaf), a));
}

// Array leaves of a rule's per-argument result, in the order of the call's primals; a missing
// (null/undefined) leaf becomes zeros.
function flattenPerArg(call: CustomCall, result: unknown, primals: array[], what: string): array[] {
  const perArg = call.args.length === 1 && !Array.isArray(result) ? [result] : result;
  if (!Array.isArray(perArg) || perArg.length !== call.args.length) {
    throw new InvalidArgumentError(`[customFunction] The ${what} rule must return one value per argument (${call.args.length}).`);
  }
  const out: array[] = [];
  call.args.forEach((arg, i) => {
    const want = treeFlatten(arg).filter(([, l]) => isArray(l)).length;
    const got = want === 1 && (perArg[i] === null || perArg[i] === undefined || isArray(perArg[i]))
      ? [perArg[i]]
      : treeFlatten(perArg[i]).map(([, l]) => l).filter((l) => l === null || l === undefined || isArray(l));
    if (got.length !== want) throw new InvalidArgumentError(`[customFunction] The ${what} rule returned ${got.length} arrays for argument ${i}, expected ${want}.`);
    for (const g of got) {
      const p = primals[out.length];
      out.push(g === null || g === undefined ? N.full(p.shape, 0, p.dtype.id) : g as array);
    }
  });
  return out;
}

function customDispatch(id: number, kind: string, a: array[], b: array[], c: array[], axes: number[]): unknown {
  const call = customCalls.get(id);
  if (!call) throw new InvalidArgumentError('[customFunction] The rules of this node are no longer available.');
  const { def, single } = call;
  const flatFn = (...leaves: array[]) => def.fn(...withLeaves(call.args, leaves));
  const pack = (xs: array[]) => (single ? xs[0] : xs);
  if (kind === 'vjp') {
    if (!def.vjp) return vjp(flatFn, a, b)[1];
    return flattenPerArg(call, def.vjp(withLeaves(call.args, a), pack(b), pack(c)), a, 'vjp');
  }
  if (kind === 'jvp') {
    if (!def.jvp) return jvp(flatFn, a, b)[1];
    return asList(def.jvp(withLeaves(call.args, a), withLeaves(call.args, b)), 'customFunction jvp');
  }
  // vmap
  const inAxes = axes.map((x) => (x < 0 ? null : x));
  if (!def.vmap) {
    const outs = asList(vmap(flatFn, inAxes, 0)(...a), 'customFunction vmap');
    return [outs, outs.map(() => 0)];
  }
  let k = 0;
  const axTree = call.args.map((arg) => treeMap((leaf: unknown) => (isArray(leaf) ? inAxes[k++] : null), arg));
  const res = def.vmap(withLeaves(call.args, a), axTree);
  if (!Array.isArray(res) || res.length !== 2) throw new InvalidArgumentError('[customFunction] The vmap rule must return [outputs, outAxes].');
  const outs = asList(res[0], 'customFunction vmap');
  const oax = Array.isArray(res[1]) ? res[1] : outs.map(() => res[1] as number);
  return [outs, oax.map((x) => x ?? -1)];
}
N.setCustomDispatcher(customDispatch);

function applyCustom(def: CustomDef, args: unknown[]): any {
  releaseCustomIds();
  const out = def.fn(...args);
  const outs = asList(out, 'customFunction');
  const primals: array[] = [];
  for (const a of args) for (const [, leaf] of treeFlatten(a)) if (isArray(leaf)) primals.push(leaf);
  const id = nextCustomId++;
  customCalls.set(id, { def, args, single: !Array.isArray(out) });
  const res: array[] = trackAll(N.customApply(id, primals, outs));
  return Array.isArray(out) ? res : res[0];
}

/**
 * customFunction(fn): fn with user-defined transform rules (MLX's mx.custom_function).
 * `mx.customFunction(fn).vjp(rule).jvp(rule).vmap(rule)` returns a callable. Rules not given
 * default to transforming fn itself. Arguments may be trees of arrays; fn returns an array or a
 * list of arrays. Without any rule the call is just fn.
 */
export function customFunction<F extends AnyFn>(fn: F): CustomFunction<F> {
  const def: CustomDef = { fn };
  const f = ((...args: any[]) => (def.vjp || def.jvp || def.vmap ? applyCustom(def, args) : fn(...args))) as CustomFunction<F>;
  f.vjp = (rule) => { def.vjp = rule; return f; };
  f.jvp = (rule) => { def.jvp = rule; return f; };
  f.vmap = (rule) => { def.vmap = rule; return f; };
  return f;
}

/**
 * checkpoint(fn): the same function, but its intermediates are not kept for the backward pass;
 * the vjp runs fn again (gradient checkpointing, MLX's mx.checkpoint).
 */
export function checkpoint<F extends AnyFn>(fn: F): F {
  const def: CustomDef = { fn };
  return ((...args: any[]) => applyCustom(def, args)) as F;
}
