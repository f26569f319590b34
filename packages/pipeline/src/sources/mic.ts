// micSource: live capture through a child process (arecord, or SoX's rec/sox), whichever is installed.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Observable } from 'rxjs';
import type { AudioFrame } from '../frames.js';
import { MissingProgramError, SourceError } from '../errors.js';
import { pcmSource } from './pcm.js';

export type CaptureProgram = 'arecord' | 'rec' | 'sox';
export const CAPTURE_PROGRAMS: readonly CaptureProgram[] = ['arecord', 'rec', 'sox'];

export interface MicSourceOptions {
  sampleRate?: number; channels?: number; frameMs?: number;
  /** force one program instead of the first one found */
  program?: CaptureProgram;
  /** capture device (arecord -D, or AUDIODEV for SoX) */
  device?: string;
  /** PATH to search (default process.env.PATH) */
  searchPath?: string;
}

/** Finds an executable on a PATH string. */
export function findProgram(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, name);
    try { accessSync(full, constants.X_OK); return full; } catch { /* keep looking */ }
  }
  return undefined;
}

export function captureCommand(program: CaptureProgram, rate: number, channels: number, device?: string): string[] {
  const raw = ['-t', 'raw', '-b', '16', '-e', 'signed-integer', '-r', String(rate), '-c', String(channels), '-'];
  switch (program) {
    case 'arecord': return ['-q', ...(device ? ['-D', device] : []), '-f', 'S16_LE', '-r', String(rate), '-c', String(channels), '-t', 'raw', '-'];
    case 'rec': return ['-q', ...raw];
    case 'sox': return ['-q', '-d', ...raw];
  }
}

/** Microphone frames (16-bit capture converted to float32). Unsubscribing kills the capture process. */
export function micSource(opts: MicSourceOptions = {}): Observable<AudioFrame> {
  const sampleRate = opts.sampleRate ?? 16000, channels = opts.channels ?? 1;
  const candidates = opts.program ? [opts.program] : CAPTURE_PROGRAMS;
  return new Observable<AudioFrame>((subscriber) => {
    let program: CaptureProgram | undefined, path: string | undefined;
    for (const c of candidates) { path = findProgram(c, opts.searchPath); if (path) { program = c; break; } }
    if (!program || !path) {
      subscriber.error(new MissingProgramError(candidates, 'install alsa-utils (arecord) or sox'));
      return;
    }
    const env = { ...process.env, ...(opts.device && program !== 'arecord' ? { AUDIODEV: opts.device } : {}) };
    const child = spawn(path, captureCommand(program, sampleRate, channels, opts.device), { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
    child.on('error', (e) => { if (!killed) subscriber.error(new SourceError(`${program} failed to start: ${e.message}`)); });
    let stdoutDone = false, exited: { code: number | null; signal: string | null } | undefined;
    // Finish only when both the output has drained and the process has exited, so a failing exit is never lost.
    const settle = () => {
      if (killed || !stdoutDone || !exited) return;
      if (exited.code === 0) subscriber.complete();
      else subscriber.error(new SourceError(`${program} exited with ${exited.code ?? exited.signal}: ${stderr.trim() || 'no message'}`));
    };
    child.on('exit', (code, signal) => { exited = { code, signal }; settle(); });
    const inner = pcmSource(child.stdout, { sampleRate, channels, encoding: 's16le', frameMs: opts.frameMs }).subscribe({
      next: (f) => subscriber.next(f),
      error: (e) => subscriber.error(e),
      complete: () => { stdoutDone = true; settle(); },
    });
    return () => {
      killed = true;
      inner.unsubscribe();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    };
  });
}
