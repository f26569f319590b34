// Tree utilities (mlx.utils): a tree is nested plain objects, lists and Maps with arrays
// (or other values) at the leaves.
import { N } from '../native.js';

export type Tree<T = unknown> = T | Tree<T>[] | { [k: string]: Tree<T> };

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object' || v instanceof N.NativeArray || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
};
const isNode = (v: unknown) => Array.isArray(v) || isPlainObject(v);

/** Applies fn to every leaf (leaves of `rest` trees at the same paths are passed along). */
export function treeMap(fn: (leaf: any, ...rest: any[]) => any, tree: unknown, rest: unknown[] = [],
                        isLeaf?: (v: unknown) => boolean): any {
  if (isLeaf?.(tree) || !isNode(tree)) return fn(tree, ...rest);
  if (Array.isArray(tree)) return tree.map((v, i) => treeMap(fn, v, rest.map((r: any) => r[i]), isLeaf));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(tree as object)) out[k] = treeMap(fn, v, rest.map((r: any) => r[k]), isLeaf);
  return out;
}

/** Like treeMap, with the dotted path of each leaf as the first argument. */
export function treeMapWithPath(fn: (path: string, leaf: any, ...rest: any[]) => any, tree: unknown,
                                rest: unknown[] = [], isLeaf?: (v: unknown) => boolean, path = ''): any {
  if (isLeaf?.(tree) || !isNode(tree)) return fn(path, tree, ...rest);
  const join = (k: string | number) => (path ? `${path}.${k}` : String(k));
  if (Array.isArray(tree)) return tree.map((v, i) => treeMapWithPath(fn, v, rest.map((r: any) => r[i]), isLeaf, join(i)));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(tree as object)) out[k] = treeMapWithPath(fn, v, rest.map((r: any) => r[k]), isLeaf, join(k));
  return out;
}

/** [path, leaf] pairs in depth-first order; paths are dotted (`layers.0.weight`). */
export function treeFlatten(tree: unknown, prefix = '', isLeaf?: (v: unknown) => boolean): [string, any][] {
  const out: [string, any][] = [];
  const walk = (v: unknown, path: string) => {
    if (isLeaf?.(v) || !isNode(v)) { out.push([path, v]); return; }
    const join = (k: string | number) => (path ? `${path}.${k}` : String(k));
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, join(i)));
    else for (const [k, x] of Object.entries(v as object)) walk(x, join(k));
  };
  walk(tree, prefix);
  return out;
}

/** Inverse of treeFlatten: numeric path components build lists, others objects. */
export function treeUnflatten(pairs: [string, any][]): any {
  if (pairs.length === 1 && pairs[0][0] === '') return pairs[0][1];
  const root: any = {};
  for (const [path, value] of pairs) {
    const keys = path.split('.');
    let node = root;
    keys.forEach((k, i) => {
      if (i === keys.length - 1) node[k] = value;
      else node = node[k] ??= {};
    });
  }
  const toLists = (n: any): any => {
    if (!isPlainObject(n)) return n;
    const keys = Object.keys(n);
    const fixed: any = {};
    for (const k of keys) fixed[k] = toLists(n[k]);
    if (keys.length && keys.every((k, i) => String(i) === k)) return keys.map((k) => fixed[k]);
    return fixed;
  };
  return toLists(root);
}

/** Folds fn over the leaves. */
export function treeReduce<T>(fn: (acc: T, leaf: any) => T, tree: unknown, initial: T,
                              isLeaf?: (v: unknown) => boolean): T {
  let acc = initial;
  for (const [, leaf] of treeFlatten(tree, '', isLeaf)) acc = fn(acc, leaf);
  return acc;
}

/** Merges trees with disjoint leaves into one. */
export function treeMerge(a: unknown, b: unknown): any {
  if (a === undefined || a === null) return b;
  if (b === undefined || b === null) return a;
  if (Array.isArray(a) && Array.isArray(b)) return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => treeMerge(a[i], b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = treeMerge(out[k], v);
    return out;
  }
  throw new TypeError('[treeMerge] Trees overlap at a leaf.');
}
