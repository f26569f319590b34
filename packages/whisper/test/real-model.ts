// Shared setup for tests on the real tiny.en weights (skipped when the weights or espeak-ng are missing).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadWhisper } from '../src/load.js';
import type { Whisper } from '../src/model/types.js';
// @ts-expect-error plain ESM helper shared with the benchmark
import { SENTENCES, espeakWav, hasEspeak, concat } from '../../../bench/whisper/speech.mjs';

const dir = join(process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache', 'mlx-ts', 'models'), 'whisper-tiny.en');
export const haveTinyEn = existsSync(join(dir, 'model.bin'));
export const haveEspeak: boolean = hasEspeak();
export const sentences: string[] = SENTENCES;
export const synth: (text: string, opts?: { voice?: string; speed?: number }) => Uint8Array = espeakWav;
export const concatClips: (clips: Float32Array[], gap?: number) => Float32Array = concat;

let cached: Promise<Whisper> | undefined;
export const tinyEn = (): Promise<Whisper> => (cached ??= loadWhisper(dir));
