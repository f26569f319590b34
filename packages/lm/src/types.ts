// The tokenizer contract (implemented in ./tokenizer/ by the hub+tokenizer task; see BRIEF2.md). Kept here as a
// structural type so that the model code compiles and is testable on its own.
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | Array<{ type: 'text'; text: string } | { type: 'image' }>;
}
export interface Tokenizer {
  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[];
  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string;
  readonly vocabSize: number;
  readonly bosTokenId?: number;
  readonly eosTokenIds: readonly number[];
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean; extra?: Record<string, unknown> }): string;
  streamDecoder(opts?: { skipSpecialTokens?: boolean }): { push(id: number): string; flush(): string };
}
