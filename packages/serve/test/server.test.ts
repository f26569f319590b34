// The HTTP server against the official `openai` client (unchanged) and raw fetch for faults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import OpenAI, { toFile } from 'openai';
import { createServer, type MlxServer, type TranscriptionResult } from '../src/index.js';
import { tinyLlama, byteTokenizer } from './tiny-model.js';

const tiny = tinyLlama(11);
const tok = byteTokenizer();
const KEY = 'sk-test-123';
let server: MlxServer;
let client: OpenAI;
const transcribeCalls: Array<{ bytes: number; language?: string }> = [];

const fakeTranscript: TranscriptionResult = {
  text: ' Hello world. Second line.', language: 'en',
  segments: [
    { id: 0, seek: 0, start: 0, end: 1.5, text: ' Hello world.', tokens: [1, 2], avgLogprob: -0.2, compressionRatio: 1.1, noSpeechProb: 0.01 },
    { id: 1, seek: 0, start: 1.5, end: 3725.25, text: ' Second line.', tokens: [3] },
  ],
};

beforeAll(async () => {
  server = await createServer({
    port: 0, apiKey: KEY, defaultMaxTokens: 16,
    lms: [{ id: 'tiny', model: tiny.model, scheduler: { kvMemoryBytes: 8 << 20, blockSize: 8 } }],
    transcribers: [{ id: 'whisper-fake', transcribe: async (audio, o) => {
      if (audio[0] !== 0x52) throw Object.assign(new Error('not a RIFF/WAV file'), { code: 'MLX_MALFORMED_FILE' });
      transcribeCalls.push({ bytes: audio.length, language: o.language });
      return fakeTranscript;
    } }],
  });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => { await server.close(2000); tiny.model.dispose(); });

const chatIds = (content: string) => tok.encode(tok.applyChatTemplate([{ role: 'user', content }], { addGenerationPrompt: true }), { addSpecialTokens: false });
const textOf = (ids: number[]) => tok.decode(ids.filter((t) => t !== 2));

async function raw(path: string, init: RequestInit & { auth?: boolean } = {}) {
  const headers = new Headers(init.headers);
  if (init.auth !== false) headers.set('authorization', `Bearer ${KEY}`);
  const r = await fetch(server.url + path, { ...init, headers });
  const text = await r.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, json, text, type: r.headers.get('content-type') };
}

describe('OpenAI-compatible server (tiny model)', () => {
  it('binds 127.0.0.1 by default and lists models', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(['tiny', 'whisper-fake']);
  });

  it('chat completion (non-streaming) equals the uncached greedy reference', async () => {
    const r = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi there' }], max_tokens: 10, temperature: 0 });
    const ref = tiny.referenceGreedy(chatIds('hi there'), 10);
    expect(r.choices[0].message.content).toBe(textOf(ref.slice(0, ref.indexOf(2) < 0 ? 10 : ref.indexOf(2))));
    expect(r.usage?.prompt_tokens).toBe(chatIds('hi there').length);
    expect(r.choices[0].finish_reason).toBe(ref.includes(2) ? 'stop' : 'length');
    expect(r.object).toBe('chat.completion');
  });

  it('chat streaming: chunks concatenate to the non-streaming text; usage on request; concurrent streams', async () => {
    const ask = async (content: string) => {
      const stream = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content }], max_tokens: 12, temperature: 0, stream: true, stream_options: { include_usage: true } });
      let text = '';
      let finish: string | null = null;
      let usage: any;
      for await (const c of stream) {
        if (c.usage) usage = c.usage;
        for (const ch of c.choices) { text += ch.delta.content ?? ''; finish = ch.finish_reason ?? finish; }
      }
      return { text, finish, usage };
    };
    const prompts = ['one', 'two two', 'three three three', 'four'];
    const streamed = await Promise.all(prompts.map(ask));
    for (let i = 0; i < prompts.length; i++) {
      const single = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: prompts[i] }], max_tokens: 12, temperature: 0 });
      expect(streamed[i].text).toBe(single.choices[0].message.content);
      expect(streamed[i].finish).toBe(single.choices[0].finish_reason);
      expect(streamed[i].usage.completion_tokens).toBe(single.usage!.completion_tokens);
    }
  });

  it('completions, streaming and not, with echo and stop', async () => {
    const ids = tok.encode('Once upon');
    const ref = tiny.referenceGreedy(ids, 8);
    const r = await client.completions.create({ model: 'tiny', prompt: 'Once upon', max_tokens: 8, temperature: 0, ignore_eos: true } as any);
    expect(r.choices[0].text).toBe(textOf(ref));
    const echo = await client.completions.create({ model: 'tiny', prompt: 'Once upon', max_tokens: 8, temperature: 0, echo: true, ignore_eos: true } as any);
    expect(echo.choices[0].text).toBe('Once upon' + textOf(ref));
    const s = await client.completions.create({ model: 'tiny', prompt: 'Once upon', max_tokens: 8, temperature: 0, stream: true, ignore_eos: true } as any);
    let text = '';
    for await (const c of s as any) text += c.choices[0]?.text ?? '';
    expect(text).toBe(textOf(ref));
  });

  it('audio transcription through the client in every response format', async () => {
    const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(100)]);
    const json = await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper-fake', language: 'en' });
    expect(json.text).toBe(fakeTranscript.text);
    expect(transcribeCalls.at(-1)).toEqual({ bytes: 104, language: 'en' });
    const srt = await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper-fake', response_format: 'srt' });
    expect(srt).toBe('1\n00:00:00,000 --> 00:00:01,500\nHello world.\n\n2\n00:00:01,500 --> 01:02:05,250\nSecond line.\n');
    const vtt = await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper-fake', response_format: 'vtt' });
    expect(vtt).toContain('WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello world.');
    const text = await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper-fake', response_format: 'text' });
    expect(text).toBe(fakeTranscript.text);
    const verbose: any = await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper-fake', response_format: 'verbose_json' });
    expect(verbose.segments[0]).toMatchObject({ start: 0, end: 1.5, avg_logprob: -0.2, no_speech_prob: 0.01 });
    expect(verbose.duration).toBe(3725.25);
    // undecodable audio → 400, unknown model → 404
    await expect(client.audio.transcriptions.create({ file: await toFile(Buffer.from('garbage'), 'a.wav'), model: 'whisper-fake' }))
      .rejects.toMatchObject({ status: 400, code: 'invalid_audio' });
    await expect(client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'nope' }))
      .rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('faults: typed 4xx bodies for bad JSON, bad fields, unknown model, oversized prompt, auth, images', async () => {
    const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => raw(path, { method: 'POST', body, headers });
    const bad = await post('/v1/chat/completions', '{"model": "tiny", "messages": [');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
    const field = await post('/v1/chat/completions', JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], temperature: 5 }));
    expect(field.status).toBe(400);
    expect(field.json.error).toMatchObject({ code: 'invalid_value', param: 'temperature' });
    const noMsgs = await post('/v1/chat/completions', JSON.stringify({ model: 'tiny', messages: [] }));
    expect(noMsgs.status).toBe(400);
    const unknown = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }));
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ code: 'model_not_found', type: 'invalid_request_error' });
    const long = await post('/v1/completions', JSON.stringify({ model: 'tiny', prompt: 'x'.repeat(600), max_tokens: 4 }));
    expect(long.status).toBe(400);
    expect(long.json.error.code).toBe('context_length_exceeded');
    const noAuth = await raw('/v1/models', { auth: false });
    expect(noAuth.status).toBe(401);
    expect(noAuth.json.error.type).toBe('authentication_error');
    await expect(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'wrong', maxRetries: 0 }).models.list()).rejects.toMatchObject({ status: 401 });
    const img = { model: 'tiny', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }] };
    const noVision = await post('/v1/chat/completions', JSON.stringify(img));
    expect(noVision.status).toBe(400);
    expect(noVision.json.error.code).toBe('images_not_supported');
    const remote = await post('/v1/chat/completions', JSON.stringify({ ...img, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] }));
    expect(remote.json.error.code).toBe('invalid_image_url');
    expect((await raw('/v1/nothing')).status).toBe(404);
    expect((await raw('/v1/models', { method: 'POST' })).status).toBe(405);
    const nonJson = await post('/v1/completions', 'model=tiny', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(nonJson.status).toBe(400);
    const health = await raw('/health', { auth: false });
    expect(health.json.status).toBe('ok');
  });

  it('a client disconnecting mid-stream frees its sequence and KV blocks; the server keeps serving', async () => {
    const sched = server.schedulers.get('tiny')!;
    await sched.idle();
    const usedBefore = sched.metrics().kv.used;
    await new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'go on forever' }], max_tokens: 400, stream: true, temperature: 0, ignore_eos: true });
      const req = http.request(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` } }, (res) => {
        let chunks = 0;
        res.on('data', () => {
          if (++chunks === 4) {
            expect(sched.metrics().running).toBe(1);
            expect(sched.metrics().kv.used).toBeGreaterThan(usedBefore);
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', () => undefined);
      req.end(body);
      setTimeout(() => reject(new Error('no stream')), 10_000);
    });
    await new Promise((r) => setTimeout(r, 50));
    await sched.idle();
    const m = sched.metrics();
    expect(m.running).toBe(0);
    expect(m.kv.used).toBe(usedBefore);
    expect(m.kv.reserved).toBe(0);
    expect(m.generatedTokens).toBeLessThan(400 + 200);
    const ok = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'still alive?' }], max_tokens: 3 });
    expect(ok.choices.length).toBe(1);
  });

  it('metrics: JSON and Prometheus text', async () => {
    const j = await raw('/metrics');
    expect(j.json.models.tiny).toMatchObject({ queueDepth: 0, running: 0 });
    expect(j.json.models.tiny.kv.total).toBeGreaterThan(0);
    expect(j.json.models.tiny.memory.activeBytes).toBeGreaterThan(0);
    const p = await raw('/metrics?format=prometheus');
    expect(p.text).toMatch(/mlx_kv_blocks_used\{model="tiny"\} \d+/);
    expect(p.text).toMatch(/mlx_queue_depth\{model="tiny"\} 0/);
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, then refuses new connections', async () => {
    const t = tinyLlama(5);
    const s = await createServer({ port: 0, lms: [{ id: 't', model: t.model, scheduler: { kvMemoryBytes: 4 << 20 } }] });
    const c = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const inflight = c.completions.create({ model: 't', prompt: 'abc', max_tokens: 30, temperature: 0, ignore_eos: true } as any);
    while (s.schedulers.get('t')!.metrics().running === 0) await new Promise((r) => setTimeout(r, 1));
    await s.close(5000);
    const r = await inflight;
    expect(r.usage?.completion_tokens).toBe(30);
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
    t.model.dispose();
  });

  it('cancels what is still running after the timeout', async () => {
    const t = tinyLlama(5, 8192);
    const s = await createServer({ port: 0, lms: [{ id: 't', model: t.model, scheduler: { kvMemoryBytes: 32 << 20 } }] });
    const c = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const inflight = c.completions.create({ model: 't', prompt: 'abc', max_tokens: 8000, temperature: 0, ignore_eos: true } as any).then(() => 'done', (e) => e.constructor.name);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.schedulers.get('t')!.metrics().running).toBe(1);
    const t0 = Date.now();
    await s.close(100);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await inflight).toMatch(/Connection|APIError/);
    t.model.dispose();
  });
});
