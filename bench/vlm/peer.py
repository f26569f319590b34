#!/usr/bin/env python3
"""Peer for bench/vlm: builds a random SmolVLM-256M-shaped Idefics3 model (once, in the given dir) and times HF
transformers on CPU with torch threads = 2: image encoding (vision tower + connector) and greedy generation."""
import json, os, sys, time
import numpy as np
import torch
import transformers
from PIL import Image

out_dir, n_tokens, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])  # reps 0: server mode
torch.set_num_threads(2)
torch.manual_seed(0)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "oracles", "hf"))
import vlm_parity as vp  # tokenizer builder

if not os.path.exists(os.path.join(out_dir, "config.json")):
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration, Idefics3Processor, Idefics3VisionConfig, LlamaConfig
    os.makedirs(out_dir, exist_ok=True)
    tok = vp.make_tokenizer(out_dir)
    vcfg = Idefics3VisionConfig(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                                image_size=512, patch_size=16)
    tcfg = LlamaConfig(vocab_size=49280, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                       num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=8192, rms_norm_eps=1e-5,
                       rope_theta=100000, tie_word_embeddings=True, bos_token_id=1, eos_token_id=0)
    cfg = Idefics3Config(vision_config=vcfg, text_config=tcfg, scale_factor=4, image_token_id=tok.convert_tokens_to_ids("<image>"),
                         tie_word_embeddings=True)
    model = Idefics3ForConditionalGeneration(cfg)
    model.save_pretrained(out_dir, safe_serialization=True)
    ip = vp.pil_cls("Idefics3ImageProcessor")(size={"longest_edge": 512}, max_image_size={"longest_edge": 512}, resample=1,
                                              do_image_splitting=False)
    Idefics3Processor(image_processor=ip, tokenizer=tok, image_seq_len=64).save_pretrained(out_dir)

from transformers import AutoProcessor, Idefics3ForConditionalGeneration, Idefics3Processor
model = Idefics3ForConditionalGeneration.from_pretrained(out_dir, dtype=torch.float32).eval()
proc = Idefics3Processor.from_pretrained(out_dir)
img = Image.open(sys.argv[4]).convert("RGB")
inputs = proc(text=["User:<image>Describe the image.\nAssistant:"], images=[img], return_tensors="pt")

def encode():
    model.model.get_image_features(pixel_values=inputs["pixel_values"], pixel_attention_mask=inputs["pixel_attention_mask"])


def generate():
    return model.generate(**inputs, max_new_tokens=n_tokens, min_new_tokens=n_tokens, do_sample=False)


with torch.no_grad():
    if reps == 0:
        # server mode (bench/vlm/run.mjs interleaves with our runs): one command per stdin line, one JSON line back
        print(json.dumps({"ready": True, "prompt_tokens": int(inputs["input_ids"].shape[1]), "transformers": transformers.__version__,
                          "torch": torch.__version__}), flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "quit":
                break
            t = time.perf_counter()
            o = encode() if cmd == "encode" else generate()
            r = {"s": time.perf_counter() - t}
            if cmd == "generate":
                r["tokens"] = o[0, inputs["input_ids"].shape[1]:].tolist()
            print(json.dumps(r), flush=True)
        sys.exit(0)
    enc = []
    for _ in range(reps + 1):
        t = time.perf_counter()
        encode()
        enc.append(time.perf_counter() - t)
    gen = []
    for _ in range(reps):
        t = time.perf_counter()
        o = generate()
        gen.append(time.perf_counter() - t)
print(json.dumps({"encode_s": float(np.median(enc[1:])), "generate_s": float(np.median(gen)), "prompt_tokens": int(inputs["input_ids"].shape[1]),
                  "tokens": o[0, inputs["input_ids"].shape[1]:].tolist(), "transformers": transformers.__version__, "torch": torch.__version__}))
