# PyTorch peer for bench/gpu/prims.mjs on the same GPU: prints one JSON object of seconds per case
# (CUDA events around one call, median). Needs torch; runs on the GPU machine only.
import json

import torch
from torch_timing import bench

dev = 'cuda'
torch.manual_seed(0)




out = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__}
n = 4096
x = torch.randn(n, n, device=dev)
c = torch.fft.fft(x)
out['fft_c2c_last'] = bench(lambda: torch.fft.fft(c))
out['fft_c2c_axis0'] = bench(lambda: torch.fft.fft(c, dim=0))
out['rfft_last'] = bench(lambda: torch.fft.rfft(x))
h = torch.fft.rfft(x)
out['irfft_last'] = bench(lambda: torch.fft.irfft(h, n=n))
v = torch.randn(8192, 4096, device=dev)
out['variance'] = bench(lambda: torch.var(v, dim=-1, unbiased=False))

# int8 linear with per-row dynamic quantization of x (the op's semantics), int8 GEMM via torch._int_mm.
M, K, N = 512, 4096, 4096
xa = torch.randn(M, K, device=dev)
w = torch.randint(-127, 128, (N, K), device=dev, dtype=torch.int8)
wt = w.t().contiguous()
ws, bias = torch.rand(N, device=dev) + 0.01, torch.randn(N, device=dev)


def int8_linear():
    amax = xa.abs().amax(dim=1, keepdim=True)
    q = torch.clamp(torch.round(xa * (127.0 / amax)), -127, 127).to(torch.int8)
    acc = torch._int_mm(q, wt)
    return acc.float() * ((amax / 127.0) * ws) + bias


out['int8_linear'] = bench(int8_linear)
print(json.dumps(out))
