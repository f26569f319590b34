// Small node:http helpers: bounded body reading, JSON and error responses, server-sent events.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InternalServerError, InvalidRequestError, PayloadTooLargeError, ServeError } from '../errors.js';

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new PayloadTooLargeError(limit);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new PayloadTooLargeError(limit);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const ct = String(req.headers['content-type'] ?? '');
  if (ct && !/^application\/json\b/i.test(ct) && !/\+json\b/i.test(ct)) {
    throw new InvalidRequestError(`Expected Content-Type application/json, got '${ct}'.`, null, 'invalid_content_type');
  }
  const body = await readBody(req, limit);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new InvalidRequestError(`The request body is not valid JSON: ${(e as Error).message}`, null, 'invalid_json');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) { res.end(); return; }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function toServeError(e: unknown): ServeError {
  if (e instanceof ServeError) return e;
  return new InternalServerError((e as Error)?.message ?? String(e));
}

export function sendError(res: ServerResponse, e: unknown): void {
  const err = toServeError(e);
  if (res.headersSent) {
    // Mid-stream: report in-band, then end the stream.
    if (!res.writableEnded) { res.write(`data: ${JSON.stringify(err.toBody())}\n\n`); res.end(); }
    return;
  }
  sendJson(res, err.status, err.toBody());
}

export function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
}

export function sseData(res: ServerResponse, data: unknown): void {
  if (!res.writableEnded) res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}
