// loadTokenizer(dir): HF `tokenizer.json` (+ tokenizer_config.json) through @huggingface/tokenizers,
// which implements the HF pipeline (normalizers, pre-tokenizers, models, decoders) faithfully.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { ChatTemplate } from './chat.js';
import { TokenizerError, type ChatMessage, type EncodeOptions, type StreamDecoder, type Tokenizer } from './types.js';

async function readJson(path: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  if (!existsSync(path)) {
    if (required) throw new TokenizerError(`${path} does not exist.`);
    return undefined;
  }
  try {
    const v = JSON.parse(await readFile(path, 'utf8'));
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v;
  } catch (e) {
    throw new TokenizerError(`${path}: ${(e as Error).message}`);
  }
}

function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

class HfBackedTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosTokenId?: number;
  readonly eosTokenIds: readonly number[];
  readonly chatTemplate?: string;
  private template?: ChatTemplate;
  private special = new Set<number>();

  constructor(private hf: HfTokenizer, json: Record<string, unknown>, config: Record<string, unknown>, eosExtra: number[]) {
    this.vocabSize = hf.get_vocab(true).size;
    for (const [id, t] of hf.get_added_tokens_decoder()) if ((t as { special?: boolean }).special) this.special.add(id);
    const bos = tokenText(config.bos_token);
    this.bosTokenId = bos !== undefined ? hf.token_to_id(bos) : undefined;
    const eos = tokenText(config.eos_token);
    const eosId = eos !== undefined ? hf.token_to_id(eos) : undefined;
    // Without a config, the usual end-of-turn texts stand in (as llama.cpp does for GGUF).
    const guessed = eosId === undefined
      ? ['<|endoftext|>', '<|im_end|>', '<|eot_id|>', '<end_of_turn>', '</s>'].map((t) => hf.token_to_id(t)).filter((x): x is number => x !== undefined)
      : [eosId];
    this.eosTokenIds = [...new Set([...guessed, ...eosExtra])];
    const t = config.chat_template;
    this.chatTemplate = typeof t === 'string' ? t
      : Array.isArray(t) ? (t.find((x) => x?.name === 'default')?.template as string | undefined) : undefined;
    void json;
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new TokenizerError('encode expects a string.');
    return this.hf.encode(text, { add_special_tokens: opts.addSpecialTokens ?? true }).ids;
  }
  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    for (const id of ids) if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new TokenizerError(`Token id ${id} is outside the vocabulary (size ${this.vocabSize}).`);
    if (ids.length === 0) return '';
    return this.hf.decode([...ids], { skip_special_tokens: opts.skipSpecialTokens ?? false, clean_up_tokenization_spaces: false });
  }
  tokenToId(token: string): number | undefined { return this.hf.token_to_id(token); }
  idToToken(id: number): string | undefined { return this.hf.id_to_token(id); }

  /** Decodes a growing window and emits text once it no longer ends in a partial character. */
  streamDecoder(opts: { skipSpecialTokens?: boolean } = {}): StreamDecoder {
    const ids: number[] = [];
    let prefix = 0, emittedFrom = 0;
    const tail = () => this.decode(ids.slice(prefix), opts);
    return {
      push: (id: number) => {
        ids.push(id);
        const before = this.decode(ids.slice(prefix, emittedFrom), opts);
        const now = tail();
        if (now.length > before.length && !now.endsWith('\ufffd')) {
          const out = now.slice(before.length);
          prefix = emittedFrom; emittedFrom = ids.length;
          return out;
        }
        return '';
      },
      flush: () => {
        const before = this.decode(ids.slice(prefix, emittedFrom), opts);
        const out = tail().slice(before.length);
        prefix = emittedFrom = ids.length;
        return out;
      },
    };
  }

  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean; extra?: Record<string, unknown> }): string {
    if (!this.chatTemplate) throw new TokenizerError('This tokenizer has no chat_template.');
    this.template ??= new ChatTemplate(this.chatTemplate, {
      bos_token: this.bosTokenId !== undefined ? this.hf.id_to_token(this.bosTokenId) : undefined,
      eos_token: this.eosTokenIds.length ? this.hf.id_to_token(this.eosTokenIds[0]) : undefined,
    });
    return this.template.render(messages, opts);
  }
}

/** Loads `tokenizer.json` (+ `tokenizer_config.json`, `chat_template.jinja`, eos ids of `generation_config.json`). */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  const json = (await readJson(join(dir, 'tokenizer.json'), true))!;
  const config = (await readJson(join(dir, 'tokenizer_config.json'), false)) ?? {};
  if (config.chat_template === undefined && existsSync(join(dir, 'chat_template.jinja'))) {
    config.chat_template = await readFile(join(dir, 'chat_template.jinja'), 'utf8');
  }
  const gen = await readJson(join(dir, 'generation_config.json'), false);
  const eosExtra = ([] as unknown[]).concat(gen?.eos_token_id ?? []).filter((x): x is number => Number.isInteger(x));
  if (typeof json.model !== 'object' || json.model === null) throw new TokenizerError(`${join(dir, 'tokenizer.json')}: no "model" section.`);
  let hf: HfTokenizer;
  try {
    hf = new HfTokenizer(json, config);
  } catch (e) {
    throw new TokenizerError(`${join(dir, 'tokenizer.json')}: ${(e as Error).message}`);
  }
  return new HfBackedTokenizer(hf, json, config, eosExtra);
}
