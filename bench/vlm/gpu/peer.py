#!/usr/bin/env python3
"""HF transformers side of bench/vlm/gpu (driven by run.mjs; needs only torch, transformers, safetensors).

  peer.py build DIR --size smolvlm-256m|tiny --dtype bfloat16|float16|float32
      Writes a random Idefics3ForConditionalGeneration shaped like SmolVLM-256M (SigLIP tower 768 wide, 12 layers,
      512 px / 16 px patches, pixel-shuffle 4, SmolLM2-135M text model) with save_pretrained in that dtype, a small
      byte-level tokenizer that knows SmolVLM's image tokens, and SmolVLM's processor config. Both sides load these
      same weights.
  peer.py time DIR --inputs FILE --tokens N --reps R --device cuda|cpu --dtype ...
      Loads the model and the inputs our side prepared (input_ids, pixel_values, pixel_attention_mask per case),
      times image encoding, prefill (generate 1 token) and greedy generation of N tokens, and writes the image
      features and last-position logits of each case next to FILE (hf_outputs.safetensors) for the numeric check.
      Prints one JSON line.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import transformers
from safetensors.torch import load_file, save_file

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<fake_token_around_image>", "<global-img>",
            "<end_of_utterance>"] + [f"<row_{i + 1}_col_{j + 1}>" for i in range(6) for j in range(6)]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def write_tokenizer(out_dir):
    """A byte-level BPE without merges plus SmolVLM's special tokens (the `tokenizers` package ships with
    transformers). Only the prompt's token ids matter for the benchmark, not the text."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {ch: i for i, ch in enumerate(bytes_to_unicode())}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIALS)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<end_of_utterance>",
                                   pad_token="<|endoftext|>", unk_token=None)
    fast.save_pretrained(out_dir)
    return fast


SIZES = {
    # SmolVLM-256M-Instruct's shapes (HuggingFaceTB/SmolVLM-256M-Instruct config.json)
    "smolvlm-256m": dict(
        vision=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                    image_size=512, patch_size=16, layer_norm_eps=1e-6),
        text=dict(vocab_size=49280, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                  num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=8192, rms_norm_eps=1e-5,
                  rope_theta=100000.0),
        scale_factor=4, longest_edge=2048, tile=512),
    # the same structure, small enough for a CPU dry run
    "tiny": dict(
        vision=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                    image_size=64, patch_size=8, layer_norm_eps=1e-6),
        text=dict(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096, rms_norm_eps=1e-5,
                  rope_theta=100000.0),
        scale_factor=2, longest_edge=256, tile=64),
}


def build(args):
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration, Idefics3VisionConfig, LlamaConfig

    spec = SIZES[args.size]
    os.makedirs(args.dir, exist_ok=True)
    tok = write_tokenizer(args.dir)
    image_token_id = tok.convert_tokens_to_ids("<image>")
    torch.manual_seed(0)
    # no eos in the model's generation config: both sides generate exactly N tokens
    tcfg = LlamaConfig(**spec["text"], tie_word_embeddings=True, bos_token_id=None, eos_token_id=None, pad_token_id=None,
                       initializer_range=0.02)
    cfg = Idefics3Config(vision_config=Idefics3VisionConfig(**spec["vision"]), text_config=tcfg,
                         scale_factor=spec["scale_factor"], image_token_id=image_token_id, tie_word_embeddings=True)
    model = Idefics3ForConditionalGeneration(cfg).to(getattr(torch, args.dtype))
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = tok.pad_token_id
    model.save_pretrained(args.dir, safe_serialization=True)
    v = spec["vision"]
    seq_len = (v["image_size"] // v["patch_size"]) ** 2 // spec["scale_factor"] ** 2
    image_processor = {
        "image_processor_type": "Idefics3ImageProcessor", "do_convert_rgb": True, "do_resize": True,
        "size": {"longest_edge": spec["longest_edge"]}, "resample": 1, "do_image_splitting": True,
        "max_image_size": {"longest_edge": spec["tile"]}, "do_rescale": True, "rescale_factor": 1 / 255,
        "do_normalize": True, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "do_pad": True,
    }
    with open(os.path.join(args.dir, "processor_config.json"), "w") as f:
        json.dump({"processor_class": "Idefics3Processor", "image_seq_len": seq_len, "image_processor": image_processor}, f, indent=1)
    with open(os.path.join(args.dir, "bench_spec.json"), "w") as f:
        json.dump({"size": args.size, "dtype": args.dtype, "transformers": transformers.__version__}, f)
    print(json.dumps({"built": args.dir, "params": sum(p.numel() for p in model.parameters())}))


def timed(fn, device, reps, warmup=3):  # as bench/vlm/gpu/run.mjs
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    out = None
    ts = []
    for i in range(warmup + reps):
        sync()
        t = time.perf_counter()
        out = fn()
        sync()
        if i >= warmup:
            ts.append(time.perf_counter() - t)
    return statistics.median(ts), out


def time_cases(args):
    from transformers import Idefics3ForConditionalGeneration

    if args.device == "cpu":
        torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    try:
        model = Idefics3ForConditionalGeneration.from_pretrained(args.dir, dtype=dtype)
    except TypeError:  # transformers < 4.56 names it torch_dtype
        model = Idefics3ForConditionalGeneration.from_pretrained(args.dir, torch_dtype=dtype)
    model = model.to(args.device).eval()
    model.generation_config.eos_token_id = None
    inputs = load_file(args.inputs)
    cases = sorted({k.split(".")[0] for k in inputs})
    result = {"cases": {}, "transformers": transformers.__version__, "torch": torch.__version__,
              "device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
              "attn_implementation": getattr(model.config, "_attn_implementation", None)}
    outputs = {}
    with torch.inference_mode():
        for c in cases:
            ids = inputs[f"{c}.input_ids"].to(torch.long).to(args.device)
            pix = inputs[f"{c}.pixel_values"].to(args.device)
            mask = inputs[f"{c}.pixel_attention_mask"].to(torch.bool).to(args.device)
            kw = dict(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=pix, pixel_attention_mask=mask,
                      do_sample=False, num_beams=1)

            def encode():
                if hasattr(model.model, "get_image_features"):
                    f = model.model.get_image_features(pixel_values=pix, pixel_attention_mask=mask)
                    return f.pooler_output if hasattr(f, "pooler_output") else f
                # older transformers: the same steps by hand (all tiles are real here)
                p = model.config.vision_config.patch_size
                pv = pix.to(dtype).reshape(-1, *pix.shape[2:])
                pm = mask.reshape(-1, *mask.shape[2:])
                patch_mask = pm.unfold(1, p, p).unfold(2, p, p).sum(dim=(-1, -2)) > 0
                h = model.model.vision_model(pixel_values=pv, patch_attention_mask=patch_mask).last_hidden_state
                return model.model.connector(h)

            enc_s, feats = timed(encode, args.device, args.reps)
            feats = torch.cat(list(feats), 0) if isinstance(feats, (list, tuple)) else feats
            prefill_s, _ = timed(lambda: model.generate(**kw, max_new_tokens=1), args.device, args.reps)
            gen_s, out = timed(lambda: model.generate(**kw, max_new_tokens=args.tokens),
                               args.device, args.reps)
            logits = model(**{k: v for k, v in kw.items() if k not in ("do_sample", "num_beams")}).logits[0, -1].float()
            top2 = torch.topk(logits, 2).values
            outputs[f"{c}.features"] = feats.reshape(-1, feats.shape[-1]).float().cpu().contiguous()
            outputs[f"{c}.last_logits"] = logits.cpu().contiguous()
            result["cases"][c] = {
                "encode_s": enc_s, "prefill_s": prefill_s, "generate_s": gen_s, "prompt_tokens": int(ids.shape[1]),
                "tiles": int(pix.shape[1]), "tokens": out[0, ids.shape[1]:].tolist(),
                "first_margin": float(top2[0] - top2[1]),
            }
    save_file(outputs, os.path.join(os.path.dirname(args.inputs), "hf_outputs.safetensors"))
    print(json.dumps(result))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["build", "time"])
    ap.add_argument("dir")
    ap.add_argument("--size", default="smolvlm-256m", choices=sorted(SIZES))
    ap.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float16", "float32"])
    ap.add_argument("--inputs")
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if args.device == "cuda" and args.cmd == "time" and not torch.cuda.is_available():
        sys.exit("peer.py: torch sees no CUDA device (use --device cpu for a dry run)")
    build(args) if args.cmd == "build" else time_cases(args)


if __name__ == "__main__":
    main()
