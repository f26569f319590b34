# CUDA-event timing shared by the PyTorch peers of bench/gpu (run on the GPU machine).
import torch


def bench(fn, reps=20, warmup=3):
    """Seconds per call of fn: CUDA events around each call, median of reps after warmup calls."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        e.synchronize()
        ts.append(s.elapsed_time(e) / 1e3)
    ts.sort()
    return ts[len(ts) // 2]
