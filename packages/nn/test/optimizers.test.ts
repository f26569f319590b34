// Optimizers against MLX: parameters after 100 steps of a small MLP regression, schedules,
// clipGradNorm, state save/restore, and flat memory over 10,000 steps inside mx.tidy.
import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';
import { optimizers as optimizersFromRoot } from '@mlx/nn';
import * as optim from '@mlx/nn/optimizers';
import { decode, expectArrayClose, expectTreeClose, fixture, pairs } from './helpers/nnfix.js';

type A = mx.array;
const F = fixture.optim;
const X = decode(F.X), Y = decode(F.Y);

function mlp() {
  const m = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 3));
  m.loadWeights(pairs(F.init));
  return m;
}

function run(opt: optim.Optimizer, steps = 100, clip?: number | null) {
  const m = mlp();
  const vg = nn.valueAndGrad(m, (x: A, y: A) => nn.losses.mseLoss(m.forward(x), y));
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    let [loss, g] = vg(X, Y);
    if (clip !== undefined && clip !== null) [g] = optim.clipGradNorm(g, clip);
    opt.update(m, g);
    mx.eval(m.parameters(), opt.state);
    losses.push(loss.item() as number);
  }
  return { m, losses };
}

const arg = (v: any) => v;
const make = (name: string, args: any[]): optim.Optimizer => new (optim as any)[name](...args.map(arg));
const extras: Record<string, () => optim.Optimizer> = {
  'SGD+cosine': () => new optim.SGD(optim.cosineDecay(0.1, 50, 0.01)),
  'Adam+join': () => new optim.Adam(optim.joinSchedules([optim.linearSchedule(0.0, 0.01, 10), optim.exponentialDecay(0.01, 0.98)], [10])),
  'SGD+step': () => new optim.SGD(optim.stepDecay(0.1, 0.5, 20), 0.9),
  Multi: () => new optim.MultiOptimizer([new optim.Adam(0.01), new optim.SGD(0.1)], [(path) => path.includes('weight')]),
  'SGD+clip': () => new optim.SGD(0.1, 0.9),
};
// Sign-based (Lion) and orthogonalising (Muon) updates amplify last-bit differences over 100 steps.
const tolFor = (name: string): [number, number] => (name === 'Lion' || name === 'Muon' ? [2e-3, 2e-4] : [2e-4, 2e-5]);

describe('optimizers match MLX after 100 steps', () => {
  F.cases.forEach((c: any, i: number) => {
    it(`${c.optimizer} #${i} ${JSON.stringify(c.args ?? '')}`, () => {
      const opt = c.args ? make(c.optimizer, c.args) : extras[c.optimizer]();
      const { m, losses } = run(opt, 100, c.clip);
      const [rt, at] = tolFor(c.optimizer);
      expectTreeClose(m.parameters(), c.params, rt, at);
      const sampled = [...losses.filter((_, k) => k % 10 === 0), losses[losses.length - 1]];
      sampled.forEach((l, k) => expect(Math.abs(l - c.losses[k])).toBeLessThanOrEqual(2e-3 * Math.abs(c.losses[k]) + 1e-6));
      if (c.state) {
        const st = (opt as optim.MultiOptimizer).state;
        expect(st.states.length).toBe(2);
        const flat = new Map(mx.utils.treeFlatten(st, '', (x) => x instanceof mx.array).map(([k, v]) => [k.replace('learningRate', 'learning_rate'), v]));
        for (const [k, e] of Object.entries(c.state) as [string, any][]) expectArrayClose(flat.get(k) as A, e, rt, at);
      }
    });
  });
});

describe('optimizer API', () => {
  it('is exported from @mlx/nn and @mlx/nn/optimizers', () => {
    expect(optimizersFromRoot.Adam).toBe(optim.Adam);
    for (const n of ['SGD', 'RMSprop', 'Adagrad', 'AdaDelta', 'Adam', 'AdamW', 'Adamax', 'Lion', 'Adafactor', 'Muon', 'MultiOptimizer']) {
      expect(typeof (optim as any)[n]).toBe('function');
    }
  });

  it('Adam state matches MLX (step, learningRate, m, v) and survives a safetensors round trip', () => {
    const opt = new optim.Adam(0.01);
    const { m } = run(opt);
    expectTreeClose(opt.state, Object.fromEntries(Object.entries(F.adam_state).map(([k, v]) => [k.replace('learningRate', 'learning_rate'), v])) as any);
    expect(opt.step.item()).toBe(100);
    expect(opt.step.dtype).toBe(mx.uint64);
    const file = join(tmpdir(), `optstate-${process.pid}.safetensors`);
    mx.saveSafetensors(file, Object.fromEntries(mx.utils.treeFlatten(opt.state, '', (x) => x instanceof mx.array)));
    // continue 5 steps with the original, and 5 steps with a restored copy: same parameters
    const restored = new optim.Adam(0.01);
    restored.state = mx.utils.treeUnflatten(Object.entries(mx.load(file) as Record<string, A>));
    const m2 = mlp();
    m2.update(mx.utils.treeMap((a: A) => mx.copy(a), m.parameters(), [], (x) => x instanceof mx.array));
    for (const [model, o] of [[m, opt], [m2, restored]] as const) {
      const vg = nn.valueAndGrad(model, (x: A, y: A) => nn.losses.mseLoss(model.forward(x), y));
      for (let i = 0; i < 5; i++) { const [, g] = vg(X, Y); o.update(model, g); mx.eval(model.parameters(), o.state); }
    }
    const p1 = new Map(mx.utils.treeFlatten(m.parameters(), '', (x) => x instanceof mx.array));
    for (const [k, v] of mx.utils.treeFlatten(m2.parameters(), '', (x) => x instanceof mx.array)) {
      if (v instanceof mx.array) expectArrayClose(v, p1.get(k) as A, 0, 0);
    }
    expect(restored.step.item()).toBe(105);
  });

  it('learningRate can be set; schedules drive it', () => {
    const o = new optim.SGD(0.1);
    o.learningRate = 0.5;
    expect(o.learningRate.item()).toBeCloseTo(0.5);
    const s = new optim.SGD(optim.exponentialDecay(1.0, 0.5));
    const m = mlp();
    const vg = nn.valueAndGrad(m, (x: A, y: A) => nn.losses.mseLoss(m.forward(x), y));
    for (let i = 0; i < 3; i++) s.update(m, vg(X, Y)[1]);
    expect(s.learningRate.item()).toBeCloseTo(0.25);  // scheduled at step 2 before the third update
  });

  it('schedules match MLX', () => {
    for (const c of fixture.schedules) {
      const [fn, ...args] = c.ts;
      const sch = (optim as any)[fn](...args);
      c.values.forEach((v: number, step: number) => expect(sch(mx.array(step, mx.uint64)).item()).toBeCloseTo(v, 6));
    }
    expect(() => optim.stepDecay(0.1, 0.5, 0)).toThrow(/step_size/);
    expect(() => optim.joinSchedules([optim.linearSchedule(0, 1, 2)], [3])).toThrow(/boundaries/);
  });

  it('clipGradNorm matches MLX and returns [clipped, totalNorm]', () => {
    const c = F.clip;
    const g = mx.utils.treeUnflatten(pairs(c.grads));
    const [clipped, total] = optim.clipGradNorm(g, 1.0);
    expect(total.item()).toBeCloseTo(c.total, 4);
    expectTreeClose(clipped, c.clipped);
    const [same] = optim.clipGradNorm(g, 1e6);
    expectTreeClose(same, c.grads);
    expect(() => optim.clipGradNorm(g, -1)).toThrow(/max_norm/);
  });

  it('rejects invalid hyperparameters with typed errors', () => {
    expect(() => new optim.SGD(0.1, 0, 0, 0, true)).toThrow(mx.InvalidArgumentError);
    expect(() => new optim.Adam(0.1, [1.0, 0.9])).toThrow(/beta1/);
    expect(() => new optim.RMSprop(0.1, 0.9, 0)).toThrow(/epsilon/);
    expect(() => new optim.MultiOptimizer([new optim.SGD(0.1), new optim.SGD(0.1)])).toThrow(/filters/);
  });

  it('10,000 steps inside mx.tidy keep active memory flat', () => {
    const m = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 1));
    const opt = new optim.AdamW(1e-3);
    const vg = nn.valueAndGrad(m, (x: A, y: A) => nn.losses.mseLoss(m.forward(x), y));
    const x = mx.random.normal([32, 4]), y = mx.random.normal([32, 1]);
    const step = () => mx.tidy(() => {
      const [loss, g] = vg(x, y);
      opt.update(m, g);
      mx.eval(loss, m.parameters(), opt.state);
      return [m, opt.state];
    });
    for (let i = 0; i < 200; i++) step();
    const base = mx.getActiveMemory(), baseWrappers = mx.getWrappersCount();
    expect(base).toBeGreaterThan(0);
    let peak = base, low = base;
    for (let i = 0; i < 10000; i++) {
      step();
      if (i % 500 === 499) { const a = mx.getActiveMemory(); peak = Math.max(peak, a); low = Math.min(low, a); }
    }
    const end = mx.getActiveMemory();
    expect(Math.abs(end - base)).toBeLessThanOrEqual(0.05 * base);
    expect(peak - low).toBeLessThanOrEqual(0.05 * base);
    // nothing per step is left to the GC: the live wrapper count does not grow either
    expect(mx.getWrappersCount() - baseWrappers).toBeLessThanOrEqual(2);
  }, 300_000);

  it('disposeReplaced = false keeps replaced parameters usable', () => {
    const m = mlp();
    const before = m.parameters();
    const opt = new optim.SGD(0.1);
    opt.disposeReplaced = false;
    const vg = nn.valueAndGrad(m, (x: A, y: A) => nn.losses.mseLoss(m.forward(x), y));
    opt.update(m, vg(X, Y)[1]);
    expect(before.layers[0].weight.disposed).toBe(false);
    const opt2 = new optim.SGD(0.1);
    const before2 = m.parameters();
    opt2.update(m, vg(X, Y)[1]);
    expect(before2.layers[0].weight.disposed).toBe(true);
    expect(m.parameters().layers[0].weight.disposed).toBe(false);
  });
});
