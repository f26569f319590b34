export { tokenizerFromGguf } from './gguf.js';
export { loadTokenizer } from './hf.js';
export { TokenizerError, type Tokenizer, type ChatMessage, type EncodeOptions, type StreamDecoder } from './types.js';
export { ChatTemplate, GEMMA_TEMPLATE, CHATML_TEMPLATE } from './chat.js';
