// @mlx/vlm: vision-language models (issue #9): LLaVA, Idefics3/SmolVLM, Qwen2-VL.
export { loadVLM, VLM, registerVlmArchitecture, type VlmRequest, type VlmGenerateOptions, type VlmResult, type VlmStats, type VlmInputs } from './vlm.js';
export { ImageDecodeError, ModelFormatError, ContextOverflowError, VlmInputError } from './errors.js';
export { loadImage, type ImageInput } from './image/load.js';
export { setAttentionMode, type AttentionMode } from './attention.js';
export { resizeImage, Resample, type RgbImage } from './image/resample.js';
export type { ImageProcessor, ProcessedImages, PreprocessorConfig } from './processing/common.js';
export type { VlmArchitecture, ArchitectureFactory } from './models/common.js';
