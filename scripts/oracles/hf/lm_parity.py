"""Parity fixtures for @mlx/lm: random tiny HF transformers causal LMs (llama, qwen2, qwen3, gemma3).

For each architecture: save_pretrained (safetensors, float32) into packages/lm/test/fixtures/hf/<name>/ plus
expected.safetensors holding the prompt ids, the float32 logits of the prompt, 20 further token ids fed one at a
time through the KV cache, and the logits of each of those steps.
Runs with a plain `pip install torch transformers safetensors` (CPU is fine).
"""
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, Gemma3TextConfig, LlamaConfig, Qwen2Config, Qwen3Config

OUT = os.path.join(os.path.dirname(__file__), "../../../packages/lm/test/fixtures/hf")
VOCAB = 128
PROMPT_LEN = 12
STEPS = 20

common = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-5, tie_word_embeddings=True)

CONFIGS = {
    # Llama 3 style rope scaling, untied output layer
    "llama": LlamaConfig(**{**common, "tie_word_embeddings": False}, rope_theta=50000.0,
                         rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                       "high_freq_factor": 4.0, "original_max_position_embeddings": 64}),
    "qwen2": Qwen2Config(**common, rope_theta=1000000.0),
    "qwen3": Qwen3Config(**common, head_dim=16, rope_theta=1000000.0),
    # 3 layers: two sliding (window 8, local rope base) and one global; head_dim differs from hidden/heads
    "gemma3": Gemma3TextConfig(**{**common, "num_hidden_layers": 3, "num_attention_heads": 2, "num_key_value_heads": 1},
                               head_dim=24, query_pre_attn_scalar=20, sliding_window=8,
                               layer_types=["sliding_attention", "sliding_attention", "full_attention"],
                               rope_theta=1000000.0, rope_local_base_freq=10000.0,
                               final_logit_softcapping=None, attn_logit_softcapping=None),
}


def main(names):
    for name in names or CONFIGS:
        torch.manual_seed(1234)
        cfg = CONFIGS[name]
        model = AutoModelForCausalLM.from_config(cfg, dtype=torch.float32).eval()
        if name == "gemma3":
            # Norm weights are zero at init (the model adds 1); randomise them so the +1 is tested.
            with torch.no_grad():
                for n, p in model.named_parameters():
                    if "norm" in n:
                        p.normal_(0.0, 0.3)
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        model.save_pretrained(d, safe_serialization=True)
        g = torch.Generator().manual_seed(99)
        prompt = torch.randint(0, VOCAB, (1, PROMPT_LEN), generator=g)
        steps = torch.randint(0, VOCAB, (1, STEPS), generator=g)
        with torch.no_grad():
            out = model(input_ids=prompt, use_cache=True)
            past = out.past_key_values
            step_logits = []
            for i in range(STEPS):
                o = model(input_ids=steps[:, i:i + 1], past_key_values=past, use_cache=True)
                past = o.past_key_values
                step_logits.append(o.logits[0, -1])
        save_file({
            "prompt_ids": prompt[0].to(torch.int32).contiguous(),
            "prompt_logits": out.logits[0].float().contiguous(),
            "step_ids": steps[0].to(torch.int32).contiguous(),
            "step_logits": torch.stack(step_logits).float().contiguous(),
        }, os.path.join(d, "expected.safetensors"))
        for f in ("generation_config.json",):
            p = os.path.join(d, f)
            if os.path.exists(p):
                os.remove(p)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        print(f"{name}: {size} bytes in {d}")


if __name__ == "__main__":
    main(sys.argv[1:])
