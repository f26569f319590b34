// Learning-rate schedules (mlx.optimizers.schedulers): each returns (step: array) => array.
import * as mx from '@mlx/core';

type A = mx.array;
export type Schedule = (step: A) => A;

export const exponentialDecay = (init: number, decayRate: number): Schedule =>
  (step) => mx.multiply(init, mx.power(decayRate, step));

export function stepDecay(init: number, decayRate: number, stepSize: number): Schedule {
  if (stepSize < 1) throw new mx.InvalidArgumentError(`step_size must be greater than 0, but got ${stepSize}.`);
  return (step) => mx.multiply(init, mx.power(decayRate, mx.floorDivide(step, stepSize)));
}

export function cosineDecay(init: number, decaySteps: number, end = 0.0): Schedule {
  if (decaySteps < 1) throw new mx.InvalidArgumentError(`decay_steps must be greater than 0, but got ${decaySteps}.`);
  return (step) => {
    const s = mx.minimum(step, decaySteps);
    const decay = mx.multiply(0.5, mx.add(1.0, mx.cos(mx.multiply(Math.PI / decaySteps, s))));
    return mx.add(end, mx.multiply(decay, init - end));
  };
}

export function joinSchedules(schedules: Schedule[], boundaries: number[]): Schedule {
  if (schedules.length === 0) throw new mx.InvalidArgumentError('Must provide at least 1 schedule to join.');
  if (schedules.length !== boundaries.length + 1) {
    throw new mx.InvalidArgumentError(`Received ${boundaries.length} boundaries but expected ${schedules.length - 1}.`);
  }
  return (step) => {
    let out = schedules[0](step);
    boundaries.forEach((b, i) => { out = mx.where(mx.less(step, b), out, schedules[i + 1](mx.subtract(step, b))); });
    return out;
  };
}

export function linearSchedule(init: number, end: number, steps: number): Schedule {
  if (steps < 1) throw new mx.InvalidArgumentError(`steps must be greater than 0, but got ${steps}.`);
  return (step) => mx.add(mx.multiply(mx.minimum(step, steps), (end - init) / steps), init);
}
