// @mlx/lm: LLM generation (issue #8). Nothing is exported yet.
export * from './tokenizer/index.js';
