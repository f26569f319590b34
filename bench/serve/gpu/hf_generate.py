"""Peer for bench/serve/gpu/run.mjs: HF transformers `generate` on the GPU with a batch of prompts.

Model: LlamaForCausalLM in SmolLM2-135M's configuration (read from the GGUF by run.mjs and passed as JSON) with
RANDOM weights (throughput does not depend on the weight values; min_new_tokens forces every row to the full length,
as the server's ignore_eos does). Needs only torch + transformers, no internet.
Input (stdin, JSON): {config, batches: [32, 64], prompts: [[ids...], ...], new_tokens, dtype, reps, model_dir?}
Output (stdout, JSON): {batch: {tok_s, seconds, ...}}
With model_dir: the random model is written there once (save_pretrained, safetensors, in dtype) and loaded from there,
so the server (which serves the same directory) and this peer compute the same function. With model_dir and no
batches, it only writes the model.
"""
import json
import os
import sys
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM


def main():
    req = json.load(sys.stdin)
    c = req["config"]
    cfg = LlamaConfig(vocab_size=c["vocab"], hidden_size=c["hidden"], intermediate_size=c["ffn"],
                      num_hidden_layers=c["layers"], num_attention_heads=c["heads"], num_key_value_heads=c["kvHeads"],
                      rms_norm_eps=c["eps"], rope_theta=c["ropeTheta"], max_position_embeddings=c["context"],
                      tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=2)
    dtype = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}[req.get("dtype", "bfloat16")]
    dev = req.get("device") or ("cuda" if torch.cuda.is_available() else "cpu")
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    torch.manual_seed(0)
    model_dir = req.get("model_dir")
    if model_dir and not any(f.endswith(".safetensors") for f in os.listdir(model_dir)):
        LlamaForCausalLM(cfg).to(dtype=dtype).save_pretrained(model_dir, safe_serialization=True)
    if not req.get("batches"):
        json.dump({"saved": model_dir}, sys.stdout)
        return
    if model_dir:
        model = LlamaForCausalLM.from_pretrained(model_dir, torch_dtype=dtype).to(dev).eval()
    else:
        model = LlamaForCausalLM(cfg).to(device=dev, dtype=dtype).eval()
    out = {}
    for B in req["batches"]:
        rows = [req["prompts"][i % len(req["prompts"])] for i in range(B)]
        L = max(len(r) for r in rows)
        ids = torch.full((B, L), cfg.pad_token_id, dtype=torch.long)
        mask = torch.zeros((B, L), dtype=torch.long)
        for i, r in enumerate(rows):  # left padding, as batched generation needs
            ids[i, L - len(r):] = torch.tensor(r)
            mask[i, L - len(r):] = 1
        ids, mask = ids.to(dev), mask.to(dev)
        n = req["new_tokens"]
        kw = dict(attention_mask=mask, max_new_tokens=n, min_new_tokens=n, do_sample=False, pad_token_id=cfg.pad_token_id)
        with torch.inference_mode():
            model.generate(ids, **kw)  # warm-up
            times = []
            for _ in range(req.get("reps", 3)):
                sync()
                t0 = time.perf_counter()
                g = model.generate(ids, **kw)
                sync()
                times.append(time.perf_counter() - t0)
        generated = (g.shape[1] - L) * B
        t = sorted(times)[len(times) // 2]
        out[str(B)] = {"tok_s": generated / t, "seconds": t, "generated": generated, "prompt_len": L}
    out["torch"] = torch.__version__
    out["device"] = torch.cuda.get_device_name(0) if dev == "cuda" else "cpu"
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
