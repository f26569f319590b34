// Chat templates rendered with @huggingface/jinja (which also provides raise_exception and
// strftime_now). Templates are compiled once per tokenizer.
import { Template } from '@huggingface/jinja';
import { TokenizerError, type ChatMessage } from './types.js';

/** Gemma's turn format, for GGUF files that ship without `tokenizer.chat_template`. */
export const GEMMA_TEMPLATE = `{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
{%- set first_prefix = messages[0]['content'] + '\n\n' -%}
{%- set turns = messages[1:] -%}
{%- else -%}
{%- set first_prefix = '' -%}
{%- set turns = messages -%}
{%- endif -%}
{%- for m in turns -%}
{%- set role = 'model' if m['role'] == 'assistant' else m['role'] -%}
{{ '<start_of_turn>' + role + '\n' + ((first_prefix if loop.first else '') + m['content']) | trim + '<end_of_turn>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}`;

/** ChatML, for files with `<|im_start|>` tokens and no template. */
export const CHATML_TEMPLATE = `{%- for m in messages -%}
{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\n' }}{%- endif -%}`;

/** Text-only content arrays become strings, so text templates work; image parts keep the array. */
function normalise(messages: ChatMessage[]): unknown[] {
  return messages.map((m) => {
    if (typeof m.content === 'string' || m.content.some((p) => p.type !== 'text')) return { ...m };
    return { ...m, content: m.content.map((p) => (p as { text: string }).text).join('') };
  });
}

export class ChatTemplate {
  private compiled: Template;
  constructor(readonly source: string, private specials: { bos_token?: string; eos_token?: string }) {
    try {
      this.compiled = new Template(source);
    } catch (e) {
      throw new TokenizerError(`The chat template does not parse: ${(e as Error).message}`);
    }
  }
  render(messages: ChatMessage[], opts: { addGenerationPrompt?: boolean; extra?: Record<string, unknown> } = {}): string {
    if (!Array.isArray(messages)) throw new TokenizerError('applyChatTemplate expects an array of messages.');
    try {
      return this.compiled.render({
        bos_token: this.specials.bos_token ?? '', eos_token: this.specials.eos_token ?? '',
        ...opts.extra, messages: normalise(messages), add_generation_prompt: opts.addGenerationPrompt ?? false,
      });
    } catch (e) {
      throw new TokenizerError(`The chat template failed: ${(e as Error).message}`);
    }
  }
}
