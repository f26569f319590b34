// @mlx/lm: LLM text generation (issue #8).
export { loadLM, LM, type GenerateOptions, type GenerateResult, type LoadLMOptions, type Prompt } from './lm.js';
export * from './tokenizer/index.js';
export { registerArchitecture, getArchitecture, registeredArchitectures, type Architecture, type ArchitectureRegistry, type ArchitectureConfig } from './architectures/registry.js';
export { DecoderModel, type DecoderSpec, type LayerSpec, type WeightSource } from './architectures/decoder.js';
export { KVCache, RotatingKVCache, QuantizedKVCache, type LayerCache } from './generation/cache.js';
export { makeSampler, validateSampling, type SamplingOptions, type Sampler } from './generation/sampling.js';
export type { GenerationStats, FinishReason } from './generation/generate.js';
export { StopStringMatcher } from './generation/stop.js';
export { loadGgufModel, hfName } from './loaders/gguf.js';
export { loadSafetensorsModel } from './loaders/safetensors.js';
export { ModelFormatError, UnknownArchitectureError, ContextLengthError, GenerationOptionsError, ModelNotFoundError } from './errors.js';
import './architectures/index.js';
