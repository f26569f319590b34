// The tokenizer contract lives in ./tokenizer (hub+tokenizer task); re-exported for the model code.
export type { ChatMessage, Tokenizer } from './tokenizer/index.js';
