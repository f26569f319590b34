// The OpenAI-compatible HTTP server (node:http). One Scheduler per language model; Whisper transcribers and
// vision chat handlers are optional. Binds 127.0.0.1 unless told otherwise.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import {
  AuthenticationError, InvalidRequestError, MethodNotAllowedError, ModelNotFoundError, NotFoundError, UnavailableError,
} from '../errors.js';
import type { BatchedLM } from '../model.js';
import { Scheduler, type SchedulerOptions } from '../scheduler.js';
import { chatRequest, completionRequest, parseOr400 } from './schemas.js';
import { readJson, sendError, sendJson, sendText, toServeError } from './http-util.js';
import { chatJob, completionJob, runJob, runVision, toChatMessages, type ServedLM, type VisionChat } from './generate.js';
import { handleTranscription, type ServedTranscriber, type Transcriber } from './audio.js';
import { prometheusText } from './metrics.js';

export interface ServerOptions {
  /** Language models by id; each gets its own continuous-batching scheduler. */
  lms?: Array<{ id: string; model: BatchedLM; scheduler?: SchedulerOptions }>;
  /** Speech-to-text models by id (see transcriberFromWhisper in load.ts). */
  transcribers?: Array<{ id: string; transcribe: Transcriber }>;
  /** Vision-language chat by id (requests with images go here). */
  vlms?: Array<{ id: string; chat: VisionChat }>;
  host?: string;                 // default 127.0.0.1
  port?: number;                 // default 8080; 0 picks a free port
  apiKey?: string;               // when set, every route but /health needs `Authorization: Bearer <apiKey>`
  maxBodyBytes?: number;         // JSON bodies, default 4 MiB
  maxUploadBytes?: number;       // audio uploads, default 25 MiB
  defaultMaxTokens?: number;     // chat completions without max_tokens, default 512
  shutdownTimeoutMs?: number;    // default 10 s
  /** Defaults for every model's scheduler. */
  scheduler?: SchedulerOptions;
  log?: (line: string) => void;
}

export interface MlxServer {
  readonly url: string;
  readonly port: number;
  readonly http: http.Server;
  readonly schedulers: ReadonlyMap<string, Scheduler>;
  /** Graceful: stop accepting, let in-flight requests finish (or cancel them after the timeout), close sockets. */
  close(timeoutMs?: number): Promise<void>;
}

export async function createServer(opts: ServerOptions = {}): Promise<MlxServer> {
  const lms = new Map<string, ServedLM>();
  const now = Math.floor(Date.now() / 1000);
  for (const m of opts.lms ?? []) lms.set(m.id, { id: m.id, created: now, scheduler: new Scheduler(m.model, { ...opts.scheduler, ...m.scheduler }) });
  const transcribers = new Map<string, ServedTranscriber>();
  for (const t of opts.transcribers ?? []) transcribers.set(t.id, { id: t.id, transcribe: t.transcribe, created: now });
  const vlms = new Map<string, VisionChat>();
  for (const v of opts.vlms ?? []) vlms.set(v.id, v.chat);
  const maxBody = opts.maxBodyBytes ?? 4 * 2 ** 20;
  const maxUpload = opts.maxUploadBytes ?? 25 * 2 ** 20;
  const defaultMaxTokens = opts.defaultMaxTokens ?? 512;
  const started = Date.now();
  let closing = false;
  const counters = { requests: 0, errors4xx: 0, errors5xx: 0 };

  const keyBuf = opts.apiKey ? Buffer.from(opts.apiKey) : undefined;
  const authorized = (req: IncomingMessage) => {
    if (!keyBuf) return true;
    const m = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
    const given = Buffer.from(m ? m[1].trim() : '');
    return given.length === keyBuf.length && timingSafeEqual(given, keyBuf);
  };

  const allModels = () => [
    ...[...lms.values()].map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: 'mlx-ts' })),
    ...[...vlms.keys()].filter((id) => !lms.has(id)).map((id) => ({ id, object: 'model', created: now, owned_by: 'mlx-ts' })),
    ...[...transcribers.values()].map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: 'mlx-ts' })),
  ];

  function metricsJson() {
    return {
      uptimeSeconds: (Date.now() - started) / 1000,
      requests: counters,
      models: Object.fromEntries([...lms].map(([id, m]) => [id, m.scheduler.metrics()])),
      process: { rssBytes: process.memoryUsage().rss, heapUsedBytes: process.memoryUsage().heapUsed },
    };
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const want = (m: string) => { if (method !== m) throw new MethodNotAllowedError(method, path); };
    if (path === '/health') {
      want('GET');
      return sendJson(res, closing ? 503 : 200, { status: closing ? 'shutting_down' : 'ok', models: allModels().map((m) => m.id) });
    }
    if (!authorized(req)) throw new AuthenticationError();
    if (closing) throw new UnavailableError('The server is shutting down.');
    switch (path) {
      case '/metrics':
        want('GET');
        if (url.searchParams.get('format') === 'prometheus' || /text\/plain/.test(String(req.headers.accept ?? ''))) {
          return sendText(res, 200, prometheusText(metricsJson()), 'text/plain; version=0.0.4');
        }
        return sendJson(res, 200, metricsJson());
      case '/v1/models':
        want('GET');
        return sendJson(res, 200, { object: 'list', data: allModels() });
      case '/v1/chat/completions': {
        want('POST');
        const body = parseOr400(chatRequest, await readJson(req, maxBody));
        const { messages, images } = toChatMessages(body);
        if (images.length) {
          const vision = vlms.get(body.model);
          if (vision) return runVision(vision, body.model, body, messages, images, defaultMaxTokens, res);
          if (lms.has(body.model)) {
            throw new InvalidRequestError(`The model '${body.model}' does not accept images. Serve a vision-language model (@mlx/vlm) to send image_url parts.`, 'messages', 'images_not_supported');
          }
          throw new ModelNotFoundError(body.model);
        }
        const served = lms.get(body.model);
        if (!served) throw new ModelNotFoundError(body.model);
        return runJob(chatJob(served, body, messages, defaultMaxTokens), res);
      }
      case '/v1/completions': {
        want('POST');
        const body = parseOr400(completionRequest, await readJson(req, maxBody));
        const served = lms.get(body.model);
        if (!served) throw new ModelNotFoundError(body.model);
        return runJob(completionJob(served, body), res);
      }
      case '/v1/audio/transcriptions':
        want('POST');
        return handleTranscription(req, res, transcribers, maxUpload);
      default: {
        const m = /^\/v1\/models\/(.+)$/.exec(path);
        if (m) {
          want('GET');
          const found = allModels().find((x) => x.id === decodeURIComponent(m[1]));
          if (!found) throw new ModelNotFoundError(decodeURIComponent(m[1]));
          return sendJson(res, 200, found);
        }
        throw new NotFoundError(path);
      }
    }
  }

  const server = http.createServer((req, res) => {
    counters.requests++;
    route(req, res).catch((e) => {
      const err = toServeError(e);
      if (err.status >= 500) { counters.errors5xx++; opts.log?.(`[serve] ${req.method} ${req.url}: ${err.message}`); } else counters.errors4xx++;
      // The body may be unread (e.g. a 401 before reading); drain it so the connection stays usable.
      if (!req.complete) req.resume();
      sendError(res, err);
    });
  });
  server.keepAliveTimeout = 5_000;
  // A socket error (client reset) must never take the process down.
  server.on('clientError', (_e, socket) => { if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'); else socket.destroy(); });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    http: server,
    schedulers: new Map([...lms].map(([id, m]) => [id, m.scheduler])),
    close(timeoutMs = opts.shutdownTimeoutMs ?? 10_000) {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        await Promise.all([...lms.values()].map((m) => m.scheduler.close(timeoutMs)));
        // Responses have been written; give sockets a moment to flush, then drop what is left.
        const t = setTimeout(() => server.closeAllConnections(), 1_000);
        server.closeIdleConnections();
        await stopped;
        clearTimeout(t);
      })();
      return closed;
    },
  };
}
