// nn.Module: parameters are array fields, children are Module fields (or lists/records of
// them). Fields starting with '_' are private. Checkpoint keys in snake_case map to camelCase.
import * as mx from '@mlx/core';

const { utils } = mx;
type Tree = any;

const isArray = (v: unknown): v is mx.array => v instanceof mx.array;
const isModule = (v: unknown): v is Module => v instanceof Module;
const isPlain = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !isArray(v) && !isModule(v) && !Array.isArray(v) &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** snake_case → camelCase for one path component (digits and camelCase pass through). */
export const camelCase = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
/** camelCase → snake_case for one path component. */
export const snakeCase = (s: string) => s.replace(/(?<=[a-z0-9])[A-Z]/g, (c) => `_${c.toLowerCase()}`);

// Walks a field value keeping only arrays (filter decides) and recursing into modules/containers.
function collect(v: unknown, filter: (m: Module, key: string, value: mx.array) => boolean, owner: Module, key: string): Tree {
  if (isArray(v)) return filter(owner, key, v) ? v : undefined;
  if (isModule(v)) return v.filterParameters(filter);
  if (Array.isArray(v)) {
    const out = v.map((x, i) => collect(x, filter, owner, `${key}.${i}`));
    return out.some((x) => x !== undefined && !(isPlain(x) && Object.keys(x).length === 0)) ? out : undefined;
  }
  if (isPlain(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const c = collect(x, filter, owner, `${key}.${k}`);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return undefined;
}

export abstract class Module {
  /** Training mode flag (Dropout, BatchNorm read it). */
  training = true;
  private _frozen = new Set<string>();

  /** The computation. Modules are not callable: call `forward`. */
  abstract forward(...args: any[]): any;

  /** Public fields: keys not starting with '_' and not `training`. */
  protected fieldNames(): string[] {
    return Object.keys(this).filter((k) => !k.startsWith('_') && k !== 'training');
  }

  /** @internal parameters accepted by filter, as a nested record. */
  filterParameters(filter: (m: Module, key: string, value: mx.array) => boolean): Tree {
    const out: Record<string, unknown> = {};
    for (const k of this.fieldNames()) {
      const c = collect((this as any)[k], filter, this, k);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }

  /** All parameters (array fields, recursively) as a nested record. */
  parameters(): Tree { return this.filterParameters(() => true); }

  /** Parameters that are not frozen. */
  trainableParameters(): Tree { return this.filterParameters((m, key) => !m._frozen.has(key.split('.')[0])); }

  /** Direct child modules (fields holding modules, lists or records of modules). */
  children(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keepModules = (v: unknown): unknown => {
      if (isModule(v)) return v;
      if (Array.isArray(v)) { const l = v.map(keepModules).filter((x) => x !== undefined); return l.length ? l : undefined; }
      if (isPlain(v)) {
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) { const c = keepModules(x); if (c !== undefined) o[k] = c; }
        return Object.keys(o).length ? o : undefined;
      }
      return undefined;
    };
    for (const k of this.fieldNames()) { const c = keepModules((this as any)[k]); if (c !== undefined) out[k] = c; }
    return out;
  }

  /** [dotted path, module] for this module ('') and every descendant, depth first. */
  namedModules(): [string, Module][] {
    const out: [string, Module][] = [];
    const walk = (m: Module, prefix: string) => {
      out.push([prefix, m]);
      for (const [path, child] of utils.treeFlatten(m.children(), '', isModule)) walk(child as Module, prefix ? `${prefix}.${path}` : path);
    };
    walk(this, '');
    return out;
  }

  /** Modules without child modules. */
  leafModules(): [string, Module][] {
    return this.namedModules().filter(([, m]) => utils.treeFlatten(m.children(), '', isModule).length === 0);
  }

  /** Replaces the child module at a dotted path (`layers.0.attention`) by another module. */
  setModule(path: string, module: Module): this {
    const keys = path.split('.');
    let node: any = this;
    for (const k of keys.slice(0, -1)) {
      node = node?.[k];
      if (node === undefined || node === null) throw new mx.InvalidArgumentError(`[setModule] No module at '${path}'.`);
    }
    const last = keys[keys.length - 1];
    if (!(last in node)) throw new mx.InvalidArgumentError(`[setModule] No module at '${path}'.`);
    node[last] = module;
    return this;
  }

  /** Replaces parameters from a (partial) nested record shaped like parameters(). */
  update(params: Tree): this {
    const assign = (target: any, key: string | number, value: unknown) => {
      const cur = target[key];
      if (isArray(value) || value === null) { target[key] = value; return; }
      if (isModule(cur)) { cur.update(value); return; }
      if (Array.isArray(cur) && Array.isArray(value)) { value.forEach((v, i) => v !== undefined && assign(cur, i, v)); return; }
      if (cur !== null && typeof cur === 'object' && isPlain(value)) { for (const [k, v] of Object.entries(value)) assign(cur, k, v); return; }
      throw new mx.InvalidArgumentError(`[update] Cannot set parameter '${String(key)}' from ${typeof value}.`);
    };
    for (const [k, v] of Object.entries(params ?? {})) {
      if (!(k in this)) throw new mx.InvalidArgumentError(`[update] Module has no field '${k}'.`);
      assign(this, k, v);
    }
    return this;
  }

  /** Maps every parameter through fn (optionally only those accepted by filter). */
  apply(fn: (a: mx.array) => mx.array, filter?: (m: Module, key: string, a: mx.array) => boolean): this {
    return this.update(utils.treeMap((a: mx.array) => fn(a), this.filterParameters(filter ?? (() => true)), [], isArray));
  }

  /** Freezes parameters (all, or the named top-level keys), here and in every descendant when recurse. */
  freeze(keys?: string | string[], recurse = true): this {
    const names = keys === undefined ? undefined : Array.isArray(keys) ? keys : [keys];
    for (const [, m] of recurse ? this.namedModules() : [['', this] as [string, Module]]) {
      for (const k of m.fieldNames()) if (!names || names.includes(k)) if (!isModule((m as any)[k])) m._frozen.add(k);
    }
    return this;
  }

  unfreeze(keys?: string | string[], recurse = true): this {
    const names = keys === undefined ? undefined : Array.isArray(keys) ? keys : [keys];
    for (const [, m] of recurse ? this.namedModules() : [['', this] as [string, Module]]) {
      for (const k of [...m._frozen]) if (!names || names.includes(k)) m._frozen.delete(k);
    }
    return this;
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this { return this.train(false); }

  /** Casts floating-point parameters (or those accepted by predicate) to dtype. */
  setDtype(dtype: mx.Dtype, predicate: (d: mx.Dtype) => boolean = (d) => mx.issubdtype(d, mx.floating)): this {
    return this.apply((a) => (predicate(a.dtype) ? mx.astype(a, dtype) : a));
  }

  /**
   * Loads weights from a .safetensors/.npz file or [key, array] pairs. Keys may be snake_case
   * (`layers.0.self_attn.q_proj.weight`). strict: every parameter must be given, with matching
   * shapes, and no extra keys.
   */
  loadWeights(fileOrPairs: string | [string, mx.array][], strict = true): this {
    const pairs: [string, mx.array][] = typeof fileOrPairs === 'string'
      ? Object.entries(mx.load(fileOrPairs) as Record<string, mx.array>) : fileOrPairs;
    const mapped = pairs.map(([k, v]) => [k.split('.').map(camelCase).join('.'), v] as [string, mx.array]);
    if (strict) {
      const current = new Map(utils.treeFlatten(this.parameters(), '', isArray) as [string, mx.array][]);
      const given = new Set(mapped.map(([k]) => k));
      const extra = mapped.filter(([k]) => !current.has(k)).map(([k]) => k);
      if (extra.length) throw new mx.InvalidArgumentError(`[loadWeights] Received parameters not in the model: ${extra.slice(0, 8).join(', ')}.`);
      const missing = [...current.keys()].filter((k) => !given.has(k));
      if (missing.length) throw new mx.InvalidArgumentError(`[loadWeights] Missing parameters: ${missing.slice(0, 8).join(', ')}.`);
      for (const [k, v] of mapped) {
        const cur = current.get(k)!;
        if (cur.shape.join(',') !== v.shape.join(',')) {
          throw new mx.ShapeError(`[loadWeights] Expected shape [${cur.shape}] for '${k}', got [${v.shape}].`);
        }
      }
    }
    return this.update(utils.treeUnflatten(mapped));
  }

  /** Saves parameters as safetensors with snake_case keys. */
  saveWeights(path: string): void {
    const flat = utils.treeFlatten(this.parameters(), '', isArray) as [string, mx.array][];
    mx.saveSafetensors(path, Object.fromEntries(flat.map(([k, v]) => [k.split('.').map(snakeCase).join('.'), v])));
  }
}

/**
 * nn.valueAndGrad(model, lossFn): returns (...args) => [loss, grads] with grads shaped like
 * model.trainableParameters(). The model's parameters are restored after tracing.
 */
export function valueAndGrad<F extends (...args: any[]) => any>(model: Module, lossFn: F): (...args: Parameters<F>) => [ReturnType<F>, Tree] {
  const inner = (params: Tree, ...args: any[]) => {
    model.update(params);
    return lossFn(...args);
  };
  const vg = mx.valueAndGrad(inner);
  return (...args: Parameters<F>) => {
    const params = model.trainableParameters();
    try {
      return vg(params, ...args) as [ReturnType<F>, Tree];
    } finally {
      model.update(params);
    }
  };
}
