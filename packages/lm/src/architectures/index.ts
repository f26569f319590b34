// Registers the built-in architectures (import for side effects).
import './llama.js';
import './qwen2.js';
import './qwen3.js';
import './gemma3.js';
