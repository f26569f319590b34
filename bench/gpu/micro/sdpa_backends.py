# Which PyTorch SDPA backend is the bench's peer, and how fast each one is (1x32x4096x128 causal bf16).
import torch, torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend
q = torch.randn(1, 32, 4096, 128, device='cuda', dtype=torch.bfloat16)
k, v = torch.randn_like(q), torch.randn_like(q)
flops = 4 * 32 * 4096 * 4096 * 128 / 2
def t(fn, reps=20):
    for _ in range(3): fn()
    torch.cuda.synchronize(); ts = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record(); e.synchronize(); ts.append(s.elapsed_time(e))
    return sorted(ts)[reps // 2]
ms = t(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True))
print(f'sdpa default: {ms:.3f} ms {flops / ms / 1e9:.0f} TFLOP/s')
for b in [SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION]:
    try:
        with sdpa_kernel([b]):
            ms = t(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True))
        print(f'sdpa {b.name}: {ms:.3f} ms {flops / ms / 1e9:.0f} TFLOP/s')
    except Exception as ex:
        print(f'sdpa {b.name}: unavailable ({str(ex)[:80]})')
