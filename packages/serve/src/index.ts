// @mlx/serve: continuous-batching scheduler and an OpenAI-compatible HTTP server.
export * from './errors.js';
export * from './model.js';
export { LlamaBatched, type LlamaFns, type LlamaLayerFns } from './llama-batched.js';
export { FlatBatched } from './flat-batched.js';
export { BlockManager, blockHash, type BlockStats } from './kv/block-manager.js';
export { PagedKv, type AttentionPath, type StepRow } from './kv/paged-kv.js';
export { CompiledDecode, DECODE_BUCKETS, type DecodeRow } from './compiled-decode.js';
export { greedy, isGreedy, sampleRow, type SamplingParams } from './sampling.js';
export { StopMatcher } from './stop.js';
export {
  Scheduler, type SchedulerOptions, type GenerateRequest, type GenerationHandle, type GenerationResult, type TextDelta,
  type FinishReason, type SchedulerMetrics,
} from './scheduler.js';
export { createServer, type ServerOptions, type MlxServer } from './server/server.js';
export type { Transcriber, TranscriptionResult } from './server/audio.js';
export type { VisionChat, DecodedImage } from './server/generate.js';
export { transcriberFromWhisper } from './load.js';
export { batchedFromLM, loadBatchedLM } from './lm-adapter.js';
export { serveCommand, serveUsage } from './command.js';
