#!/usr/bin/env python3
"""Parity fixtures for @mlx/vlm from HF transformers (random tiny models, no downloads).

For LLaVA, Idefics3 and Qwen2-VL: build a random tiny config, save_pretrained (safetensors + config.json), write a
tiny byte-level tokenizer and the PIL image processor's preprocessor_config.json, run the HF processor on a prompt
with two images, and record pixel values, the expanded prompt, input ids, vision features, merged input embeddings,
float32 logits and a 16-token greedy continuation. Also records per-image pixel values for every fixture image
(preprocessing parity), and a set of raw `Image.resize` results (every filter, RGB and L, up- and downscales in
both pass orders) in resize/oracle.safetensors.

Run:  python scripts/oracles/hf/vlm_parity.py  (needs torch, transformers, safetensors, pillow, numpy)
Writes packages/vlm/test/fixtures/.
"""
import inspect
import json
import os
import shutil
import sys

import numpy as np
import torch
import transformers
from PIL import Image
from safetensors.numpy import save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
OUT = os.path.join(ROOT, "packages", "vlm", "test", "fixtures")
VOCAB = 320

torch.manual_seed(0)
np.random.seed(0)


def pil_cls(name):
    """transformers 5 splits image processors into PIL and torchvision backends; older ones are PIL-only."""
    return getattr(transformers, name + "Pil", None) or getattr(transformers, name)


# ---------------------------------------------------------------- images
def smooth_noise(h, w, c, seed):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (max(2, h // 6), max(2, w // 6), c)).astype(np.uint8)
    img = Image.fromarray(base.squeeze() if c == 1 else base).resize((w, h), Image.BILINEAR)
    arr = np.asarray(img).astype(np.int16)
    arr = arr + rng.integers(-20, 21, arr.shape)
    return np.clip(arr, 0, 255).astype(np.uint8)


def palette_image(h, w, seed):
    """A 'P' mode image whose palette index 0 is transparent (tRNS), like GIF-style PNGs."""
    rng = np.random.default_rng(seed)
    idx = smooth_noise(h, w, 1, seed)[..., 0] // 16
    im = Image.fromarray(idx.astype(np.uint8), "P")
    im.putpalette(rng.integers(0, 256, 16 * 3).astype(np.uint8).tolist())
    im.info["transparency"] = 0
    return im


def png_with_size(width, height):
    """PNG signature + IHDR (8-bit RGB) declaring width x height + an empty IDAT + IEND, CRCs valid."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def write_images():
    d = os.path.join(OUT, "images")
    os.makedirs(d, exist_ok=True)
    # (name, (height, width, channels), format, save options); sizes cover up- and downscales, odd sizes and
    # extreme aspect ratios for every processor (Idefics3 tiles of 16, Qwen2-VL at most 32x32 pixels, LLaVA 24x24)
    specs = [
        ("a.png", (30, 40, 3), "PNG", {}),
        ("b.jpg", (57, 23, 3), "JPEG", {"quality": 90}),
        ("c.png", (48, 64, 4), "PNG", {}),
        ("d.webp", (50, 50, 3), "WEBP", {"lossless": True}),
        ("e.png", (17, 31, 1), "PNG", {}),
        ("f.jpg", (96, 72, 3), "JPEG", {"quality": 85}),
        ("g.png", (101, 13, 3), "PNG", {}),                   # tall, thin, odd
        ("h.jpg", (131, 257, 3), "JPEG", {"quality": 90}),    # wide, strong downscale
        ("i.png", (21, 33, 2), "PNG", {}),                    # grey + alpha (LA)
        ("j.png", (19, 27, "P"), "PNG", {}),                  # palette with a transparent index
        ("k.png", (3, 5, 3), "PNG", {}),                      # tiny: every processor upscales
        ("l.jpg", (480, 64, 1), "JPEG", {"quality": 90}),     # greyscale JPEG, very tall
        ("m.png", (7, 200, 4), "PNG", {}),                    # RGBA, very wide
        ("n.jpg", (63, 65, 3), "JPEG", {"quality": 75, "subsampling": 0}),  # 4:4:4, near square
    ]
    for i, (name, (h, w, c), fmt, kw) in enumerate(specs):
        if c == "P":
            palette_image(h, w, 100 + i).save(os.path.join(d, name), fmt, **kw)
            continue
        arr = smooth_noise(h, w, c, 100 + i)
        if c in (2, 4):
            arr[..., -1] = np.clip(arr[..., -1], 40, 255)  # partial transparency
        Image.fromarray(arr.squeeze() if c == 1 else arr).save(os.path.join(d, name), fmt, **kw)
    # bad inputs for error tests
    with open(os.path.join(d, "corrupt.png"), "wb") as f:
        good = open(os.path.join(d, "a.png"), "rb").read()
        f.write(good[:40] + b"\x00" * 20)
    with open(os.path.join(d, "empty.jpg"), "wb") as f:
        pass
    with open(os.path.join(d, "zero.png"), "wb") as f:
        f.write(png_with_size(0, 0))  # a well-formed header that declares a 0x0 image
    names = [s[0] for s in specs]
    with open(os.path.join(d, "index.json"), "w") as f:
        json.dump({"parity_images": names}, f, indent=1)
    return names


def write_resize_cases(n=96):
    """Raw PIL Image.resize on random uint8 images: every filter, RGB and L, up/down/mixed scales. Sizes are drawn so
    both of Pillow 13's pass orders (vertical first when height loses > 2x the columns width loses) appear; plus
    downscales with reducing_gap (reduce() pre-step)."""
    d = os.path.join(OUT, "resize")
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(7)
    tensors, cases = {}, []
    for i in range(n):
        filt = [0, 1, 2, 3, 4, 5][i % 6]
        c = 1 if i % 4 == 3 else 3
        w, h = (int(v) for v in rng.integers(1, 41, 2))
        kind = i % 3
        if kind == 0:  # shrink both, tall-ish reductions favour the vertical-first order
            W, H = int(rng.integers(1, w + 1)), int(rng.integers(1, h + 1))
        elif kind == 1:  # grow both
            W, H = int(rng.integers(w, 49)), int(rng.integers(h, 49))
        else:  # anything
            W, H = (int(v) for v in rng.integers(1, 49, 2))
        a = rng.integers(0, 256, (h, w, c)).astype(np.uint8)
        out = np.asarray(Image.fromarray(a[..., 0] if c == 1 else a).resize((W, H), filt)).reshape(H, W, c)
        tensors[f"{i}.in"] = a
        tensors[f"{i}.out"] = np.ascontiguousarray(out)
        cases.append({"filter": filt, "in": [w, h, c], "out": [W, H]})
    # reducing_gap: Image.reduce() by whole factors first, then a resample from the fractional box that remains
    for j in range(36):
        i = n + j
        filt = [1, 2, 3, 4, 5, 1][j % 6]
        c = 1 if j % 4 == 3 else 3
        w, h = (int(v) for v in rng.integers(8, 49, 2))
        W, H = int(rng.integers(1, w // 2 + 1)), int(rng.integers(1, h // 2 + 1))
        gap = [1.0, 1.5, 2.0, 3.0][j % 4]
        a = rng.integers(0, 256, (h, w, c)).astype(np.uint8)
        out = np.asarray(Image.fromarray(a[..., 0] if c == 1 else a).resize((W, H), filt, reducing_gap=gap)).reshape(H, W, c)
        tensors[f"{i}.in"] = a
        tensors[f"{i}.out"] = np.ascontiguousarray(out)
        cases.append({"filter": filt, "in": [w, h, c], "out": [W, H], "reducing_gap": gap})
    save_file(tensors, os.path.join(d, "oracle.safetensors"))
    import PIL
    with open(os.path.join(d, "cases.json"), "w") as f:
        json.dump({"pillow": PIL.__version__, "cases": cases}, f)


def load_image(name):
    return Image.open(os.path.join(OUT, "images", name))


# ---------------------------------------------------------------- tokenizer
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


SPECIALS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<fake_token_around_image>", "<global-img>",
    "<end_of_utterance>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>",
] + [f"<row_{i + 1}_col_{j + 1}>" for i in range(6) for j in range(6)]


def make_tokenizer(save_dir):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {ch: i for i, ch in enumerate(bytes_to_unicode().values())}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIALS)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<|endoftext|>",
                                   pad_token="<|endoftext|>", unk_token=None)
    fast.save_pretrained(save_dir)
    assert len(fast) <= VOCAB, len(fast)
    return fast


# ---------------------------------------------------------------- helpers
def np32(t):
    return t.detach().to(torch.float32).cpu().numpy().astype(np.float32)


class Spy:
    """Records the text a processor hands to its tokenizer (the prompt after image-token expansion)."""

    def __init__(self, tok):
        self.cls = type(tok)
        self.orig = self.cls.__call__
        self.texts = []

    def __enter__(self):
        orig, texts = self.orig, self.texts

        def spy(this, *a, **k):
            t = k.get("text", a[0] if a else None)
            texts.append(t)
            return orig(this, *a, **k)

        self.cls.__call__ = spy
        return self

    def __exit__(self, *exc):
        self.cls.__call__ = self.orig


def greedy(model, inputs, n=16):
    out = model.generate(**inputs, max_new_tokens=n, min_new_tokens=n, do_sample=False, num_beams=1)
    return out[0, inputs["input_ids"].shape[1]:].tolist()


def per_image_pixels(image_processor, names, key_extra=()):
    tensors, meta = {}, {}
    for name in names:
        out = image_processor(images=[load_image(name)], return_tensors="np")
        tensors[f"{name}.pixel_values"] = np.asarray(out["pixel_values"], dtype=np.float32)
        m = {"shape": list(np.asarray(out["pixel_values"]).shape)}
        for k in key_extra:
            if k in out:
                v = np.asarray(out[k])
                tensors[f"{name}.{k}"] = v.astype(np.int32) if v.dtype.kind in "iub" else v.astype(np.float32)
                m[k] = v.tolist() if v.size < 64 else list(v.shape)
        meta[name] = m
    return tensors, meta


def text_cfg(**extra):
    return dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                num_key_value_heads=2, max_position_embeddings=1024, rms_norm_eps=1e-6, initializer_range=0.05,
                tie_word_embeddings=False, bos_token_id=1, eos_token_id=0, pad_token_id=0, **extra)


def finish(name, model, processor, tok, prompt, images, image_names, record):
    d = os.path.join(OUT, name)
    model.eval()
    with Spy(tok) as spy:
        inputs = processor(text=[prompt], images=images, return_tensors="pt")
    expanded = spy.texts[0]
    expanded = expanded[0] if isinstance(expanded, list) else expanded
    tensors = {"input_ids": inputs["input_ids"].numpy().astype(np.int32)}
    for k, v in inputs.items():
        if k in ("input_ids", "attention_mask"):
            continue
        tensors[k] = v.numpy().astype(np.int32 if v.dtype in (torch.int64, torch.int32, torch.bool) else np.float32)
    with torch.no_grad():
        record(model, inputs, tensors)
        out = model(**inputs)
        tensors["logits"] = np32(out.logits)
        tokens = greedy(model, inputs)
    last = tensors["logits"][0, -1]
    top2 = np.sort(last)[-2:]
    meta = {"prompt": prompt, "expanded_prompt": expanded, "images": image_names, "greedy_tokens": tokens,
            "last_logit_margin": float(top2[1] - top2[0]), "transformers": transformers.__version__}
    save_file(tensors, os.path.join(d, "oracle.safetensors"))
    return meta


def write_meta(name, meta):
    with open(os.path.join(OUT, name, "oracle.json"), "w") as f:
        json.dump(meta, f, indent=1)


# ---------------------------------------------------------------- LLaVA
def build_llava(names):
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration, LlavaProcessor

    d = os.path.join(OUT, "llava")
    tok = make_tokenizer(d)
    image_token_id = tok.convert_tokens_to_ids("<image>")
    vcfg = CLIPVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=3, num_attention_heads=2,
                            image_size=24, patch_size=6, projection_dim=32, layer_norm_eps=1e-5)
    cfg = LlavaConfig(vision_config=vcfg, text_config=LlamaConfig(**text_cfg()), image_token_index=image_token_id,
                      vision_feature_layer=-2, vision_feature_select_strategy="default", projector_hidden_act="gelu")
    model = LlavaForConditionalGeneration(cfg)
    model.save_pretrained(d, safe_serialization=True)
    ip = pil_cls("CLIPImageProcessor")(size={"shortest_edge": 24}, crop_size={"height": 24, "width": 24},
                                       resample=3, do_center_crop=True)
    processor = LlavaProcessor(image_processor=ip, tokenizer=tok, patch_size=6, vision_feature_select_strategy="default",
                               num_additional_image_tokens=1)
    processor.save_pretrained(d)

    def record(model, inputs, t):
        vf = model.model.get_image_features(pixel_values=inputs["pixel_values"],
                                            vision_feature_layer=-2, vision_feature_select_strategy="default")
        vf = vf.pooler_output if hasattr(vf, "pooler_output") else vf
        vf = torch.cat(list(vf), 0) if isinstance(vf, (list, tuple)) else vf
        t["vision_features"] = np32(vf)
        t["inputs_embeds"] = np32(merged_embeds(model, inputs, vf.reshape(-1, vf.shape[-1]), image_token_id))

    prompt = "USER: <image>\nWhat is this? <image> And that? ASSISTANT:"
    meta = finish("llava", model, processor, tok, prompt, [load_image("a.png"), load_image("b.jpg")], ["a.png", "b.jpg"], record)
    pt, pmeta = per_image_pixels(ip, names)
    save_file(pt, os.path.join(d, "preprocess.safetensors"))
    meta["preprocess"] = pmeta
    write_meta("llava", meta)


def merged_embeds(model, inputs, feats, image_token_id):
    emb = model.get_input_embeddings()(inputs["input_ids"]).clone()
    mask = inputs["input_ids"] == image_token_id
    emb[mask] = feats.to(emb.dtype)
    return emb


# ---------------------------------------------------------------- Idefics3
def build_idefics3(names):
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration, Idefics3Processor
    from transformers import Idefics3VisionConfig, LlamaConfig

    d = os.path.join(OUT, "idefics3")
    tok = make_tokenizer(d)
    image_token_id = tok.convert_tokens_to_ids("<image>")
    vcfg = Idefics3VisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
                                image_size=16, patch_size=4, layer_norm_eps=1e-6)
    cfg = Idefics3Config(vision_config=vcfg, text_config=LlamaConfig(**text_cfg()), scale_factor=2,
                         image_token_id=image_token_id)
    model = Idefics3ForConditionalGeneration(cfg)
    model.save_pretrained(d, safe_serialization=True)
    ip = pil_cls("Idefics3ImageProcessor")(size={"longest_edge": 32}, max_image_size={"longest_edge": 16},
                                           resample=1, do_image_splitting=True)
    image_seq_len = int(((16 // 4) ** 2) / (2 ** 2))
    processor = Idefics3Processor(image_processor=ip, tokenizer=tok, image_seq_len=image_seq_len)
    processor.save_pretrained(d)

    def record(model, inputs, t):
        vf = model.model.get_image_features(pixel_values=inputs["pixel_values"],
                                            pixel_attention_mask=inputs["pixel_attention_mask"])
        vf = vf.pooler_output if hasattr(vf, "pooler_output") else vf
        vf = torch.cat(list(vf), 0) if isinstance(vf, (list, tuple)) else vf
        t["vision_features"] = np32(vf)
        t["inputs_embeds"] = np32(merged_embeds(model, inputs, vf.reshape(-1, vf.shape[-1]), image_token_id))

    prompt = "User:<image>Describe.<image>Compare.<end_of_utterance>\nAssistant:"
    meta = finish("idefics3", model, processor, tok, prompt, [load_image("f.jpg"), load_image("e.png")], ["f.jpg", "e.png"], record)
    pt, pmeta = per_image_pixels(ip, names, ("pixel_attention_mask", "rows", "cols"))
    save_file(pt, os.path.join(d, "preprocess.safetensors"))
    meta["preprocess"] = pmeta
    write_meta("idefics3", meta)


# ---------------------------------------------------------------- Qwen2-VL
def build_qwen2vl(names):
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration, Qwen2VLProcessor

    d = os.path.join(OUT, "qwen2_vl")
    tok = make_tokenizer(d)
    ids = {k: tok.convert_tokens_to_ids(k) for k in ("<|image_pad|>", "<|video_pad|>", "<|vision_start|>", "<|vision_end|>")}
    tc = text_cfg(rope_scaling={"type": "mrope", "mrope_section": [1, 1, 2]}, rope_theta=10000.0)
    vc = dict(depth=2, embed_dim=16, hidden_size=32, num_heads=2, mlp_ratio=2, patch_size=4, spatial_merge_size=2,
              temporal_patch_size=2, in_channels=3)
    cfg = Qwen2VLConfig(text_config=tc, vision_config=vc, image_token_id=ids["<|image_pad|>"],
                        video_token_id=ids["<|video_pad|>"], vision_start_token_id=ids["<|vision_start|>"],
                        vision_end_token_id=ids["<|vision_end|>"], tie_word_embeddings=False)
    model = Qwen2VLForConditionalGeneration(cfg)
    model.save_pretrained(d, safe_serialization=True)
    ip = pil_cls("Qwen2VLImageProcessor")(min_pixels=8 * 8 * 2, max_pixels=32 * 32, patch_size=4, merge_size=2,
                                          temporal_patch_size=2, resample=3)
    try:
        vp = transformers.Qwen2VLVideoProcessor(patch_size=4, merge_size=2, temporal_patch_size=2)
        processor = Qwen2VLProcessor(image_processor=ip, tokenizer=tok, video_processor=vp)
    except ImportError:
        # the video processor needs torchvision; images don't, so skip the type check of that slot
        Qwen2VLProcessor.check_argument_for_proper_class = lambda self, name, arg: None
        processor = Qwen2VLProcessor(image_processor=ip, tokenizer=tok, video_processor=None)
    ip.save_pretrained(d)  # preprocessor_config.json of the image processor we ran

    def record(model, inputs, t):
        vf = model.model.get_image_features(pixel_values=inputs["pixel_values"], image_grid_thw=inputs["image_grid_thw"])
        vf = vf.pooler_output if hasattr(vf, "pooler_output") else vf
        vf = torch.cat(list(vf), 0) if isinstance(vf, (list, tuple)) else vf
        t["vision_features"] = np32(vf)
        t["inputs_embeds"] = np32(merged_embeds(model, inputs, vf, ids["<|image_pad|>"]))
        kw = dict(image_grid_thw=inputs["image_grid_thw"], attention_mask=inputs["attention_mask"])
        if "mm_token_type_ids" in inspect.signature(model.model.get_rope_index).parameters:
            kw["mm_token_type_ids"] = inputs["mm_token_type_ids"]  # transformers >= 5
        pos, deltas = model.model.get_rope_index(inputs["input_ids"], **kw)
        t["position_ids"] = pos.numpy().astype(np.int32)
        t["rope_deltas"] = deltas.numpy().astype(np.int32)

    prompt = ("<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>What?"
              "<|vision_start|><|image_pad|><|vision_end|>And?<|im_end|>\n<|im_start|>assistant\n")
    meta = finish("qwen2_vl", model, processor, tok, prompt, [load_image("a.png"), load_image("f.jpg")], ["a.png", "f.jpg"], record)
    pt, pmeta = per_image_pixels(ip, names, ("image_grid_thw",))
    save_file(pt, os.path.join(d, "preprocess.safetensors"))
    meta["preprocess"] = pmeta
    write_meta("qwen2_vl", meta)


def main():
    only = sys.argv[1:]
    for sub in ("llava", "idefics3", "qwen2_vl"):
        if not only or sub in only:
            shutil.rmtree(os.path.join(OUT, sub), ignore_errors=True)
            os.makedirs(os.path.join(OUT, sub))
    names = write_images()
    write_resize_cases()
    if not only or "llava" in only:
        build_llava(names)
    if not only or "idefics3" in only:
        build_idefics3(names)
    if not only or "qwen2_vl" in only:
        build_qwen2vl(names)
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(OUT) for f in fs)
    print(f"fixtures: {total / 1024:.0f} KiB in {OUT}")


if __name__ == "__main__":
    main()
