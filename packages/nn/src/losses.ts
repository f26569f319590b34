// nn.losses: MLX's loss functions with the same arguments (positional) and reductions.
import * as mx from '@mlx/core';

type A = mx.array;
export type Reduction = 'none' | 'mean' | 'sum';

function reduce(loss: A, reduction: Reduction = 'none'): A {
  if (reduction === 'mean') return mx.mean(loss);
  if (reduction === 'sum') return mx.sum(loss);
  if (reduction === 'none') return loss;
  throw new mx.InvalidArgumentError(`Invalid reduction. Must be one of ["none", "mean", "sum"].`);
}
const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const fmt = (s: number[]) => `(${s.join(', ')})`;
function checkShapes(what: string, a: A, b: A, an = 'Predictions', bn = 'targets') {
  if (!same(a.shape, b.shape)) throw new mx.ShapeError(`${an} shape ${fmt(a.shape)} does not match ${bn} shape ${fmt(b.shape)}.`);
}
function applyWeights(loss: A, weights?: A | null): A {
  if (!weights) return loss;
  if (!same(weights.shape, loss.shape)) {
    throw new mx.ShapeError(`Weights with shape ${fmt(weights.shape)} is not the same as output loss with shape ${fmt(loss.shape)}.`);
  }
  return mx.multiply(loss, weights);
}
const normAxis = (axis: number, ndim: number) => (axis < 0 ? axis + ndim : axis);

/** Cross entropy over `axis`; targets are class indices, or probabilities shaped like logits. */
export function crossEntropy(logits: A, targets: A, weights?: A | null, axis = -1, labelSmoothing = 0.0, reduction: Reduction = 'none'): A {
  if (labelSmoothing < 0 || labelSmoothing >= 1) throw new mx.InvalidArgumentError(`Label smoothing must be in [0, 1), got ${labelSmoothing}.`);
  const asProbs = targets.ndim === logits.ndim;
  const dropped = logits.shape.filter((_, i) => i !== normAxis(axis, logits.ndim));
  if ((asProbs && !same(targets.shape, logits.shape)) || (!asProbs && !same(targets.shape, dropped))) {
    throw new mx.ShapeError(`Targets shape ${fmt(targets.shape)} does not match logits shape ${fmt(logits.shape)}.`);
  }
  const z = mx.subtract(logits, mx.stopGradient(mx.max(logits, axis, true)));
  const score = asProbs ? mx.sum(mx.multiply(z, targets), axis)
    : mx.squeeze(mx.takeAlongAxis(z, mx.expandDims(targets, axis), axis), axis);
  const lse = mx.logsumexp(z, axis);
  let loss: A;
  if (labelSmoothing > 0) {
    const adjusted = mx.multiply(1 - labelSmoothing, score);
    const smoothed = mx.multiply(mx.negative(mx.mean(z, axis)), labelSmoothing);
    loss = mx.add(mx.subtract(lse, adjusted), smoothed);
  } else loss = mx.subtract(lse, score);
  return reduce(applyWeights(loss, weights), reduction);
}

export function binaryCrossEntropy(inputs: A, targets: A, weights?: A | null, withLogits = true, reduction: Reduction = 'mean'): A {
  checkShapes('binaryCrossEntropy', inputs, targets, 'Inputs');
  let loss: A;
  if (withLogits) loss = mx.subtract(mx.logaddexp(0.0, inputs), mx.multiply(inputs, targets));
  else {
    const logIn = mx.clip(mx.log(inputs), -100, null);
    const logInv = mx.clip(mx.log(mx.subtract(1, inputs)), -100, null);
    loss = mx.negative(mx.add(mx.multiply(targets, logIn), mx.multiply(mx.subtract(1, targets), logInv)));
  }
  return reduce(applyWeights(loss, weights), reduction);
}

export function l1Loss(predictions: A, targets: A, reduction: Reduction = 'mean'): A {
  checkShapes('l1Loss', predictions, targets);
  return reduce(mx.abs(mx.subtract(predictions, targets)), reduction);
}

export function mseLoss(predictions: A, targets: A, reduction: Reduction = 'mean'): A {
  checkShapes('mseLoss', predictions, targets);
  return reduce(mx.square(mx.subtract(predictions, targets)), reduction);
}

export function nllLoss(inputs: A, targets: A, axis = -1, reduction: Reduction = 'none'): A {
  return reduce(mx.negative(mx.squeeze(mx.takeAlongAxis(inputs, mx.expandDims(targets, axis), axis), axis)), reduction);
}

export function gaussianNllLoss(inputs: A, targets: A, vars: A, full = false, eps = 1e-6, reduction: Reduction = 'mean'): A {
  checkShapes('gaussianNllLoss', inputs, targets, 'Inputs');
  checkShapes('gaussianNllLoss', inputs, vars, 'Inputs', 'vars');
  const v = mx.maximum(vars, eps);
  let loss = mx.multiply(0.5, mx.add(mx.log(v), mx.divide(mx.square(mx.subtract(targets, inputs)), v)));
  if (full) loss = mx.add(loss, 0.5 * Math.log(2 * Math.PI));
  return reduce(loss, reduction);
}

/** inputs and targets are log-probabilities. */
export function klDivLoss(inputs: A, targets: A, axis = -1, reduction: Reduction = 'none'): A {
  return reduce(mx.sum(mx.multiply(mx.exp(targets), mx.subtract(targets, inputs)), axis), reduction);
}

export function smoothL1Loss(predictions: A, targets: A, beta = 1.0, reduction: Reduction = 'mean'): A {
  checkShapes('smoothL1Loss', predictions, targets);
  const diff = mx.abs(mx.subtract(predictions, targets));
  const loss = mx.where(mx.less(diff, beta), mx.divide(mx.multiply(0.5, mx.square(diff)), beta), mx.subtract(mx.abs(diff), 0.5 * beta));
  return reduce(loss, reduction);
}

export function tripletLoss(anchors: A, positives: A, negatives: A, axis = -1, p = 2, margin = 1.0, eps = 1e-6, reduction: Reduction = 'none'): A {
  const dist = (o: A) => mx.power(mx.add(mx.sum(mx.power(mx.abs(mx.subtract(anchors, o)), p), axis), eps), 1.0 / p);
  return reduce(mx.maximum(mx.add(mx.subtract(dist(positives), dist(negatives)), margin), 0), reduction);
}

export function hingeLoss(inputs: A, targets: A, reduction: Reduction = 'none'): A {
  return reduce(mx.maximum(mx.subtract(1, mx.multiply(inputs, targets)), 0), reduction);
}

export function huberLoss(inputs: A, targets: A, delta = 1.0, reduction: Reduction = 'none'): A {
  const abs = mx.abs(mx.subtract(inputs, targets));
  const quadratic = mx.minimum(abs, delta);
  const linear = mx.subtract(abs, quadratic);
  return reduce(mx.add(mx.multiply(0.5, mx.square(quadratic)), mx.multiply(delta, linear)), reduction);
}

export function logCoshLoss(inputs: A, targets: A, reduction: Reduction = 'none'): A {
  const e = mx.subtract(inputs, targets);
  return reduce(mx.subtract(mx.logaddexp(e, mx.negative(e)), Math.log(2)), reduction);
}

export function cosineSimilarityLoss(x1: A, x2: A, axis = 1, eps = 1e-8, reduction: Reduction = 'none'): A {
  const n1 = mx.sqrt(mx.sum(mx.square(x1), axis));
  const n2 = mx.sqrt(mx.sum(mx.square(x2), axis));
  return reduce(mx.divide(mx.sum(mx.multiply(x1, x2), axis), mx.maximum(mx.multiply(n1, n2), eps)), reduction);
}

export function marginRankingLoss(inputs1: A, inputs2: A, targets: A, margin = 0.0, reduction: Reduction = 'none'): A {
  if (!(same(inputs1.shape, inputs2.shape) && same(inputs1.shape, targets.shape))) {
    throw new mx.ShapeError(`The shapes of the arguments do not match. The provided shapes are inputs1.shape=${fmt(inputs1.shape)}, inputs2.shape=${fmt(inputs2.shape)}, and targets.shape=${fmt(targets.shape)}.`);
  }
  return reduce(mx.maximum(0, mx.add(mx.multiply(mx.negative(targets), mx.subtract(inputs1, inputs2)), margin)), reduction);
}
