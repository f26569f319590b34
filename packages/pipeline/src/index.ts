// @mlx/pipeline: audio/vision/LLM pipelines as RxJS sources and operators, typed plugin registries and declarative
// pipeline definitions (issue #10).
export * from './errors.js';
export * from './frames.js';
export type * from './contracts.js';
export { pcmSource, type PcmSourceOptions } from './sources/pcm.js';
export { wavFileSource, parseWavHeader, type WavFileSourceOptions, type WavInfo } from './sources/wav.js';
export { micSource, findProgram, captureCommand, CAPTURE_PROGRAMS, type CaptureProgram, type MicSourceOptions } from './sources/mic.js';
export { downmix, resample, resampleArray, StreamingResampler } from './operators/audio.js';
export { vad, energyVad, type VadEvent, type VadOptions, type EnergyVadOptions } from './operators/vad.js';
export { utterances, type Utterance, type UtterancesOptions } from './operators/utterances.js';
export { transcribe, transcribeStream, whisperTranscriber, isWhisper, type Transcript, type TranscribeStageOptions, type WhisperLike } from './operators/transcribe.js';
export { generate, replies, Conversation, type GenerateInput, type GenerateStageOptions, type ReplyEvent } from './operators/generate.js';
export { describe, type DescribeInput, type DescribeOptions, type Description } from './operators/describe.js';
export { exclusive, abortable, createExclusiveStats, type ExclusiveOptions, type ExclusiveStats, type JobResult } from './operators/exclusive.js';
export {
  Registry, stageRegistry, sourceRegistry, registerStage, registerSource,
  type StageRegistry, type SourceRegistry, type StageDefinition, type SourceDefinition, type PipelineContext,
  type StageDefinitions, type SourceDefinitions,
} from './registry.js';
export { registerBuiltins } from './stages.js';
export {
  buildPipeline, validateDefinition, loadDefinition, parseDefinitionText,
  type PipelineDefinition, type PipelineStep, type ValidatedDefinition, type BuildOptions,
} from './definition.js';

import { registerBuiltins } from './stages.js';
registerBuiltins();
export { voiceAssistant, LatencyTracker, type AssistantEvent, type VoiceAssistantOptions, type LatencyFigures } from './operators/assistant.js';
export {
  sampleMemory, fullGc, memoryTrend, linearSlope, withinBound, MEMORY_METRICS,
  type MemorySample, type MemoryMetric, type MemoryTrend, type TrendOptions, type SampleMemoryOptions,
} from './memory.js';
