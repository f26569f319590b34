# PyTorch peer for bench/gpu/run.mjs, on the same GPU: prints one JSON object of seconds per case.
# Needs torch (+ transformers for the decode case); runs on the GPU machine only.
import json, sys, time

import torch
from torch_timing import bench
import torch.nn.functional as F

cfg = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
dev = 'cuda'
torch.manual_seed(0)




out = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__}
n = 4096
a32, b32 = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
torch.backends.cuda.matmul.allow_tf32 = False
out['gemm_f32'] = bench(lambda: a32 @ b32)
torch.backends.cuda.matmul.allow_tf32 = True
out['gemm_tf32'] = bench(lambda: a32 @ b32)
torch.backends.cuda.matmul.allow_tf32 = False
a16, b16 = a32.bfloat16(), b32.bfloat16()
out['gemm_bf16'] = bench(lambda: a16 @ b16)
x = torch.randn(8192, 4096, device=dev)
out['softmax'] = bench(lambda: torch.softmax(x, -1))
w, bb = torch.randn(4096, device=dev), torch.randn(4096, device=dev)
out['layernorm'] = bench(lambda: F.layer_norm(x, (4096,), w, bb, 1e-5))
q = torch.randn(1, 32, 4096, 128, device=dev, dtype=torch.bfloat16)
k, v = torch.randn_like(q), torch.randn_like(q)
out['attention'] = bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True))
qd = torch.randn(1, 32, 1, 128, device=dev, dtype=torch.bfloat16)
kd, vd = torch.randn(1, 8, 4096, 128, device=dev, dtype=torch.bfloat16), torch.randn(1, 8, 4096, 128, device=dev, dtype=torch.bfloat16)
out['attention_decode'] = bench(lambda: F.scaled_dot_product_attention(qd, kd, vd, enable_gqa=True), reps=50)
qs, ks, vs = (torch.randn(13, 12, 1024, 64, device=dev, dtype=torch.bfloat16) for _ in range(3))
out['attention_siglip'] = bench(lambda: F.scaled_dot_product_attention(qs, ks, vs))
big = torch.randn(256 << 20, device=dev)  # 1 GiB
out['copy_bytes'] = 2 * big.numel() * 4
out['copy'] = bench(lambda: big.clone(), reps=10)
del big
wv = torch.randn(14336, 4096, device=dev, dtype=torch.bfloat16)
xv = torch.randn(4096, device=dev, dtype=torch.bfloat16)
out['gemv_bf16'] = bench(lambda: wv @ xv)

if cfg.get('decode', True):
    from transformers import LlamaConfig, LlamaForCausalLM
    dc = cfg['decodeConfig']
    conf = LlamaConfig(vocab_size=dc['vocab'], hidden_size=dc['hidden'], intermediate_size=dc['ffn'],
                       num_hidden_layers=dc['layers'], num_attention_heads=dc['heads'], num_key_value_heads=dc['kvHeads'],
                       rms_norm_eps=1e-5, rope_theta=10000.0, max_position_embeddings=4096, tie_word_embeddings=True)
    conf._attn_implementation = 'eager'
    model = LlamaForCausalLM(conf).to(dev, torch.bfloat16).eval()
    prompt = torch.randint(0, dc['vocab'], (1, dc['prompt']), device=dev)
    with torch.no_grad():
        res = model(input_ids=prompt, use_cache=True)
        past, tok = res.past_key_values, res.logits[:, -1].argmax(-1, keepdim=True)
        for _ in range(4):
            res = model(input_ids=tok, past_key_values=past, use_cache=True)
            past, tok = res.past_key_values, res.logits[:, -1].argmax(-1, keepdim=True)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(dc['steps']):
            res = model(input_ids=tok, past_key_values=past, use_cache=True)
            past, tok = res.past_key_values, res.logits[:, -1].argmax(-1, keepdim=True)
            tok.item()
        out['decode_token'] = (time.perf_counter() - t0) / dc['steps']
print(json.dumps(out))
