// Array files: .npy, .npz, .safetensors (GGUF lives in gguf.ts). Formats are parsed here with
// every offset and size checked against the file before any tensor is touched; tensor bytes are
// mapped (mmap) rather than read, so loading is lazy and zero-copy where the layout allows.
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';
import type { array } from './array.js';
import { Dtype, dtypes, type DtypeName } from './dtype.js';
import { InvalidArgumentError, MalformedFileError } from './errors.js';
import { track } from './memory.js';
import { N } from './native.js';
import { evalArrays } from './transforms.js';
import { loadGguf } from './gguf.js';

const dtypeOf = (name: DtypeName): Dtype => dtypes.find((d) => d.name === name)!;
const malformed = (file: string, offset: number, what: string) =>
  new MalformedFileError(`[load] ${file}: ${what} (at byte ${offset}).`);

function readHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Raw little-endian bytes of an evaluated, row-contiguous copy of `a`. */
function bytesOf(a: array): Uint8Array {
  evalArrays(a);
  const buf: ArrayBuffer = N.toBuffer(a);
  return new Uint8Array(buf);
}

// ---------------------------------------------------------------- npy
const NPY_DESCR: Record<string, DtypeName> = {
  b1: 'bool', u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64', i1: 'int8', i2: 'int16', i4: 'int32',
  i8: 'int64', f2: 'float16', f4: 'float32', f8: 'float64', c8: 'complex64',
};
const NPY_CODE = Object.fromEntries(Object.entries(NPY_DESCR).map(([k, v]) => [v, k])) as Record<string, string>;

interface NpyHeader { dtype: Dtype; shape: number[]; fortran: boolean; bigEndian: boolean; dataOffset: number }

function parseNpyHeader(buf: Uint8Array, file: string): NpyHeader {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 10 || b[0] !== 0x93 || b.toString('latin1', 1, 6) !== 'NUMPY') throw malformed(file, 0, 'not an .npy file (bad magic)');
  const major = b[6];
  if (major < 1 || major > 3) throw malformed(file, 6, `unsupported .npy version ${major}`);
  const lenBytes = major === 1 ? 2 : 4;
  if (b.length < 8 + lenBytes) throw malformed(file, 8, 'truncated header');
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = 8 + lenBytes;
  if (start + hlen > b.length) throw malformed(file, start, `header of ${hlen} bytes runs past the end`);
  const header = b.toString(major === 3 ? 'utf8' : 'latin1', start, start + hlen);
  const descr = /'descr'\s*:\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeM) throw malformed(file, start, 'header is missing descr, fortran_order or shape');
  const name = NPY_DESCR[descr[2]];
  if (!name) throw malformed(file, start, `unsupported dtype '${descr[1]}${descr[2]}'`);
  const shape = shapeM[1].split(',').map((s) => s.trim()).filter((s) => s.length).map((s) => {
    const v = Number(s.replace(/L$/, ''));
    if (!Number.isSafeInteger(v) || v < 0) throw malformed(file, start, `bad dimension '${s}'`);
    return v;
  });
  return { dtype: dtypeOf(name), shape, fortran: fortran[1] === 'True', bigEndian: descr[1] === '>', dataOffset: start + hlen };
}

function byteSwap(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  const w = size;
  for (let i = 0; i < bytes.length; i += w) for (let k = 0; k < w; k++) out[i + k] = bytes[i + w - 1 - k];
  return out;
}

function arrayFromNpy(h: NpyHeader, data: Uint8Array | null, file: string, mapping?: { handle: unknown; size: number }): array {
  const n = h.shape.reduce((a, b) => a * b, 1);
  const nbytes = n * h.dtype.size;
  const shape = h.fortran ? [...h.shape].reverse() : h.shape;
  let a: array;
  if (mapping && !h.bigEndian) {
    if (h.dataOffset + nbytes > mapping.size) throw malformed(file, h.dataOffset, `data needs ${nbytes} bytes, file has ${mapping.size - h.dataOffset}`);
    a = N.fromMapping(mapping.handle, h.dataOffset, shape, h.dtype.id);
  } else {
    if (!data || data.length < nbytes) throw malformed(file, h.dataOffset, `data needs ${nbytes} bytes, found ${data?.length ?? 0}`);
    let bytes = data.subarray(0, nbytes);
    if (h.bigEndian && h.dtype.size > 1) bytes = byteSwap(bytes, h.dtype.name === 'complex64' ? 4 : h.dtype.size);
    a = N.fromBytes(bytes, shape, h.dtype.id);
  }
  if (h.fortran && shape.length > 1) {
    const t = N.transpose(a);
    a.dispose();
    a = t;
  }
  return track(a);
}

function npyBytes(a: array): Uint8Array {
  const code = NPY_CODE[a.dtype.name];
  if (!code) throw new InvalidArgumentError(`[save] dtype ${a.dtype.name} cannot be stored in .npy.`);
  const descr = (a.dtype.size === 1 ? '|' : '<') + code;
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10 + header.length);
  head[0] = 0x93;
  head.write('NUMPY', 1, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  head.write(header, 10, 'latin1');
  return Buffer.concat([head, bytesOf(a)]);
}

// ---------------------------------------------------------------- npz (zip)
interface ZipEntry { name: string; method: number; compressed: number; size: number; localOffset: number }

function readZip(buf: Buffer, file: string): ZipEntry[] {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw malformed(file, buf.length, 'not a zip/npz file (no end-of-central-directory record)');
  let count = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff) {  // zip64 end record via its locator
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) throw malformed(file, eocd, 'missing zip64 locator');
    const z64 = Number(buf.readBigUInt64LE(loc + 8));
    if (z64 + 56 > buf.length || buf.readUInt32LE(z64) !== 0x06064b50) throw malformed(file, loc, 'bad zip64 end record');
    count = Number(buf.readBigUInt64LE(z64 + 32));
    cdOffset = Number(buf.readBigUInt64LE(z64 + 48));
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw malformed(file, p, 'bad central directory entry');
    const method = buf.readUInt16LE(p + 10);
    let compressed = buf.readUInt32LE(p + 20), size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28), extraLen = buf.readUInt16LE(p + 30), commentLen = buf.readUInt16LE(p + 32);
    let localOffset = buf.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen > buf.length) throw malformed(file, p, 'central directory entry runs past the end');
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    // zip64 extra field: the 0xFFFFFFFF fields, in order size, compressed, offset.
    let e = p + 46 + nameLen;
    const end = e + extraLen;
    while (e + 4 <= end) {
      const id = buf.readUInt16LE(e), len = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff && q + 8 <= e + 4 + len) { size = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (compressed === 0xffffffff && q + 8 <= e + 4 + len) { compressed = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (localOffset === 0xffffffff && q + 8 <= e + 4 + len) { localOffset = Number(buf.readBigUInt64LE(q)); }
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressed, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function zipEntryData(buf: Buffer, e: ZipEntry, file: string): Uint8Array {
  const p = e.localOffset;
  if (p + 30 > buf.length || buf.readUInt32LE(p) !== 0x04034b50) throw malformed(file, p, `bad local header for ${e.name}`);
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  if (start + e.compressed > buf.length) throw malformed(file, start, `data of ${e.name} runs past the end`);
  const raw = buf.subarray(start, start + e.compressed);
  if (e.method === 0) return raw;
  if (e.method === 8) {
    try { return inflateRawSync(raw); } catch { throw malformed(file, start, `corrupt deflate data in ${e.name}`); }
  }
  throw malformed(file, p, `unsupported zip compression method ${e.method}`);
}

function writeZip(files: [string, Uint8Array][]): Buffer {
  const parts: Buffer[] = [], central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(nameBuf.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0); cd.writeUInt16LE(20, 4); cd.writeUInt16LE(20, 6); cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(data.length, 20); cd.writeUInt32LE(data.length, 24); cd.writeUInt16LE(nameBuf.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, nameBuf, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    central.push(cd, nameBuf);
    offset += 30 + nameBuf.length + data.length;
    if (offset > 0xffffffff) throw new InvalidArgumentError('[savez] Archives over 4 GiB are not supported; use safetensors.');
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(files.length, 8); end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cdBuf.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, end]);
}

// ---------------------------------------------------------------- safetensors
const ST_DTYPES: Record<string, DtypeName> = {
  BOOL: 'bool', U8: 'uint8', I8: 'int8', U16: 'uint16', I16: 'int16', U32: 'uint32', I32: 'int32', U64: 'uint64',
  I64: 'int64', F16: 'float16', BF16: 'bfloat16', F32: 'float32', F64: 'float64', C64: 'complex64',
};
const ST_CODE = Object.fromEntries(Object.entries(ST_DTYPES).map(([k, v]) => [v, k])) as Record<string, string>;

function loadSafetensors(path: string): { arrays: Record<string, array>; metadata: Record<string, string> } {
  const map: { handle: unknown; size: number } = N.mmapFile(path);
  if (map.size < 8) throw malformed(path, 0, 'file shorter than the 8-byte header length');
  const head = readHead(path, 8);
  const hlen = Number(head.readBigUInt64LE(0));
  if (hlen > map.size - 8 || hlen > 100_000_000) throw malformed(path, 0, `header length ${hlen} exceeds the file`);
  const headerBytes = readHead(path, 8 + hlen).subarray(8);
  let header: Record<string, any>;
  try { header = JSON.parse(headerBytes.toString('utf8')); } catch { throw malformed(path, 8, 'header is not valid JSON'); }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw malformed(path, 8, 'header is not a JSON object');
  const dataStart = 8 + hlen;
  const arrays: Record<string, array> = {};
  const metadata: Record<string, string> = header.__metadata__ ?? {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const dt = ST_DTYPES[info?.dtype];
    if (!dt) throw malformed(path, 8, `tensor '${name}' has unsupported dtype ${JSON.stringify(info?.dtype)}`);
    const shape = info.shape, offs = info.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d: unknown) => Number.isSafeInteger(d) && (d as number) >= 0)) throw malformed(path, 8, `tensor '${name}' has a bad shape`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d: unknown) => Number.isSafeInteger(d) && (d as number) >= 0)) throw malformed(path, 8, `tensor '${name}' has bad data_offsets`);
    const dtype = dtypeOf(dt);
    const nbytes = shape.reduce((a: number, b: number) => a * b, 1) * dtype.size;
    if (offs[1] - offs[0] !== nbytes) throw malformed(path, dataStart + offs[0], `tensor '${name}' needs ${nbytes} bytes but its offsets span ${offs[1] - offs[0]}`);
    if (dataStart + offs[1] > map.size) throw malformed(path, dataStart + offs[0], `tensor '${name}' runs past the end of the file`);
    arrays[name] = track(N.fromMapping(map.handle, dataStart + offs[0], shape, dtype.id));
  }
  return { arrays, metadata };
}

/** Writes arrays (and optional string metadata) as a safetensors file. */
export function saveSafetensors(path: string, arrays: Record<string, array>, metadata?: Record<string, string>): void {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    const code = ST_CODE[a.dtype.name];
    if (!code) throw new InvalidArgumentError(`[saveSafetensors] dtype ${a.dtype.name} is not supported.`);
    const bytes = bytesOf(a);
    header[name] = { dtype: code, shape: a.shape, data_offsets: [offset, offset + bytes.length] };
    blobs.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);  // keep tensor data 8-byte aligned
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(path, Buffer.concat([len, Buffer.from(json), ...blobs.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))]));
}

// ---------------------------------------------------------------- public API
const ext = (path: string) => path.slice(path.lastIndexOf('.') + 1).toLowerCase();

/** Saves one array as .npy (MLX's `save`). */
export function save(path: string, a: array): void {
  writeFileSync(path.endsWith('.npy') ? path : `${path}.npy`, npyBytes(a));
}

/** Saves arrays into an uncompressed .npz; positional arrays are named arr_0, arr_1, … */
export function savez(path: string, ...args: (array | Record<string, array>)[]): void {
  const files: [string, Uint8Array][] = [];
  let k = 0;
  for (const a of args) {
    if (a instanceof N.NativeArray) files.push([`arr_${k++}.npy`, npyBytes(a as array)]);
    else for (const [name, v] of Object.entries(a)) files.push([`${name}.npy`, npyBytes(v)]);
  }
  writeFileSync(path.endsWith('.npz') ? path : `${path}.npz`, writeZip(files));
}

export type LoadResult = array | Record<string, array>;

/**
 * Loads .npy (an array), .npz and .safetensors (a record of arrays) and, with returnMetadata,
 * `[arrays, metadata]`. `format` overrides the file extension. GGUF: see loadGguf.
 */
export function load(path: string, format?: string, returnMetadata = false): any {
  const kind = (format ?? ext(path)).toLowerCase();
  if (kind === 'npy') {
    const map: { handle: unknown; size: number } = N.mmapFile(path);
    const h = parseNpyHeader(readHead(path, 65536 + 16), path);
    const a = arrayFromNpy(h, h.bigEndian ? readFileSync(path).subarray(h.dataOffset) : null, path, map);
    return returnMetadata ? [a, {}] : a;
  }
  if (kind === 'npz') {
    const buf = readFileSync(path);
    const out: Record<string, array> = {};
    for (const e of readZip(buf, path)) {
      const data = zipEntryData(buf, e, path);
      const h = parseNpyHeader(data, `${path}:${e.name}`);
      out[e.name.replace(/\.npy$/, '')] = arrayFromNpy(h, data.subarray(h.dataOffset), `${path}:${e.name}`);
    }
    return returnMetadata ? [out, {}] : out;
  }
  if (kind === 'safetensors') {
    const { arrays, metadata } = loadSafetensors(path);
    return returnMetadata ? [arrays, metadata] : arrays;
  }
  if (kind === 'gguf') {
    const [arrays, metadata] = loadGguf(path);
    return returnMetadata ? [arrays, metadata] : arrays;
  }
  throw new InvalidArgumentError(`[load] Unknown file format '${kind}' for ${path}.`);
}
