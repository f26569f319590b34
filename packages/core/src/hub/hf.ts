// `hf:<repo>[@revision]`: the Hugging Face Hub HTTP API. The listing
// (/api/models/{repo}/revision/{rev}?blobs=true) gives every file with its size and hash (LFS
// sha256 or git blob id); files come from /{repo}/resolve/{rev}/{file}.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CancelledError } from '../errors.js';
import { downloadFile } from './download.js';
import { DownloadError, ModelNotFoundError } from './errors.js';
import { globMatch, type FetchContext, type ModelSource } from './registry.js';

export function hubEndpoint(): string {
  return (process.env.MLX_HF_ENDPOINT ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
}

function parseSpec(spec: string): { repo: string; revision: string } {
  const at = spec.lastIndexOf('@');
  const repo = at > 0 ? spec.slice(0, at) : spec;
  const revision = at > 0 ? spec.slice(at + 1) : 'main';
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(repo) || !revision || revision.includes('..')) {
    throw new ModelNotFoundError(`[resolveModel] "hf:${spec}" is not a valid Hub repository reference.`);
  }
  return { repo, revision };
}

interface Sibling { rfilename: string; size?: number; blobId?: string; lfs?: { sha256?: string; oid?: string; size?: number } }

function authHeaders(): Record<string, string> {
  const token = process.env.HF_TOKEN;
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function listFiles(repo: string, revision: string, signal?: AbortSignal): Promise<Sibling[]> {
  const url = `${hubEndpoint()}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders(), signal });
  } catch (e) {
    if (signal?.aborted) throw new CancelledError();
    throw new DownloadError(`GET ${url}: ${(e as Error).message}`, 'network', url);
  }
  if (res.status === 404 || res.status === 401) throw new ModelNotFoundError(`[resolveModel] hf:${repo}@${revision}: not found on ${hubEndpoint()} (HTTP ${res.status}).`);
  if (!res.ok) throw new DownloadError(`GET ${url}: HTTP ${res.status}`, 'http', url);
  const body = await res.json() as { siblings?: Sibling[] };
  if (!Array.isArray(body.siblings)) throw new DownloadError(`GET ${url}: the listing has no "siblings"`, 'http', url);
  return body.siblings;
}

function safeRelative(name: string): boolean {
  return !!name && !name.startsWith('/') && !name.split('/').some((s) => s === '..' || s === '' || s === '.') && !name.includes('\\');
}

export const hfSource: ModelSource = {
  cacheName(spec) {
    const { repo, revision } = parseSpec(spec);
    return `hf--${repo.replace('/', '--')}--${revision}`;
  },
  async fetch(spec: string, ctx: FetchContext) {
    const { repo, revision } = parseSpec(spec);
    const siblings = await listFiles(repo, revision, ctx.signal);
    const wanted = siblings.filter((s) => safeRelative(s.rfilename) &&
      (ctx.files ? ctx.files.some((p) => globMatch(p, s.rfilename)) : !/(^|\/)\.git/.test(s.rfilename)));
    if (wanted.length === 0) throw new ModelNotFoundError(`[resolveModel] hf:${spec}: no files match ${JSON.stringify(ctx.files)}.`);
    for (const s of wanted) {
      const dest = join(ctx.staging, s.rfilename);
      mkdirSync(dirname(dest), { recursive: true });
      const url = `${hubEndpoint()}/${repo}/resolve/${encodeURIComponent(revision)}/${s.rfilename.split('/').map(encodeURIComponent).join('/')}`;
      await downloadFile(url, dest, {
        headers: authHeaders(), signal: ctx.signal, onProgress: ctx.onProgress, label: s.rfilename,
        size: s.lfs?.size ?? s.size,
        sha256: s.lfs?.sha256 ?? (s.lfs?.oid && /^[0-9a-f]{64}$/.test(s.lfs.oid) ? s.lfs.oid : undefined),
        gitSha1: s.lfs ? undefined : s.blobId,
      });
    }
  },
};
