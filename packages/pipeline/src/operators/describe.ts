// Image → text through a vision-language model, one image at a time.
import type { OperatorFunction } from 'rxjs';
import type { ImageInput, VisionLanguageModel } from '../contracts.js';
import { exclusive, type ExclusiveStats } from './exclusive.js';

export interface DescribeOptions { prompt?: string; maxTokens?: number; policy?: 'latest' | 'queue'; bound?: number; stats?: ExclusiveStats }
export type DescribeInput = ImageInput | { image: ImageInput; prompt?: string };
export interface Description { index: number; image: ImageInput; prompt: string; text: string; startedAt: number; endedAt: number }

const DEFAULT_PROMPT = 'Describe this image.';

/** 'latest' suits camera frames (describe the newest), 'queue' a list of files (default). */
export function describe(vlm: VisionLanguageModel, opts: DescribeOptions = {}): OperatorFunction<DescribeInput, Description> {
  return exclusive<DescribeInput, Description>(
    async (input, signal, index) => {
      const { image, prompt } = typeof input === 'string' || input instanceof Uint8Array ? { image: input, prompt: undefined } : input;
      const p = prompt ?? opts.prompt ?? DEFAULT_PROMPT;
      const startedAt = performance.now();
      const r = await vlm.generate({ images: [image], prompt: p, signal, maxTokens: opts.maxTokens });
      return { index, image, prompt: p, text: typeof r === 'string' ? r : r.text, startedAt, endedAt: performance.now() };
    },
    { policy: opts.policy ?? 'queue', bound: opts.bound, stats: opts.stats },
  );
}
