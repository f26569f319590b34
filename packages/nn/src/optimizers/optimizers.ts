// Optimizers (mlx.optimizers): constructors take MLX's arguments positionally; state is a plain
// tree {step, learningRate, <per-parameter state shaped like the parameters>} that can be saved
// (utils.treeFlatten → mx.saveSafetensors) and restored (treeUnflatten → optimizer.state = ...).
import * as mx from '@mlx/core';
import { Module } from '../module.js';
import type { Schedule } from './schedulers.js';

const { utils } = mx;
type A = mx.array;
type Tree = any;
type State = Record<string, any>;
type LR = number | A | Schedule;

const isArr = (v: unknown): v is A => v instanceof mx.array;
const isPlain = (v: unknown): v is Record<string, any> =>
  v !== null && typeof v === 'object' && !isArr(v) && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

const leaves = (t: Tree): A[] => utils.treeFlatten(t, '', isArr).map(([, v]) => v).filter(isArr);

export abstract class Optimizer {
  protected _initialized = false;
  protected _state: State = { step: mx.array(0, mx.uint64) };
  protected _schedulers: Record<string, Schedule> = {};
  /**
   * update() disposes the parameter and state arrays it replaced (JS's GC frees native memory too
   * late for training loops). Set false to keep old arrays alive (e.g. when holding references).
   */
  disposeReplaced = true;

  /** Applies the gradients to the model's parameters (model.update). */
  update(model: Module, gradients: Tree): void {
    const before = this.disposeReplaced ? new Set([...leaves(model.parameters()), ...leaves(this.state)]) : null;
    model.update(this.applyGradients(gradients, model.parameters()));
    if (!before) return;
    for (const a of [...leaves(model.parameters()), ...leaves(this.state)]) before.delete(a);
    for (const a of before) a.dispose();
  }

  /** Creates per-parameter state (missing entries only); called lazily by the first update. */
  init(parameters: Tree): void {
    const walk = (p: unknown, s: any): any => {
      if (isArr(p)) {
        const st = isPlain(s) ? s : {};
        if (Object.keys(st).length === 0) this.initSingle(p, st);
        return st;
      }
      if (Array.isArray(p)) {
        // a restored state (treeUnflatten of sparse indices) may hold a list as {0: .., 2: ..}
        const out: any[] = Array.isArray(s) ? s : [];
        p.forEach((v, i) => { out[i] = walk(v, Array.isArray(s) ? s[i] : isPlain(s) ? s[i] : undefined); });
        return out;
      }
      if (isPlain(p)) {
        const out = isPlain(s) ? s : {};
        for (const [k, v] of Object.entries(p)) out[k] = walk(v, out[k]);
        return out;
      }
      return s ?? {};
    };
    for (const [k, v] of Object.entries(parameters ?? {})) this._state[k] = walk(v, this._state[k]);
    this._initialized = true;
  }

  /** Fills `state` (a fresh {}) for one parameter. */
  abstract initSingle(parameter: A, state: State): void;
  /** Returns the updated parameter; may write new state entries. */
  abstract applySingle(gradient: A, parameter: A, state: State): A;

  /** Returns the updated parameters for the gradients given (same tree structure). */
  applyGradients(gradients: Tree, parameters: Tree): Tree {
    if (!this._initialized) this.init(gradients);
    for (const [name, sch] of Object.entries(this._schedulers)) this._state[name] = sch(this.step);
    this._state.step = mx.add(this.step, 1);
    return utils.treeMap((g: unknown, p: A, s: State) => (isArr(g) ? this.applySingle(g, p, s) : p), gradients, [parameters, this._state]);
  }

  get state(): State { return this._state; }
  set state(state: State) {
    this._initialized = false;
    this._state = state;
  }
  get step(): A { return this._state.step; }
  get learningRate(): A { return this._state.learningRate; }
  set learningRate(lr: number | A) { this._state.learningRate = isArr(lr) ? lr : mx.array(lr); }

  protected maybeSchedule(name: string, param: LR): void {
    let value: A;
    if (typeof param === 'function') {
      this._schedulers[name] = param;
      value = param(this.step);
    } else value = isArr(param) ? param : mx.array(param);
    this._state[name] = value;
  }
  protected lr(dtype: mx.Dtype): A { return mx.astype(this.learningRate, dtype); }
}

/** Runs several optimizers, each on the parameters that its filter (path, grad) => bool accepts first. */
export class MultiOptimizer extends Optimizer {
  optimizers: Optimizer[];
  filters: ((path: string, g: A) => boolean)[];
  constructor(optimizers: Optimizer[], filters: ((path: string, g: A) => boolean)[] = []) {
    super();
    this._state = {};
    if (filters.length !== optimizers.length - 1) {
      throw new mx.InvalidArgumentError(`Given ${filters.length} filters but ${optimizers.length - 1} needed.`);
    }
    this.optimizers = optimizers;
    this.filters = [...filters, () => true];
  }
  private split(gradients: Tree): Tree[] {
    if (this.optimizers.length === 1) return [gradients];
    const parts: [string, A][][] = this.optimizers.map(() => []);
    for (const [k, g] of utils.treeFlatten(gradients, '', isArr)) {
      const i = this.filters.findIndex((f) => f(k, g));
      parts[i].push([k, g]);
    }
    return parts.map((p) => (p.length ? utils.treeUnflatten(p) : {}));
  }
  override init(parameters: Tree): void {
    this.split(parameters).forEach((p, i) => this.optimizers[i].init(p));
  }
  initSingle(): void { throw new mx.NotImplementedError('[MultiOptimizer] initSingle is delegated.'); }
  applySingle(): A { throw new mx.NotImplementedError('[MultiOptimizer] applySingle is delegated.'); }
  override applyGradients(gradients: Tree, parameters: Tree): Tree {
    let tree: Tree = {};
    this.split(gradients).forEach((g, i) => { tree = utils.treeMerge(tree, this.optimizers[i].applyGradients(g, parameters)); });
    return tree;
  }
  override get state(): State { return { states: this.optimizers.map((o) => o.state) }; }
  override set state(state: State) {
    if (!state || !Array.isArray(state.states) || state.states.length !== this.optimizers.length) {
      throw new mx.InvalidArgumentError('Invalid state provided');
    }
    state.states.forEach((s: State, i: number) => { this.optimizers[i].state = s; });
  }
  override get learningRate(): A { return this.optimizers[0].learningRate; }
  override set learningRate(lr: number | A) { for (const o of this.optimizers) o.learningRate = lr; }
}

export class SGD extends Optimizer {
  constructor(learningRate: LR, public momentum = 0.0, public weightDecay = 0.0, public dampening = 0.0, public nesterov = false) {
    super();
    if (nesterov && (momentum <= 0 || dampening !== 0)) throw new mx.InvalidArgumentError('Nesterov momentum requires a momentum and zero dampening.');
    this.maybeSchedule('learningRate', learningRate);
  }
  initSingle(p: A, state: State): void { state.v = mx.zerosLike(p); }
  applySingle(g: A, p: A, state: State): A {
    if (this.weightDecay !== 0) g = mx.add(g, mx.multiply(this.weightDecay, p));
    if (this.momentum <= 0) return mx.subtract(p, mx.multiply(this.lr(g.dtype), g));
    let v = mx.multiply(this.momentum, state.v);
    v = mx.add(v, this.dampening > 0 ? mx.multiply(1 - this.dampening, g) : g);
    const upd = this.nesterov ? mx.add(g, mx.multiply(this.momentum, v)) : v;
    state.v = v;
    return mx.subtract(p, mx.multiply(this.lr(g.dtype), upd));
  }
}

export class RMSprop extends Optimizer {
  constructor(learningRate: LR, public alpha = 0.99, public eps = 1e-8) {
    super();
    this.maybeSchedule('learningRate', learningRate);
    if (alpha < 0) throw new mx.InvalidArgumentError(`RMSprop alpha should be >=0, ${alpha} was provided instead`);
    if (eps <= 0) throw new mx.InvalidArgumentError(`RMSprop epsilon should be >0, ${eps} was provided instead`);
  }
  initSingle(p: A, state: State): void { state.v = mx.zerosLike(p); }
  applySingle(g: A, p: A, state: State): A {
    const v = mx.add(mx.multiply(this.alpha, state.v), mx.multiply(1 - this.alpha, mx.square(g)));
    state.v = v;
    return mx.subtract(p, mx.divide(mx.multiply(this.lr(g.dtype), g), mx.add(mx.sqrt(v), this.eps)));
  }
}

export class Adagrad extends Optimizer {
  constructor(learningRate: LR, public eps = 1e-8) {
    super();
    this.maybeSchedule('learningRate', learningRate);
    if (eps <= 0) throw new mx.InvalidArgumentError(`Adagrad epsilon should be >0, ${eps} was provided instead`);
  }
  initSingle(p: A, state: State): void { state.v = mx.zerosLike(p); }
  applySingle(g: A, p: A, state: State): A {
    const v = mx.add(state.v, mx.square(g));
    state.v = v;
    return mx.subtract(p, mx.divide(mx.multiply(this.lr(g.dtype), g), mx.add(mx.sqrt(v), this.eps)));
  }
}

export class AdaDelta extends Optimizer {
  constructor(learningRate: LR, public rho = 0.9, public eps = 1e-6) {
    super();
    this.maybeSchedule('learningRate', learningRate);
    if (rho < 0) throw new mx.InvalidArgumentError(`AdaDelta rho should be >=0, ${rho} was provided instead`);
    if (eps <= 0) throw new mx.InvalidArgumentError(`AdaDelta epsilon should be >0, ${eps} was provided instead`);
  }
  initSingle(p: A, state: State): void { state.v = mx.zerosLike(p); state.u = mx.zerosLike(p); }
  applySingle(g: A, p: A, state: State): A {
    const { rho, eps } = this;
    const v = mx.add(mx.multiply(rho, state.v), mx.multiply(1 - rho, mx.square(g)));
    const d = mx.multiply(mx.divide(mx.sqrt(mx.add(state.u, eps)), mx.sqrt(mx.add(v, eps))), g);
    const u = mx.add(mx.multiply(rho, state.u), mx.multiply(1 - rho, mx.square(d)));
    state.v = v;
    state.u = u;
    return mx.subtract(p, mx.multiply(this.lr(g.dtype), d));
  }
}

export class Adam extends Optimizer {
  constructor(learningRate: LR, public betas: [number, number] = [0.9, 0.999], public eps = 1e-8, public biasCorrection = false) {
    super();
    betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new mx.InvalidArgumentError(`Adam beta${i + 1} should be in [0, 1), ${b} was provided instead`);
    });
    if (!(eps >= 0)) throw new mx.InvalidArgumentError(`Adam epsilon should be >=0, ${eps} was provided instead`);
    this.maybeSchedule('learningRate', learningRate);
  }
  initSingle(p: A, state: State): void { state.m = mx.zerosLike(p); state.v = mx.zerosLike(p); }
  applySingle(g: A, p: A, state: State): A {
    const lr = this.lr(g.dtype);
    const [b1, b2] = this.betas;
    const m = mx.add(mx.multiply(b1, state.m), mx.multiply(1 - b1, g));
    const v = mx.add(mx.multiply(b2, state.v), mx.multiply(1 - b2, mx.square(g)));
    state.m = m;
    state.v = v;
    if (this.biasCorrection) {
      const step = this.step;
      const c1 = mx.astype(mx.divide(lr, mx.subtract(1, mx.power(b1, step))), g.dtype);
      const c2 = mx.astype(mx.rsqrt(mx.subtract(1, mx.power(b2, step))), g.dtype);
      return mx.subtract(p, mx.divide(mx.multiply(c1, m), mx.add(mx.multiply(mx.sqrt(v), c2), this.eps)));
    }
    return mx.subtract(p, mx.divide(mx.multiply(lr, m), mx.add(mx.sqrt(v), this.eps)));
  }
}

export class AdamW extends Adam {
  constructor(learningRate: LR, betas: [number, number] = [0.9, 0.999], eps = 1e-8, public weightDecay = 0.01, biasCorrection = false) {
    super(learningRate, betas, eps, biasCorrection);
  }
  override applySingle(g: A, p: A, state: State): A {
    const lr = this.lr(g.dtype);
    return super.applySingle(g, mx.multiply(p, mx.subtract(1, mx.multiply(lr, this.weightDecay))), state);
  }
}

export class Adamax extends Adam {
  constructor(learningRate: LR, betas: [number, number] = [0.9, 0.999], eps = 1e-8) {
    super(learningRate, betas, eps);
  }
  override applySingle(g: A, p: A, state: State): A {
    const [b1, b2] = this.betas;
    const m = mx.add(mx.multiply(b1, state.m), mx.multiply(1 - b1, g));
    const v = mx.maximum(mx.multiply(b2, state.v), mx.abs(g));
    state.m = m;
    state.v = v;
    return mx.subtract(p, mx.divide(mx.multiply(this.lr(g.dtype), m), mx.add(v, this.eps)));
  }
}

export class Lion extends Optimizer {
  constructor(learningRate: LR, public betas: [number, number] = [0.9, 0.99], public weightDecay = 0.0) {
    super();
    betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new mx.InvalidArgumentError(`Lion beta${i + 1} should be in [0, 1), ${b} was provided instead`);
    });
    this.maybeSchedule('learningRate', learningRate);
  }
  initSingle(p: A, state: State): void { state.m = mx.zerosLike(p); }
  applySingle(g: A, p: A, state: State): A {
    const lr = this.lr(g.dtype);
    const [b1, b2] = this.betas;
    const m = state.m;
    const c = mx.add(mx.multiply(b1, m), mx.multiply(1 - b1, g));
    state.m = mx.add(mx.multiply(b2, m), mx.multiply(1 - b2, g));
    if (this.weightDecay > 0) p = mx.multiply(mx.subtract(1, mx.multiply(lr, this.weightDecay)), p);
    return mx.subtract(p, mx.multiply(lr, mx.sign(c)));
  }
}

const rms = (x: A) => mx.sqrt(mx.mean(mx.square(x)));

export class Adafactor extends Optimizer {
  constructor(learningRate: LR | null = null, public eps: [number, number] = [1e-30, 1e-3], public clipThreshold = 1.0,
              public decayRate = -0.8, public beta1: number | null = null, public weightDecay = 0.0,
              public scaleParameter = true, public relativeStep = true, public warmupInit = false) {
    super();
    if (learningRate !== null && learningRate !== undefined) this.maybeSchedule('learningRate', learningRate);
  }
  initSingle(p: A, state: State): void {
    if (p.ndim >= 2) {
      const s = p.shape;
      state.expAvgSqRow = mx.zeros(s.slice(0, -1), p.dtype);
      state.expAvgSqCol = mx.zeros([...s.slice(0, -2), s[s.length - 1]], p.dtype);
    } else state.expAvgSq = mx.zerosLike(p);
    if (this.beta1 !== null) state.expAvg = mx.zerosLike(p);
  }
  private computeLr(step: A, paramRms: A): A {
    let rel: A;
    if (this.relativeStep) {
      const minStep = this.warmupInit ? mx.multiply(1e-6, step) : 1e-2;
      rel = mx.minimum(minStep, mx.rsqrt(step));
    } else rel = this.learningRate;
    rel = mx.astype(rel, paramRms.dtype);
    return this.scaleParameter ? mx.multiply(mx.maximum(this.eps[1], paramRms), rel) : rel;
  }
  applySingle(g: A, p: A, state: State): A {
    const step = this.step;
    const paramRms = rms(p);
    const lr = this.computeLr(step, paramRms);
    const beta2 = mx.subtract(1.0, mx.astype(mx.power(step, this.decayRate), paramRms.dtype));
    let upd = mx.add(mx.square(g), this.eps[0]);
    if (g.ndim >= 2) {
      const row = mx.add(mx.multiply(beta2, state.expAvgSqRow), mx.multiply(mx.subtract(1, beta2), mx.mean(upd, -1)));
      const col = mx.add(mx.multiply(beta2, state.expAvgSqCol), mx.multiply(mx.subtract(1, beta2), mx.mean(upd, -2)));
      state.expAvgSqRow = row;
      state.expAvgSqCol = col;
      const r = mx.rsqrt(mx.divide(row, mx.mean(row, -1, true)));
      const c = mx.rsqrt(col);
      upd = mx.multiply(mx.multiply(mx.expandDims(r, -1), mx.expandDims(c, -2)), g);
    } else {
      const e = mx.add(mx.multiply(beta2, state.expAvgSq), mx.multiply(mx.subtract(1, beta2), upd));
      state.expAvgSq = e;
      upd = mx.multiply(mx.rsqrt(e), g);
    }
    upd = mx.divide(upd, mx.maximum(1.0, mx.divide(rms(upd), this.clipThreshold)));
    upd = mx.multiply(lr, upd);
    if (this.beta1 !== null) {
      const ea = mx.add(mx.multiply(this.beta1, state.expAvg), mx.multiply(1 - this.beta1, upd));
      state.expAvg = ea;
      upd = ea;
    }
    if (this.weightDecay !== 0) p = mx.add(p, mx.multiply(p, mx.multiply(-this.weightDecay, lr)));
    return mx.subtract(p, upd);
  }
}

/** Muon: momentum SGD whose ≥2-D updates are orthogonalised by a Newton–Schulz iteration. */
export class Muon extends Optimizer {
  constructor(learningRate: LR, public momentum = 0.95, public weightDecay = 0.01, public nesterov = true, public nsSteps = 5) {
    super();
    this.maybeSchedule('learningRate', learningRate);
  }
  initSingle(p: A, state: State): void { state.v = mx.zerosLike(p); }
  private newtonSchulz5(X: A, steps: number): A {
    const [a, b, c] = [3.4445, -4.775, 2.0315];
    const t = X.shape[X.ndim - 2] > X.shape[X.ndim - 1];
    if (t) X = mx.transpose(X);
    X = mx.divide(X, mx.add(mx.sqrt(mx.sum(mx.square(X), undefined, true)), 1e-7));
    for (let i = 0; i < steps; i++) {
      const Am = mx.matmul(X, mx.transpose(X));
      const B = mx.addmm(mx.multiply(b, Am), Am, Am, c, 1.0);
      X = mx.addmm(mx.multiply(a, X), B, X, 1.0, 1.0);
    }
    return t ? mx.transpose(X) : X;
  }
  applySingle(g: A, p: A, state: State): A {
    if (this.weightDecay !== 0) g = mx.add(g, mx.multiply(this.weightDecay, p));
    const v = mx.add(mx.multiply(this.momentum, state.v), mx.multiply(1 - this.momentum, g));
    state.v = v;
    let upd = this.nesterov ? mx.add(mx.multiply(g, 1 - this.momentum), mx.multiply(v, this.momentum)) : v;
    let lr = this.lr(g.dtype);
    if (upd.ndim >= 2) {
      const shape = upd.shape;
      if (upd.ndim > 2) upd = mx.reshape(upd, [shape[0], -1]);
      upd = this.newtonSchulz5(upd, this.nsSteps);
      if (shape.length > 2) upd = mx.reshape(upd, shape);
      lr = mx.multiply(lr, Math.max(1, upd.shape[upd.ndim - 2] / upd.shape[upd.ndim - 1]) ** 0.5);
    }
    return mx.subtract(p, mx.multiply(lr, upd));
  }
}

/** Scales gradients so their global L2 norm is at most maxNorm; returns [clipped, totalNorm]. */
export function clipGradNorm(grads: Tree, maxNorm: number): [Tree, A] {
  if (maxNorm < 0) throw new mx.InvalidArgumentError(`max_norm should be >=0, ${maxNorm} was provided instead`);
  const sq = (g: A) => mx.sum(mx.square(g.dtype === mx.float16 ? mx.astype(g, mx.float32) : g));
  const normSq = utils.treeReduce((acc: A | number, g: A) => mx.add(acc, sq(g)), grads, 0.0, isArr) as A;
  const total = mx.sqrt(normSq);
  const normalizer = mx.minimum(mx.divide(maxNorm, mx.add(total, 1e-6)), 1.0);
  const clipped = utils.treeMap((g: A) => {
    if (!isArr(g)) return g;
    return mx.issubdtype(g.dtype, mx.floating) ? mx.astype(mx.multiply(g, normalizer), g.dtype) : mx.multiply(g, normalizer);
  }, grads, [], isArr);
  return [clipped, total];
}
