// The tokenizer contract shared by @mlx/lm, @mlx/vlm and @mlx/pipeline.
import { MlxError } from '@mlx/core';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | Array<{ type: 'text'; text: string } | { type: 'image' }>;
}

export interface EncodeOptions {
  /** Add BOS/EOS as the model's metadata says (default true). */
  addSpecialTokens?: boolean;
  /** Match control tokens such as `<|im_start|>` written in the text (default true). */
  parseSpecial?: boolean;
}

export interface StreamDecoder {
  /** Text that became complete with this token (never half a UTF-8 character). */
  push(id: number): string;
  /** Whatever is still buffered (incomplete bytes become U+FFFD). */
  flush(): string;
}

export interface Tokenizer {
  encode(text: string, opts?: EncodeOptions): number[];
  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string;
  readonly vocabSize: number;
  readonly bosTokenId?: number;
  readonly eosTokenIds: readonly number[];
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean; extra?: Record<string, unknown> }): string;
  streamDecoder(opts?: { skipSpecialTokens?: boolean }): StreamDecoder;
  /** The Jinja chat template in use (from the model, or a built-in one for known formats). */
  readonly chatTemplate?: string;
}

/** Malformed or unsupported tokenizer data (GGUF metadata, tokenizer.json, chat template). */
export class TokenizerError extends MlxError {
  constructor(message: string) { super(message, 'MLX_TOKENIZER_FORMAT'); }
}
