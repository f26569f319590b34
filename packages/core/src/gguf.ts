// GGUF v2/v3 reader and writer. The header is parsed from the mapped file with every length
// checked before use; tensor bytes stay in the mapping. Q4_0/Q4_1/Q8_0 load as MLX affine
// quantized triples (`x.weight` uint32, `x.scales`, `x.biases`), like mx.load in MLX; other
// quantized types are dequantized exactly (as the reference `gguf` package does).
import { writeFileSync } from 'node:fs';
import type { array } from './array.js';
import { dtypes, type Dtype } from './dtype.js';
import { InvalidArgumentError, MalformedFileError } from './errors.js';
import { track } from './memory.js';
import { N } from './native.js';
import { evalArrays } from './transforms.js';

export const GGML_TYPES = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q4_K: 12, Q5_K: 13, Q6_K: 14, BF16: 30,
} as const;
export type GgmlTypeName = keyof typeof GGML_TYPES;
const TYPE_NAME = Object.fromEntries(Object.entries(GGML_TYPES).map(([k, v]) => [v, k])) as Record<number, GgmlTypeName>;
const BLOCK: Record<number, [number, number]> = {
  0: [1, 4], 1: [1, 2], 30: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34],
  12: [256, 144], 13: [256, 176], 14: [256, 210],
};

export type GgufValue = number | bigint | boolean | string | GgufValue[];
export interface GgufTensorInfo {
  name: string;
  type: GgmlTypeName;
  /** MLX order (the reverse of GGUF's ne). */
  shape: number[];
  /** Absolute byte offset in the file. */
  offset: number;
  nbytes: number;
}
export interface GgufHeader {
  version: number;
  metadata: Record<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
}

class Reader {
  pos = 0;
  private view: DataView;
  private decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }); // a token may be U+FEFF
  constructor(private bytes: Uint8Array, private file: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  fail(what: string): never { throw new MalformedFileError(`[load] ${this.file}: ${what} (at byte ${this.pos}).`); }
  need(n: number) { if (n < 0 || this.pos + n > this.bytes.length) this.fail(`needs ${n} more bytes than the file has`); }
  u8() { this.need(1); return this.view.getUint8(this.pos++); }
  u32() { this.need(4); const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('a 64-bit count or size is too large');
    return Number(v);
  }
  str(): string {
    const n = this.u64();
    this.need(n);
    const s = this.decoder.decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  value(type: number, depth = 0): GgufValue {
    const v = this.view;
    const at = (n: number) => { this.need(n); const p = this.pos; this.pos += n; return p; };
    switch (type) {
      case 0: return v.getUint8(at(1));
      case 1: return v.getInt8(at(1));
      case 2: return v.getUint16(at(2), true);
      case 3: return v.getInt16(at(2), true);
      case 4: return v.getUint32(at(4), true);
      case 5: return v.getInt32(at(4), true);
      case 6: return v.getFloat32(at(4), true);
      case 7: return v.getUint8(at(1)) !== 0;
      case 8: return this.str();
      case 9: {
        if (depth > 4) this.fail('arrays nested too deeply');
        const t = this.u32(), n = this.u64();
        if (n > this.bytes.length - this.pos) this.fail(`array of ${n} items cannot fit`);
        const out: GgufValue[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.value(t, depth + 1);
        return out;
      }
      case 10: { const x = v.getBigUint64(at(8), true); return x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x; }
      case 11: { const x = v.getBigInt64(at(8), true); return x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x; }
      case 12: return v.getFloat64(at(8), true);
      default: return this.fail(`unknown metadata value type ${type}`);
    }
  }
}

function parseHeader(bytes: Uint8Array, file: string): GgufHeader {
  const r = new Reader(bytes, file);
  r.need(4);
  if (bytes[0] !== 0x47 || bytes[1] !== 0x47 || bytes[2] !== 0x55 || bytes[3] !== 0x46) r.fail('not a GGUF file (bad magic)');
  r.pos = 4;
  const version = r.u32();
  if (version < 2 || version > 3) r.fail(`unsupported GGUF version ${version}`);
  const nTensors = r.u64(), nKv = r.u64();
  if (nTensors > 1e7 || nKv > 1e7) r.fail('implausible tensor or metadata count');
  const metadata: Record<string, GgufValue> = {};
  for (let i = 0; i < nKv; i++) {
    const key = r.str();
    metadata[key] = r.value(r.u32());
  }
  const alignment = typeof metadata['general.alignment'] === 'number' ? (metadata['general.alignment'] as number) : 32;
  if (!(alignment > 0 && (alignment & (alignment - 1)) === 0)) r.fail(`bad general.alignment ${alignment}`);
  const infos: { name: string; type: number; ne: number[]; rel: number }[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = r.str();
    const nd = r.u32();
    if (nd > 8) r.fail(`tensor '${name}' has ${nd} dimensions`);
    const ne: number[] = [];
    for (let d = 0; d < nd; d++) ne.push(r.u64());
    const type = r.u32();
    infos.push({ name, type, ne, rel: r.u64() });
  }
  const dataStart = Math.ceil(r.pos / alignment) * alignment;
  const tensors = infos.map(({ name, type, ne, rel }) => {
    const blk = BLOCK[type];
    if (!blk) throw new MalformedFileError(`[load] ${file}: tensor '${name}' has unsupported type ${type}.`);
    const n = ne.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(n) || n % blk[0] !== 0) throw new MalformedFileError(`[load] ${file}: tensor '${name}' has a bad shape [${ne}].`);
    const nbytes = (n / blk[0]) * blk[1];
    const offset = dataStart + rel;
    if (offset + nbytes > bytes.length) throw new MalformedFileError(`[load] ${file}: tensor '${name}' (bytes ${offset}..${offset + nbytes}) runs past the end of the file (${bytes.length}).`);
    return { name, type: TYPE_NAME[type], shape: [...ne].reverse(), offset, nbytes };
  });
  return { version, metadata, tensors, alignment };
}

/** Reads a GGUF file's metadata and tensor table without touching tensor data. */
export function readGgufHeader(path: string): GgufHeader {
  const map: { handle: unknown } = N.mmapFile(path);
  return parseHeader(new Uint8Array(N.mappingBuffer(map.handle)), path);
}

const dtypeOf = (name: string): Dtype => dtypes.find((d) => d.name === name)!;

/**
 * Loads every tensor of a GGUF file. Returns [arrays, metadata]. Q4_0/Q4_1/Q8_0 weights become
 * `<base>.weight` (uint32), `<base>.scales`, `<base>.biases` (float16) with group size 32 (bits 4 or 8);
 * other quantized types are dequantized to float32 (exactly as the reference implementation).
 */
export function loadGguf(path: string, options: { dequantize?: boolean; kQuantsAsAffine?: boolean } = {}): [Record<string, array>, Record<string, GgufValue>] {
  const map: { handle: unknown } = N.mmapFile(path);
  const header = parseHeader(new Uint8Array(N.mappingBuffer(map.handle)), path);
  const out: Record<string, array> = {};
  for (const t of header.tensors) {
    const code = GGML_TYPES[t.type];
    if (t.type === 'F32' || t.type === 'F16' || t.type === 'BF16') {
      const dt = dtypeOf(t.type === 'F32' ? 'float32' : t.type === 'F16' ? 'float16' : 'bfloat16');
      out[t.name] = track(N.fromMapping(map.handle, t.offset, t.shape, dt.id));
      continue;
    }
    const affine = !options.dequantize && (t.type === 'Q4_0' || t.type === 'Q4_1' || t.type === 'Q8_0') && t.shape.length >= 1;
    if (affine) {
      const cols = t.shape[t.shape.length - 1], rows = t.nbytes / BLOCK[code][1] / (cols / 32);
      const res = Number.isInteger(rows) ? N.ggufToAffine(map.handle, t.offset, code, rows, cols) : null;
      if (res) {
        const base = t.name.endsWith('.weight') ? t.name.slice(0, -7) : t.name;
        const lead = t.shape.slice(0, -1);
        out[t.name] = track(N.reshape(res[0], [...lead, res[0].shape[1]]));
        out[`${base}.scales`] = track(N.reshape(res[1], [...lead, res[1].shape[1]]));
        out[`${base}.biases`] = track(N.reshape(res[2], [...lead, res[2].shape[1]]));
        continue;
      }
    }
    if (!options.dequantize && options.kQuantsAsAffine && t.shape.length === 2 && KQUANT_TO_AFFINE[t.type]) {
      const bytes = new Uint8Array(N.mappingBuffer(map.handle), t.offset, t.nbytes);
      const [rows, cols] = t.shape;
      const a = KQUANT_TO_AFFINE[t.type]!(bytes, rows, cols);
      const base = t.name.endsWith('.weight') ? t.name.slice(0, -7) : t.name;
      const groups = cols / a.groupSize;
      out[t.name] = track(N.reshape(N.fromBuffer(a.packed, [a.packed.length], dtypeOf('uint32').id), [rows, (cols * a.bits) / 32]));
      out[`${base}.scales`] = track(N.reshape(N.fromBuffer(a.scales, [a.scales.length], dtypeOf('float32').id), [rows, groups]));
      out[`${base}.biases`] = track(N.reshape(N.fromBuffer(a.biases, [a.biases.length], dtypeOf('float32').id), [rows, groups]));
      continue;
    }
    out[t.name] = track(N.ggufDequantize(map.handle, t.offset, code, t.shape));
  }
  return [out, header.metadata];
}

// ---- exact affine forms of other GGML block types (opt-in: `kQuantsAsAffine`) ----
// Each returns MLX affine data (packed little-endian bit stream per row, float32 scale and bias per group) whose
// values s·q + b equal the GGML dequantization exactly in float32:
//   Q4_K -> 4 bits, group 32: s = d·sc, b = −dmin·m (per 32-element sub-block)
//   Q5_0 -> 8 bits, group 32: s = d, b = −16·d (q in 0..31)
//   Q6_K -> 8 bits, group 16: s = d·sc, b = −32·d·sc (q in 0..63; 16-element sub-blocks)
interface AffineForm { packed: Uint32Array; scales: Float32Array; biases: Float32Array; bits: number; groupSize: number }
const f16 = (v: DataView, o: number) => halfToFloat(v.getUint16(o, true));
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function q4kToAffine(src: Uint8Array, rows: number, cols: number): AffineForm {
  const n = rows * cols, nb = n / 256;
  const q = new Uint8Array(n / 2), scales = new Float32Array(n / 32), biases = new Float32Array(n / 32);
  const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let b = 0; b < nb; b++) {
    const o = b * 144, d = f16(v, o), dmin = f16(v, o + 2), sc = o + 4, qs = o + 16;
    for (let j = 0; j < 8; j++) {
      let s: number, m: number;
      if (j < 4) { s = src[sc + j] & 63; m = src[sc + j + 4] & 63; }
      else {
        s = (src[sc + j + 4] & 0xf) | ((src[sc + j - 4] >> 6) << 4);
        m = (src[sc + j + 4] >> 4) | ((src[sc + j] >> 6) << 4);
      }
      scales[b * 8 + j] = Math.fround(d * s);
      biases[b * 8 + j] = -Math.fround(dmin * m);
      // sub-block j: 32 nibbles, low (even j) or high (odd j) halves of bytes qs[32·(j>>1) ..]
      const base = qs + 32 * (j >> 1), shift = (j & 1) * 4, outByte = (b * 256 + j * 32) / 2;
      for (let l = 0; l < 32; l += 2) {
        const lo = (src[base + l] >> shift) & 0xf, hi = (src[base + l + 1] >> shift) & 0xf;
        q[outByte + l / 2] = lo | (hi << 4);
      }
    }
  }
  return { packed: new Uint32Array(q.buffer), scales, biases, bits: 4, groupSize: 32 };
}

function q50ToAffine(src: Uint8Array, rows: number, cols: number): AffineForm {
  const n = rows * cols, nb = n / 32;
  const q = new Uint8Array(n), scales = new Float32Array(nb), biases = new Float32Array(nb);
  const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let b = 0; b < nb; b++) {
    const o = b * 22, d = f16(v, o), qh = v.getUint32(o + 2, true), qs = o + 6, out = b * 32;
    for (let j = 0; j < 16; j++) {
      q[out + j] = (src[qs + j] & 0xf) | (((qh >>> j) & 1) << 4);
      q[out + j + 16] = (src[qs + j] >> 4) | (((qh >>> (j + 16)) & 1) << 4);
    }
    scales[b] = d;
    biases[b] = -16 * d;
  }
  return { packed: new Uint32Array(q.buffer), scales, biases, bits: 8, groupSize: 32 };
}

function q6kToAffine(src: Uint8Array, rows: number, cols: number): AffineForm {
  const n = rows * cols, nb = n / 256;
  const q = new Uint8Array(n), scales = new Float32Array(n / 16), biases = new Float32Array(n / 16);
  const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let b = 0; b < nb; b++) {
    const o = b * 210, d = f16(v, o + 208);
    for (let half = 0; half < 2; half++) {
      const ql = o + half * 64, qh = o + 128 + half * 32, out = b * 256 + half * 128;
      for (let l = 0; l < 32; l++) {
        const h = src[qh + l];
        q[out + l] = (src[ql + l] & 0xf) | ((h & 3) << 4);
        q[out + l + 32] = (src[ql + l + 32] & 0xf) | (((h >> 2) & 3) << 4);
        q[out + l + 64] = (src[ql + l] >> 4) | (((h >> 4) & 3) << 4);
        q[out + l + 96] = (src[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4);
      }
    }
    for (let j = 0; j < 16; j++) {
      const s = Math.fround(d * v.getInt8(o + 192 + j));
      scales[b * 16 + j] = s;
      biases[b * 16 + j] = -32 * s;
    }
  }
  return { packed: new Uint32Array(q.buffer), scales, biases, bits: 8, groupSize: 16 };
}

const KQUANT_TO_AFFINE: Partial<Record<GgmlTypeName, (b: Uint8Array, rows: number, cols: number) => AffineForm>> = {
  Q4_K: q4kToAffine, Q5_0: q50ToAffine, Q6_K: q6kToAffine,
};

/** How saveGguf stores a metadata value: inferred from JS values, or given explicitly. */
export type GgufMetadataInput = GgufValue | { type: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'string' | 'u64' | 'i64' | 'f64'; value: GgufValue };
const VT: Record<string, number> = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 };

class Writer {
  private chunks: Buffer[] = [];
  size = 0;
  push(b: Buffer) { this.chunks.push(b); this.size += b.length; }
  u32(v: number) { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.push(b); }
  u64(v: number | bigint) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.push(b); }
  str(s: string) { const b = Buffer.from(s, 'utf8'); this.u64(b.length); this.push(b); }
  scalar(type: number, v: GgufValue) {
    const b = Buffer.alloc([1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8][type]);
    switch (type) {
      case 0: b.writeUInt8(Number(v)); break;
      case 1: b.writeInt8(Number(v)); break;
      case 2: b.writeUInt16LE(Number(v)); break;
      case 3: b.writeInt16LE(Number(v)); break;
      case 4: b.writeUInt32LE(Number(v)); break;
      case 5: b.writeInt32LE(Number(v)); break;
      case 6: b.writeFloatLE(Number(v)); break;
      case 7: b.writeUInt8(v ? 1 : 0); break;
      case 8: this.str(String(v)); return;
      case 10: b.writeBigUInt64LE(BigInt(v as any)); break;
      case 11: b.writeBigInt64LE(BigInt(v as any)); break;
      case 12: b.writeDoubleLE(Number(v)); break;
    }
    this.push(b);
  }
  concat() { return Buffer.concat(this.chunks); }
}

function inferType(v: GgufValue): number {
  if (typeof v === 'string') return VT.string;
  if (typeof v === 'boolean') return VT.bool;
  if (typeof v === 'bigint') return VT.i64;
  if (typeof v === 'number') return Number.isInteger(v) ? (v >= 0 ? VT.u32 : VT.i32) : VT.f32;
  return VT.array;
}

/**
 * Writes arrays and metadata as GGUF v3. `quantize` maps tensor names to Q4_0, Q4_1 or Q8_0
 * (float tensors whose last dimension is a multiple of 32); other tensors keep their dtype
 * (float32, float16, bfloat16).
 */
export function saveGguf(path: string, arrays: Record<string, array>, metadata: Record<string, GgufMetadataInput> = {},
                         quantize: Record<string, 'Q4_0' | 'Q4_1' | 'Q8_0'> = {}): void {
  const w = new Writer();
  w.push(Buffer.from('GGUF', 'latin1'));
  w.u32(3);
  const names = Object.keys(arrays);
  w.u64(names.length);
  const kv = Object.entries(metadata);
  w.u64(kv.length);
  for (const [key, raw] of kv) {
    w.str(key);
    const explicit = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'type' in raw;
    const value = explicit ? (raw as any).value : raw;
    const type = explicit ? VT[(raw as any).type] : inferType(value as GgufValue);
    w.u32(type);
    if (type === VT.array) {
      const items = value as GgufValue[];
      const it = items.length ? inferType(items[0]) : VT.u32;
      w.u32(it);
      w.u64(items.length);
      for (const x of items) w.scalar(it, x);
    } else w.scalar(type, value as GgufValue);
  }
  const blobs: Uint8Array[] = [];
  let rel = 0;
  for (const name of names) {
    const a = arrays[name];
    const q = quantize[name];
    let type: number, bytes: Uint8Array;
    if (q) {
      if (a.shape.length === 0 || a.shape[a.shape.length - 1] % 32 !== 0) throw new InvalidArgumentError(`[saveGguf] '${name}': the last dimension must be a multiple of 32 to quantize.`);
      const f = N.copy(N.astype(a, dtypeOf('float32').id));
      evalArrays(f);
      bytes = N.ggufQuantize(f, GGML_TYPES[q]);
      f.dispose();
      type = GGML_TYPES[q];
    } else {
      const t = { float32: 0, float16: 1, bfloat16: 30 }[a.dtype.name as string];
      if (t === undefined) throw new InvalidArgumentError(`[saveGguf] '${name}': dtype ${a.dtype.name} cannot be stored (use float32, float16 or bfloat16).`);
      type = t;
      evalArrays(a);
      bytes = new Uint8Array(N.toBuffer(a));
    }
    w.str(name);
    w.u32(a.ndim);
    for (const d of [...a.shape].reverse()) w.u64(d);
    w.u32(type);
    w.u64(rel);
    blobs.push(bytes);
    rel += Math.ceil(bytes.length / 32) * 32;
  }
  const pad = (n: number) => Buffer.alloc((32 - (n % 32)) % 32);
  w.push(pad(w.size));
  for (const b of blobs) { w.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength)); w.push(pad(b.length)); }
  writeFileSync(path, w.concat());
}
