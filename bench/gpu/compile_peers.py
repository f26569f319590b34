# PyTorch peer for bench/gpu/compile.mjs on the same GPU: the same 10-op chain and tanh-GELU, eager
# and under torch.compile (inductor), CUDA-event timing as bench/gpu/peers.py. Prints one JSON line.
import json, math, time

import torch
from torch_timing import bench as _bench
import torch.nn.functional as F

dev = 'cuda'
torch.manual_seed(0)



def bench(fn, reps=30, warmup=3):
    return _bench(fn, reps, warmup)


def chain10(x):
    a = x * 1.1
    b = a + 0.3
    c = torch.tanh(b)
    d = c * x
    e = d - 0.2
    f = torch.abs(e)
    g = torch.sqrt(f)
    h = g * 0.7
    i = torch.maximum(h, x)
    return i + 1


C0 = math.sqrt(2 / math.pi)


def gelu_formula(x):
    return x * (torch.tanh((x + x * x * x * 0.044715) * C0) + 1) * 0.5


out = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__}
compiled_ok = True
for tag, dt in (('f32', torch.float32), ('bf16', torch.bfloat16)):
    x = torch.randn(16 << 20, device=dev).to(dt)
    out[f'chain_{tag}_eager'] = bench(lambda: chain10(x))
    out[f'one_op_{tag}'] = bench(lambda: x * 1.5)
    if compiled_ok:
        try:
            cf = torch.compile(chain10)
            t0 = time.perf_counter()
            cf(x)
            torch.cuda.synchronize()
            if tag == 'f32':
                out['compile_first_s'] = time.perf_counter() - t0
            out[f'chain_{tag}_compile'] = bench(lambda: cf(x))
        except Exception as err:  # no triton / compiler on the machine: eager only
            compiled_ok = False
            out['compile_error'] = str(err)[:300]
x = torch.randn(13 * 1024, 3072, device=dev).to(torch.bfloat16)
out['gelu_builtin'] = bench(lambda: F.gelu(x, approximate='tanh'))
out['gelu_eager'] = bench(lambda: gelu_formula(x))
if compiled_ok:
    try:
        cg = torch.compile(gelu_formula)
        out['gelu_compile'] = bench(lambda: cg(x))
    except Exception as err:
        out['compile_error'] = str(err)[:300]
b = torch.randn(3072, device=dev).to(torch.bfloat16)
out['gelu_bias_builtin'] = bench(lambda: F.gelu(x + b, approximate='tanh'))
if compiled_ok:
    try:
        cgb = torch.compile(lambda v, w: gelu_formula(v + w))
        out['gelu_bias_compile'] = bench(lambda: cgb(x, b))
    except Exception as err:
        out['compile_error'] = str(err)[:300]
print(json.dumps(out))
