// /v1/chat/completions and /v1/completions: turn a validated request into a scheduler request, then answer as
// one JSON body or as server-sent events. A client that goes away cancels its sequence (its KV blocks return).
import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { InvalidRequestError, ServeError } from '../errors.js';
import type { ChatMessage } from '../model.js';
import type { FinishReason, GenerationResult, Scheduler } from '../scheduler.js';
import type { SamplingParams } from '../sampling.js';
import type { ChatRequest, CompletionRequest } from './schemas.js';
import { sendError, sendJson, sseData, startSse } from './http-util.js';

export interface ServedLM { id: string; scheduler: Scheduler; created: number }

export interface DecodedImage { mime: string; data: Uint8Array }

/** Vision-language chat (one request at a time; not batched). */
export type VisionChat = (req: {
  messages: ChatMessage[]; images: DecodedImage[]; maxTokens: number; sampling: SamplingParams; stop: string[];
  signal: AbortSignal;
}) => AsyncIterable<{ text: string }>;

type SamplingFields = Pick<ChatRequest, 'temperature' | 'top_p' | 'top_k' | 'min_p' | 'presence_penalty' |
  'frequency_penalty' | 'repetition_penalty' | 'logit_bias' | 'seed' | 'stop'>;

export function samplingOf(r: SamplingFields): SamplingParams {
  const logitBias = r.logit_bias ? Object.fromEntries(Object.entries(r.logit_bias).map(([k, v]) => [Number(k), v])) : undefined;
  return {
    temperature: r.temperature ?? 1, topP: r.top_p ?? 1, topK: r.top_k ?? 0, minP: r.min_p ?? 0,
    repetitionPenalty: r.repetition_penalty ?? 1, presencePenalty: r.presence_penalty ?? 0,
    frequencyPenalty: r.frequency_penalty ?? 0, logitBias, seed: r.seed ?? undefined,
  };
}

export const stopsOf = (s: string | string[] | null | undefined): string[] => (s == null ? [] : typeof s === 'string' ? [s] : s).filter((x) => x.length);

/** `data:<mime>;base64,<payload>` → bytes. Remote URLs are refused: the server fetches nothing. */
export function decodeDataUrl(url: string, param: string): DecodedImage {
  const m = /^data:([\w.+-]+\/[\w.+-]+)?(;[^,]*)?,(.*)$/s.exec(url);
  if (!m) throw new InvalidRequestError('Only data: URLs are accepted for images (no remote fetching).', param, 'invalid_image_url');
  if (!(m[2] ?? '').includes(';base64')) throw new InvalidRequestError('Image data URLs must be base64-encoded.', param, 'invalid_image_url');
  const mime = m[1] ?? 'application/octet-stream';
  if (!mime.startsWith('image/')) throw new InvalidRequestError(`Expected an image, got '${mime}'.`, param, 'invalid_image_url');
  if (!/^[A-Za-z0-9+/=\s]*$/.test(m[3])) throw new InvalidRequestError('The image data is not valid base64.', param, 'invalid_image_url');
  const data = Buffer.from(m[3], 'base64');
  if (!data.length) throw new InvalidRequestError('The image is empty.', param, 'invalid_image_url');
  return { mime, data };
}

/** OpenAI messages → the tokenizer's ChatMessage list, with images pulled out. */
export function toChatMessages(req: ChatRequest): { messages: ChatMessage[]; images: DecodedImage[] } {
  const images: DecodedImage[] = [];
  const messages = req.messages.map((m, i): ChatMessage => {
    const role = m.role === 'developer' ? 'system' : m.role;
    if (m.content == null || typeof m.content === 'string') return { role, content: m.content ?? '' };
    if (!m.content.some((p) => p.type === 'image_url')) return { role, content: m.content.map((p) => (p.type === 'text' ? p.text : '')).join('') };
    const parts = m.content.map((p, j) => {
      if (p.type === 'text') return { type: 'text' as const, text: p.text };
      const url = typeof p.image_url === 'string' ? p.image_url : p.image_url.url;
      images.push(decodeDataUrl(url, `messages.${i}.content.${j}.image_url`));
      return { type: 'image' as const };
    });
    return { role, content: parts };
  });
  return { messages, images };
}

const finish = (r: FinishReason) => (r === 'length' ? 'length' : 'stop');

interface Job {
  kind: 'chat' | 'completion';
  served: ServedLM;
  promptTokens: number[];
  maxTokens: number;
  sampling: SamplingParams;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
  ignoreEos: boolean;
  echo?: string;
}

function usage(r: GenerationResult) {
  return {
    prompt_tokens: r.promptTokens, completion_tokens: r.tokens.length, total_tokens: r.promptTokens + r.tokens.length,
    prompt_tokens_details: { cached_tokens: r.cachedPromptTokens },
  };
}

export async function runJob(job: Job, res: ServerResponse): Promise<void> {
  const ac = new AbortController();
  res.on('close', () => { if (!res.writableFinished) ac.abort(); });
  const handle = job.served.scheduler.submit({
    promptTokens: job.promptTokens, maxTokens: job.maxTokens, sampling: job.sampling, stop: job.stop,
    ignoreEos: job.ignoreEos, signal: ac.signal,
  });
  const id = `${job.kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  const created = Math.floor(Date.now() / 1000);
  const model = job.served.id;
  const object = job.kind === 'chat' ? 'chat.completion' : 'text_completion';
  const chunk = (text: string | null, finishReason: string | null, role = false) =>
    job.kind === 'chat'
      ? { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: { ...(role ? { role: 'assistant' } : {}), ...(text !== null ? { content: text } : {}) }, logprobs: null, finish_reason: finishReason }] }
      : { id, object: 'text_completion', created, model, choices: [{ index: 0, text: text ?? '', logprobs: null, finish_reason: finishReason }] };

  if (job.stream) {
    startSse(res);
    if (job.kind === 'chat') sseData(res, chunk('', null, true));
    if (job.echo) sseData(res, chunk(job.echo, null));
    for await (const d of handle) sseData(res, chunk(d.text, null));
    const r = await handle.result;
    if (r.finishReason === 'cancelled') { res.end(); return; }
    if (r.finishReason === 'error') { sendError(res, r.error ?? new ServeError('Generation failed', 'generation_failed', 500, 'server_error')); return; }
    sseData(res, chunk(job.kind === 'chat' ? null : '', finish(r.finishReason)));
    if (job.includeUsage) sseData(res, { id, object: job.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created, model, choices: [], usage: usage(r) });
    sseData(res, '[DONE]');
    res.end();
    return;
  }
  const r = await handle.result;
  if (r.finishReason === 'cancelled') { res.destroy(); return; }
  if (r.finishReason === 'error') { sendError(res, r.error); return; }
  const text = (job.echo ?? '') + r.text;
  const choice = job.kind === 'chat'
    ? { index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finish(r.finishReason) }
    : { index: 0, text, logprobs: null, finish_reason: finish(r.finishReason) };
  sendJson(res, 200, { id, object, created, model, choices: [choice], usage: usage(r) });
}

export function chatJob(served: ServedLM, req: ChatRequest, messages: ChatMessage[], defaultMaxTokens: number): Job {
  const model = served.scheduler.model;
  const promptTokens = model.encodeChat
    ? model.encodeChat(messages)
    : model.tokenizer.encode(model.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true }), { addSpecialTokens: false });
  return {
    kind: 'chat', served, promptTokens, stream: !!req.stream, includeUsage: !!req.stream_options?.include_usage,
    maxTokens: req.max_completion_tokens ?? req.max_tokens ?? defaultMaxTokens, sampling: samplingOf(req),
    stop: stopsOf(req.stop), ignoreEos: !!req.ignore_eos,
  };
}

export function completionJob(served: ServedLM, req: CompletionRequest): Job {
  const tok = served.scheduler.model.tokenizer;
  const p = req.prompt;
  let promptTokens: number[];
  let echoText: string;
  if (Array.isArray(p) && typeof p[0] === 'number') {
    promptTokens = p as number[];
    const vocab = served.scheduler.model.vocabSize;
    if (promptTokens.some((t) => t >= vocab)) throw new InvalidRequestError(`Token ids must be below the vocabulary size ${vocab}.`, 'prompt', 'invalid_value');
    echoText = tok.decode(promptTokens);
  } else {
    echoText = Array.isArray(p) ? (p[0] as string) : p;
    promptTokens = tok.encode(echoText);
  }
  return {
    kind: 'completion', served, promptTokens, stream: !!req.stream, includeUsage: !!req.stream_options?.include_usage,
    maxTokens: req.max_tokens ?? 16, sampling: samplingOf(req), stop: stopsOf(req.stop), ignoreEos: !!req.ignore_eos,
    echo: req.echo ? echoText : undefined,
  };
}

/** Streams (or collects) a vision-language chat answer in the same wire format as the text path. */
export async function runVision(chat: VisionChat, id: string, req: ChatRequest, messages: ChatMessage[], images: DecodedImage[],
  defaultMaxTokens: number, res: ServerResponse): Promise<void> {
  const ac = new AbortController();
  res.on('close', () => { if (!res.writableFinished) ac.abort(); });
  const created = Math.floor(Date.now() / 1000);
  const cid = `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  const it = chat({ messages, images, maxTokens: req.max_completion_tokens ?? req.max_tokens ?? defaultMaxTokens,
    sampling: samplingOf(req), stop: stopsOf(req.stop), signal: ac.signal });
  const delta = (content: string | undefined, fr: string | null) => ({ id: cid, object: 'chat.completion.chunk', created, model: id,
    choices: [{ index: 0, delta: content === undefined ? {} : { content }, logprobs: null, finish_reason: fr }] });
  if (req.stream) {
    startSse(res);
    for await (const d of it) sseData(res, delta(d.text, null));
    sseData(res, delta(undefined, 'stop'));
    sseData(res, '[DONE]');
    res.end();
    return;
  }
  let text = '';
  for await (const d of it) text += d.text;
  sendJson(res, 200, { id: cid, object: 'chat.completion', created, model: id,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: 'stop' }] });
}
