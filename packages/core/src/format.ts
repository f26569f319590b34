// MLX-style printing: `array([1, 2.5], dtype=float32)`, numbers as C++ streams print them (%g).
import type { array } from './array.js';

/** Formats like C++ `ostream << float` (6 significant digits, %g rules). */
export function formatG(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [m, e] = x.toExponential(5).split('e');
  const exp = Number(e);
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 6) return `${trim(m)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return trim(x.toFixed(Math.max(0, 5 - exp)));
}

function formatScalar(v: unknown, isFloat: boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'object' && v !== null) {
    const c = v as { re: number; im: number };
    const im = formatG(Math.abs(c.im));
    return `${formatG(c.re)}${c.im < 0 || Object.is(c.im, -0) ? '-' : '+'}${im}j`;
  }
  return isFloat ? formatG(v as number) : String(v);
}

const EDGE = 3, THRESHOLD = 1000;

export function formatArray(a: array): string {
  const dt = a.dtype.name;
  const isFloat = dt.startsWith('float') || dt === 'bfloat16';
  const prefix = 'array(';
  if (a.ndim === 0) return `${prefix}${formatScalar(a.item(), isFloat)}, dtype=${dt})`;
  if (a.size === 0) return `${prefix}[], dtype=${dt})`;
  const summarize = a.size > THRESHOLD;
  const list = a.tolist();
  const fmt = (v: any, depth: number): string => {
    if (depth === a.ndim) return formatScalar(v, isFloat);
    const items: any[] = v;
    const parts: string[] = [];
    const n = items.length;
    const idx = summarize && n > 2 * EDGE ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];
    for (const i of idx) parts.push(i < 0 ? '...' : fmt(items[i], depth + 1));
    const indent = ' '.repeat(prefix.length + depth + 1);
    const sep = depth === a.ndim - 1 ? ', ' : `,\n${indent}`;
    return `[${parts.join(sep)}]`;
  };
  return `${prefix}${fmt(list, 0)}, dtype=${dt})`;
}
