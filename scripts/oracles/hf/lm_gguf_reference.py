"""Float32 reference for real GGUF models: HF transformers dequantizes the GGUF to float32 and runs the prompts of
a llama.cpp greedy fixture (scripts/oracles/llamacpp_greedy.mjs), so that both oracles see the same prompt ids.

Writes, per prompt: the last prompt position's top-20 logits (ids + values), 32 greedy tokens, and at every greedy
step the margin between the best and second-best logit (how close each step is to a tie).

  pip install torch transformers gguf accelerate
  [STEPS=32] [PROMPTS=n] python scripts/oracles/hf/lm_gguf_reference.py MODEL.gguf packages/lm/test/fixtures/llamacpp/NAME.json OUT.json
"""
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM

TOP = 20
STEPS = int(os.environ.get("STEPS", "32"))
PROMPTS = int(os.environ.get("PROMPTS", "1000"))


def main():
    gguf_path, prompts_path, out_path = sys.argv[1:4]
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    fixture = json.load(open(prompts_path))
    model = AutoModelForCausalLM.from_pretrained(
        os.path.dirname(os.path.abspath(gguf_path)), gguf_file=os.path.basename(gguf_path),
        dtype=torch.float32, attn_implementation="eager")
    model.eval()
    out = {"model": os.path.basename(gguf_path), "engine": "transformers float32 (GGUF dequantized)", "prompts": []}
    with torch.no_grad():
        for p in fixture["prompts"][:PROMPTS]:
            ids = torch.tensor([p["promptIds"]], dtype=torch.long)
            res = model(input_ids=ids, use_cache=True)
            last = res.logits[0, -1].float()
            top = torch.topk(last, TOP)
            entry = {"promptIds": p["promptIds"], "topIds": top.indices.tolist(),
                     "topValues": [float(v) for v in top.values], "greedy": [], "margins": []}
            past = res.past_key_values
            logits = last
            for _ in range(STEPS):
                t2 = torch.topk(logits, 2)
                tok = int(t2.indices[0])
                entry["greedy"].append(tok)
                entry["margins"].append(float(t2.values[0] - t2.values[1]))
                res = model(input_ids=torch.tensor([[tok]]), past_key_values=past, use_cache=True)
                past = res.past_key_values
                logits = res.logits[0, -1].float()
            out["prompts"].append(entry)
            print(len(out["prompts"]), entry["greedy"][:8], min(entry["margins"]), file=sys.stderr)
    json.dump(out, open(out_path, "w"))


if __name__ == "__main__":
    main()
