// LLM replies: each final transcript (or string) becomes a user turn; the reply streams token by token.
import { type OperatorFunction, filter, map, pipe } from 'rxjs';
import type { ChatMessage, LanguageModel, LMGenerateOptions } from '../contracts.js';
import { exclusive, type ExclusiveStats } from './exclusive.js';
import type { Transcript } from './transcribe.js';

/**
 * Conversation memory: an optional system prompt plus the most recent turns, bounded two ways so a long-running
 * pipeline's prompts (and with them the LM's prompt/KV cache, which keeps its largest size) stop growing:
 * `maxHistory` messages and `maxHistoryChars` characters of history. Whole turns are dropped from the front; the
 * newest turn is always kept.
 */
export class Conversation {
  private history: ChatMessage[] = [];
  private chars = 0;
  /** maxHistory counts messages (user and assistant) kept besides the system prompt; maxHistoryChars their characters */
  constructor(public system?: string, public maxHistory = 8, public maxHistoryChars = 4000) {
    if (!(maxHistory >= 0)) throw new RangeError(`maxHistory must be ≥ 0, got ${maxHistory}`);
    if (!(maxHistoryChars >= 0)) throw new RangeError(`maxHistoryChars must be ≥ 0, got ${maxHistoryChars}`);
  }
  add(role: 'user' | 'assistant', content: string): void {
    this.history.push({ role, content });
    this.chars += content.length;
    // Drop whole turns from the front so the window never starts with an assistant message.
    const over = () => this.history.length > this.maxHistory || (this.chars > this.maxHistoryChars && this.history.length > 2);
    while (this.history.length && over()) {
      this.drop();
      while (this.history[0]?.role === 'assistant') this.drop();
    }
  }
  private drop(): void { this.chars -= (this.history.shift()!.content as string).length; }
  /** characters of history held (the system prompt aside) */
  get size(): number { return this.chars; }
  messages(): ChatMessage[] {
    return [...(this.system ? [{ role: 'system' as const, content: this.system }] : []), ...this.history];
  }
  clear(): void { this.history = []; this.chars = 0; }
}

export interface GenerateStageOptions extends Omit<LMGenerateOptions, 'signal'> {
  system?: string;
  maxHistory?: number;
  /** characters of history kept (default 4000, about 1000 tokens) */
  maxHistoryChars?: number;
  /** share memory across pipelines, or inspect it */
  conversation?: Conversation;
  /** 'queue' answers every input in turn (default); 'interrupt' aborts a running reply when new input arrives */
  policy?: 'queue' | 'interrupt';
  stats?: ExclusiveStats;
}

export type GenerateInput = string | Transcript;

export type ReplyEvent =
  | { type: 'token'; replyIndex: number; utteranceIndex?: number; text: string; token: number; at: number }
  | {
    type: 'reply'; replyIndex: number; utteranceIndex?: number; prompt: string; text: string; tokens: number;
    finishReason: 'stop' | 'length'; startedAt: number; firstTokenAt?: number; endedAt: number; input: GenerateInput;
  };

export function generate(lm: LanguageModel, opts: GenerateStageOptions = {}): OperatorFunction<GenerateInput, ReplyEvent> {
  const conversation = opts.conversation ?? new Conversation(opts.system, opts.maxHistory, opts.maxHistoryChars);
  const { system: _s, maxHistory: _m, maxHistoryChars: _mc, conversation: _c, policy, stats, ...sampling } = opts;
  const textOf = (x: GenerateInput) => (typeof x === 'string' ? x : x.text).trim();
  return pipe(
    filter((x: GenerateInput) => (typeof x === 'string' || x.type === 'final') && textOf(x).length > 0),
    exclusive<GenerateInput, ReplyEvent>(
      async function* (input, signal, replyIndex) {
        const prompt = textOf(input);
        const utteranceIndex = typeof input === 'string' ? undefined : input.utteranceIndex;
        const messages = [...conversation.messages(), { role: 'user' as const, content: prompt }];
        const startedAt = performance.now();
        let text = '', tokens = 0, firstTokenAt: number | undefined;
        try {
          for await (const t of lm.stream(messages, { ...sampling, signal })) {
            if (signal.aborted) break;
            tokens++; text += t.text;
            firstTokenAt ??= performance.now();
            yield { type: 'token', replyIndex, utteranceIndex, text: t.text, token: t.token, at: performance.now() } as ReplyEvent;
          }
        } finally {
          // Memory records what was said, also when a newer input interrupted the reply.
          conversation.add('user', prompt);
          conversation.add('assistant', text.trim());
        }
        if (signal.aborted) return;
        const finishReason = sampling.maxTokens !== undefined && tokens >= sampling.maxTokens ? 'length' : 'stop';
        yield { type: 'reply', replyIndex, utteranceIndex, prompt, text, tokens, finishReason, startedAt, firstTokenAt, endedAt: performance.now(), input } as ReplyEvent;
      },
      { policy: 'queue', stats, preempts: policy === 'interrupt' ? () => true : undefined },
    ),
  );
}

/** Just the reply texts, once each is complete. */
export function replies(): OperatorFunction<ReplyEvent, string> {
  return pipe(filter((e: ReplyEvent): e is Extract<ReplyEvent, { type: 'reply' }> => e.type === 'reply'), map((e) => e.text));
}
