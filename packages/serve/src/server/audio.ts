// /v1/audio/transcriptions: multipart upload → a Whisper transcriber → json | text | srt | vtt | verbose_json.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidRequestError, ModelNotFoundError } from '../errors.js';
import { parseOr400, transcriptionFields } from './schemas.js';
import { readBody, sendJson, sendText } from './http-util.js';

/** Shape of @mlx/whisper's TranscribeResult that we render. */
export interface TranscriptionResult {
  text: string;
  language?: string;
  segments: Array<{
    id: number; seek?: number; start: number; end: number; text: string; tokens?: number[]; temperature?: number;
    avgLogprob?: number; compressionRatio?: number; noSpeechProb?: number;
  }>;
}

export type Transcriber = (audio: Uint8Array, opts: { language?: string; prompt?: string; temperature?: number; signal: AbortSignal }) => Promise<TranscriptionResult>;

export interface ServedTranscriber { id: string; transcribe: Transcriber; created: number; busy?: Promise<unknown> }

function stamp(t: number, sep: ',' | '.'): string {
  const ms = Math.max(0, Math.round(t * 1000));
  const h = Math.floor(ms / 3_600_000), m = Math.floor(ms / 60_000) % 60, s = Math.floor(ms / 1000) % 60;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(h)}:${p(m)}:${p(s)}${sep}${p(ms % 1000, 3)}`;
}

export function toSrt(r: TranscriptionResult): string {
  return r.segments.map((s, i) => `${i + 1}\n${stamp(s.start, ',')} --> ${stamp(s.end, ',')}\n${s.text.trim()}\n`).join('\n');
}

export function toVtt(r: TranscriptionResult): string {
  return `WEBVTT\n\n${r.segments.map((s) => `${stamp(s.start, '.')} --> ${stamp(s.end, '.')}\n${s.text.trim()}\n`).join('\n')}`;
}

export async function handleTranscription(req: IncomingMessage, res: ServerResponse, models: Map<string, ServedTranscriber>,
  maxUploadBytes: number): Promise<void> {
  const ct = String(req.headers['content-type'] ?? '');
  if (!/^multipart\/form-data\b/i.test(ct)) throw new InvalidRequestError('Expected a multipart/form-data upload.', 'file', 'invalid_content_type');
  const body = await readBody(req, maxUploadBytes);
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': ct } }).formData();
  } catch (e) {
    throw new InvalidRequestError(`Malformed multipart body: ${(e as Error).message}`, 'file', 'invalid_multipart');
  }
  const fields: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (typeof v === 'string') fields[k] = v;
  const opts = parseOr400(transcriptionFields, fields);
  const file = form.get('file');
  if (!file || typeof file === 'string') throw new InvalidRequestError("Missing the 'file' upload.", 'file', 'missing_file');
  const served = models.get(opts.model);
  if (!served) throw new ModelNotFoundError(opts.model);
  const audio = new Uint8Array(await file.arrayBuffer());
  if (!audio.length) throw new InvalidRequestError('The uploaded file is empty.', 'file', 'invalid_value');
  const ac = new AbortController();
  res.on('close', () => { if (!res.writableFinished) ac.abort(); });
  // One transcription per model at a time: Whisper here is not batched and shares the cores with the LMs.
  const prev = served.busy ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(() => {
    ac.signal.throwIfAborted();
    return served.transcribe(audio, { language: opts.language, prompt: opts.prompt, temperature: opts.temperature, signal: ac.signal });
  });
  served.busy = run.catch(() => undefined);
  let r: TranscriptionResult;
  try {
    r = await run;
  } catch (e) {
    if (ac.signal.aborted) { res.destroy(); return; }
    const msg = (e as Error)?.message ?? String(e);
    // Undecodable audio is the client's fault; say so with a 400.
    if (/wav|audio|decode|format|riff|malformed/i.test(msg) || ['MLX_MALFORMED_FILE', 'MLX_AUDIO_FORMAT'].includes((e as { code?: string })?.code ?? '')) {
      throw new InvalidRequestError(`Could not decode the audio: ${msg}`, 'file', 'invalid_audio');
    }
    throw e;
  }
  switch (opts.response_format) {
    case 'text': return sendText(res, 200, r.text);
    case 'srt': return sendText(res, 200, toSrt(r));
    case 'vtt': return sendText(res, 200, toVtt(r), 'text/vtt; charset=utf-8');
    case 'verbose_json': {
      const duration = r.segments.length ? r.segments[r.segments.length - 1].end : 0;
      return sendJson(res, 200, {
        task: 'transcribe', language: r.language ?? 'en', duration, text: r.text,
        segments: r.segments.map((s) => ({
          id: s.id, seek: s.seek ?? 0, start: s.start, end: s.end, text: s.text, tokens: s.tokens ?? [],
          temperature: s.temperature ?? 0, avg_logprob: s.avgLogprob ?? 0, compression_ratio: s.compressionRatio ?? 0,
          no_speech_prob: s.noSpeechProb ?? 0,
        })),
      });
    }
    default: return sendJson(res, 200, { text: r.text });
  }
}
