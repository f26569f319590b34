// Loads packages/nn/test/fixtures/nn.json (written by scripts/oracles/nn.py) and compares trees.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx/core';
import { decode, expectArrayClose, type EncodedArray } from '../../../core/test/helpers/fixtures.js';
import * as nn from '@mlx/nn';

export { decode, expectArrayClose, type EncodedArray };
export const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'nn.json'), 'utf8'));

/** [snake_case path, array] pairs from an encoded record. */
export const pairs = (rec: Record<string, EncodedArray>): [string, mx.array][] =>
  Object.entries(rec).map(([k, v]) => [k, decode(v)]);

/** Flattens a parameter/gradient tree to snake_case dotted paths (arrays only). */
export function flatSnake(tree: unknown): Map<string, mx.array> {
  const out = new Map<string, mx.array>();
  for (const [k, v] of mx.utils.treeFlatten(tree, '', (x) => x instanceof mx.array)) {
    if (v instanceof mx.array) out.set(k.split('.').map(nn.snakeCase).join('.'), v);
  }
  return out;
}

/** Asserts that `tree` holds exactly the expected arrays (same paths), within tolerance. */
export function expectTreeClose(tree: unknown, expected: Record<string, EncodedArray>, rtol?: number, atol?: number) {
  const got = flatSnake(tree);
  const keys = Object.keys(expected).sort();
  if ([...got.keys()].sort().join(',') !== keys.join(',')) {
    throw new Error(`tree paths differ: got [${[...got.keys()].sort()}], expected [${keys}]`);
  }
  for (const k of keys) {
    try { expectArrayClose(got.get(k)!, expected[k], rtol, atol); } catch (e) { throw new Error(`${k}: ${(e as Error).message}`); }
  }
}
