// Spawns the built `mlx` bin: help, usage errors (exit 2), runtime errors (exit 1, no stack unless --verbose), info,
// a model-free pipeline definition; real models when they are cached.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import * as whisperPkg from '@mlx/whisper';
import * as lmPkg from '@mlx/lm';
import { main } from '../src/index.js';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const mlx = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, timeout: 55_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
/** Like mlx() without blocking this worker's event loop (long model runs would starve vitest's RPC). */
const mlxAsync = (args: string[]) => new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (d) => (out += d)); child.stderr.on('data', (d) => (err += d));
  child.on('error', reject); child.on('close', (code) => resolve({ code, out, err }));
});
const dir = mkdtempSync(join(tmpdir(), 'mlx-cli-'));
const models = process.env.MLX_MODELS_DIR || join(homedir(), '.cache', 'mlx-ts', 'models');
const hasModel = (name: string) => existsSync(join(models, name));
const hasWhisper = typeof (whisperPkg as Record<string, unknown>).loadWhisper === 'function' && hasModel('whisper-tiny.en');
const hasLM = typeof (lmPkg as Record<string, unknown>).loadLM === 'function' && hasModel('smollm2-135m-instruct');

/** Runs the CLI in this process (fast) with captured output. */
async function mlxIn(args: string[]) {
  const out = new PassThrough(), err = new PassThrough();
  let o = '', e = '';
  out.on('data', (d) => (o += d)); err.on('data', (d) => (e += d));
  const code = await main(args, { stdout: out, stderr: err, stdin: new PassThrough() });
  return { code, out: o, err: e };
}

function wav(path: string, seconds: number, rate = 8000) {
  const n = Math.round(seconds * rate), data = Buffer.alloc(2 * n);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(8000 * Math.sin(i / 5)), 2 * i);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVEfmt ', 8); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22); h.writeUInt32LE(rate, 24); h.writeUInt32LE(2 * rate, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36); h.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([h, data]));
}

describe('mlx (usage)', () => {
  it('prints help and exits 0; with no command prints help and exits 2', () => {
    const h = mlx(['--help']);
    expect(h.code).toBe(0);
    for (const c of ['transcribe', 'generate', 'chat', 'describe', 'pipeline', 'pull', 'info']) expect(h.out).toContain(`  ${c}`);
    expect(mlx([]).code).toBe(2);
    const t = mlx(['transcribe', '--help']);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/Usage: mlx transcribe <audio>/);
    expect(t.out).toMatch(/--format <fmt>.*one of txt\|srt\|vtt\|json/);
  });

  it('in-process: help per command and version', async () => {
    expect((await mlxIn(['help', 'generate'])).out).toMatch(/--max-tokens/);
    expect((await mlxIn(['--version'])).out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await mlxIn(['pipeline', '--wav', 'x.wav', '--print-definition'])).out).toMatch(/type: transcribe\n\s+model: whisper-tiny.en/);
  });

  it.each([
    [['frob'], /unknown command 'frob'/],
    [['transcribe'], /missing argument/],
    [['transcribe', 'a.wav', 'b.wav'], /unexpected argument 'b.wav'/],
    [['transcribe', 'a.wav', '--format', 'doc'], /--format must be one of txt, srt, vtt, json/],
    [['transcribe', 'a.wav', '--bogus'], /Unknown option '--bogus'/],
    [['generate', 'hi', '--max-tokens', '1.5'], /--max-tokens must be an integer/],
    [['generate', 'hi', '--top-p', '2'], /--top-p must be ≤ 1/],
    [['pipeline'], /exactly one of/],
    [['pipeline', '--mic', '--wav', 'x.wav'], /exactly one of/],
    [['pipeline', '--wav', 'x.wav', '--pace', 'slow'], /--pace must be/],
  ])('mlx %j is a usage error (exit 2)', async (args, message) => {
    const r = await mlxIn(args as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/--help' for usage/);
    expect(r.err).not.toMatch(/    at /);
  });
});

describe('mlx (runtime)', () => {
  it('info reports backends, memory and cached models', async () => {
    const r = mlx(['info', '--json']);
    expect(r.code).toBe(0);
    const i = JSON.parse(r.out);
    expect(i.backends.cpu).toBe(true);
    expect(typeof i.backends.cuda).toBe('boolean');
    expect(i.cpu.cores).toBeGreaterThan(0);
    expect(i.memory.systemTotal).toBeGreaterThan(0);
    expect(Array.isArray(i.models)).toBe(true);
    expect((await mlxIn(['info'])).out).toMatch(/backends: +cpu/);
  });

  it('runs a model-free definition file and prints JSON events', () => {
    const w = join(dir, 'tone.wav'); wav(w, 1.0);
    const def = join(dir, 'p.yaml');
    writeFileSync(def, `source: { type: wav, path: ${JSON.stringify(w)}, pace: asap }\nstages:\n  - { type: resample, rate: 16000 }\n`);
    const r = mlx(['pipeline', def, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const last = JSON.parse(r.out.trim().split('\n').at(-1)!);
    expect(last.type).toBe('frames');
    expect(last.seconds).toBe(1); // every sample arrives: 50 frames plus the resampler's tail
    expect(last.count).toBeGreaterThanOrEqual(50);
    const printed = mlx(['pipeline', def, '--print-definition']);
    expect(printed.out).toMatch(/type: resample\n\s+rate: 16000/);
  });

  it('reports bad definitions and missing files without a stack trace (exit 1), with one under --verbose', async () => {
    const def = join(dir, 'bad.yaml');
    writeFileSync(def, 'source: { type: wav }\nstages: [{ type: vad, threshold: high }]\n');
    const r = mlx(['pipeline', def]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/source \(wav\)\.path: Required/);
    expect(r.err).toMatch(/stages\[0\] \(vad\)\.threshold: Expected number, received string/);
    expect(r.err).toMatch(/\[MLX_PIPELINE_DEFINITION\]/);
    expect(r.err).not.toMatch(/    at /);
    const v = mlx(['pipeline', def, '--verbose']);
    expect(v.code).toBe(1);
    expect(v.err).toMatch(/    at /);
    const missing = await mlxIn(['transcribe', join(dir, 'nope.wav')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no such file: .*nope\.wav/);
  });

  it('pipeline --mic without any capture program names the programs to install (exit 1, no stack, no model load)', () => {
    const r = spawnSync(process.execPath, [bin, 'pipeline', '--mic', '--asr-model', join(dir, 'no-such-model')], { encoding: 'utf8', env: { ...process.env, PATH: dir }, timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/none of the programs 'arecord', 'rec', 'sox' was found on PATH; install alsa-utils \(arecord\) or sox/);
    expect(r.stderr).toMatch(/MLX_MISSING_PROGRAM/);
    expect(r.stderr).not.toMatch(/no-such-model/); // failed before loading models
    expect(r.stderr).not.toMatch(/    at /);
  });

  it('describe explains when no vision-language package is available; pull resolves a cached model', async () => {
    const img = join(dir, 'x.png'); writeFileSync(img, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const d = await mlxIn(['describe', img, '--model', 'some-vlm']);
    if (d.code === 1 && /@mlx\/vlm/.test(d.err)) expect(d.err).toMatch(/needs @mlx\/vlm/);
    else expect(d.err).not.toMatch(/    at /); // a real @mlx/vlm: the unknown model fails cleanly
    expect((await mlxIn(['describe', join(dir, 'missing.png'), '--model', 'm'])).code).toBe(2);
    if (hasModel('whisper-tiny.en')) {
      const r = await mlxIn(['pull', 'whisper-tiny.en']);
      expect(r.code).toBe(0);
      expect(r.out.trim()).toBe(`whisper-tiny.en\t${join(models, 'whisper-tiny.en')}`);
    }
  });

  it.runIf(hasWhisper && spawnSync('espeak-ng', ['--version']).status === 0)('transcribes an espeak WAV to srt with the real tiny.en', () => {
    const w = join(dir, 'speech.wav');
    spawnSync('espeak-ng', ['-w', w, 'The quick brown fox jumps over the lazy dog.']);
    const out = join(dir, 'speech.srt');
    const r = mlx(['transcribe', w, '--format', 'srt', '--output', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const srt = readFileSync(out, 'utf8');
    expect(srt).toMatch(/^1\n00:00:00,000 --> 00:00:0\d,\d{3}\n/);
    const text = srt.split('\n').filter((l) => l && !/^\d+$/.test(l) && !l.includes('-->')).join(' ');
    expect((whisperPkg as unknown as { wordErrorRate(a: string, b: string): number }).wordErrorRate('The quick brown fox jumps over the lazy dog.', text)).toBeLessThanOrEqual(0.15);
  });

  it.runIf(hasLM)('generates with the real SmolLM2 (greedy, bounded)', () => {
    const r = mlx(['generate', 'What is the capital of France?', '--max-tokens', '12', '--stats']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Paris/);
    expect(r.err).toMatch(/\d+ tokens; first after/);
    const chat = mlx(['chat', '--max-tokens', '8'], 'What is the capital of France?\n/reset\nSay hi.\n');
    expect(chat.code).toBe(0);
    expect(chat.out).toMatch(/Paris/);
    expect(chat.out).toMatch(/\(memory cleared\)/);
  });

  it.runIf(hasWhisper && hasLM && spawnSync('espeak-ng', ['--version']).status === 0)('pipeline --wav runs the voice assistant: transcript, streamed reply, latency figures', async () => {
    const w = join(dir, 'question.wav');
    spawnSync('espeak-ng', ['-w', w, 'What is the capital of France?']);
    const r = await mlxAsync(['pipeline', '--wav', w, '--pace', 'asap', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l));
    const finals = events.filter((e) => e.type === 'final');
    expect(finals).toHaveLength(1);
    expect((whisperPkg as unknown as { wordErrorRate(a: string, b: string): number }).wordErrorRate('What is the capital of France?', finals[0].text)).toBeLessThanOrEqual(0.15);
    expect(events.filter((e) => e.type === 'token').length).toBeGreaterThan(0);
    const reply = events.find((e) => e.type === 'reply');
    expect(reply.utteranceIndex).toBe(0);
    expect(reply.text).toMatch(/Paris/);
    const latency = events.at(-1);
    expect(latency.type).toBe('latency');
    expect(latency.firstTokenMs).toHaveLength(1);
  });

  it('pull downloads an hf: repo with progress lines and fetches nothing twice (local fake Hub)', async () => {
    const files: Record<string, Buffer> = { 'config.json': Buffer.from('{"model_type":"llama"}'), 'weights.bin': Buffer.alloc(300_000, 7) };
    const gitSha1 = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
    const gets: string[] = [];
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      gets.push(path);
      if (path === '/api/models/acme/tiny/revision/main') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'acme/tiny', sha: 'abc',
          siblings: Object.entries(files).map(([rfilename, d]) => ({ rfilename, size: d.length, blobId: gitSha1(d) })) }));
        return;
      }
      const m = /^\/acme\/tiny\/resolve\/main\/(.+)$/.exec(path);
      const data = m && files[m[1]];
      if (!data) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'content-length': data.length }).end(data);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const saved = { hf: process.env.MLX_HF_ENDPOINT, models: process.env.MLX_MODELS_DIR };
    process.env.MLX_HF_ENDPOINT = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
    process.env.MLX_MODELS_DIR = mkdtempSync(join(tmpdir(), 'mlx-pull-'));
    try {
      const r = await mlxIn(['pull', 'hf:acme/tiny']);
      expect(r.code, r.err).toBe(0);
      const [name, path] = r.out.trim().split('\t');
      expect(name).toBe('hf:acme/tiny');
      expect(readFileSync(join(path, 'weights.bin')).equals(files['weights.bin'])).toBe(true);
      expect(r.err).toMatch(/100% hf:acme\/tiny: weights\.bin .*\/ /);  // non-TTY progress: one line per file at least
      const before = gets.filter((g) => g.includes('/resolve/')).length;
      const again = await mlxIn(['pull', 'hf:acme/tiny']);
      expect(again.code).toBe(0);
      expect(gets.filter((g) => g.includes('/resolve/')).length).toBe(before);  // cached files are not fetched again
    } finally {
      server.close();
      for (const [k, v] of [['MLX_HF_ENDPOINT', saved.hf], ['MLX_MODELS_DIR', saved.models]] as const)
        if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });

  it('serve: usage error without a model (exit 1, no stack)', async () => {
    const r = await mlxIn(['serve']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/give at least one --model or --whisper/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it.runIf(hasLM)('serve: starts an OpenAI-compatible server on a free port, answers, shuts down on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [bin, 'serve', '--model', 'smollm2-135m-instruct', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listen line: ${err}`)), 40_000);
      child.stderr.on('data', (d) => { err += d; const m = /listening on (http:\/\/\S+)/.exec(err); if (m) { clearTimeout(t); resolve(m[1]); } });
    });
    const models = await (await fetch(`${url}/v1/models`)).json() as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toContain('smollm2-135m-instruct');
    const chat = await (await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smollm2-135m-instruct', messages: [{ role: 'user', content: 'What is the capital of France?' }], max_tokens: 8, temperature: 0 }) })).json() as { choices: Array<{ message: { content: string } }> };
    expect(chat.choices[0].message.content).toMatch(/Paris/);
    const bad = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(bad.status).toBe(400);
    const code = await new Promise<number | null>((resolve) => { child.on('exit', (c) => resolve(c)); child.kill('SIGTERM'); });
    expect(code).toBe(0);
  }, 60_000);
});
