// cuDNN's fused flash attention (SDPA forward through the cuDNN frontend graph API) for the GPU
// backend. The library is loaded at run time (dlopen), so the addon loads and works where cuDNN is
// absent; every failure (no library, old version, unsupported shape, any cuDNN error) makes
// prepare() return -1 and the caller runs its own kernel. Only plain C++/CUDA-runtime types here:
// attention_cudnn.cc is compiled by the host compiler (the frontend is a large header-only library).
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

namespace mlx::cu::cudnn_attn {

struct Desc {
  int dtype = 0;  // 0 float16, 1 bfloat16
  int mask = 0;   // 0 none, 1 causal (aligned bottom-right when Lq != Lk, as MLX), 3 additive bias
  int64_t B = 0, Hq = 0, Hkv = 0, Lq = 0, Lk = 0, D = 0, Dv = 0;
  int64_t qs[4] = {}, ks[4] = {}, vs[4] = {};  // element strides over (batch, head, position, dim)
  int64_t bias_b = 1, bias_h = 1;  // bias is row-contiguous [bias_b, bias_h, Lq, Lk]; 1 = broadcast
  float scale = 1;
};

struct Prepared {
  int64_t workspace = -1;  // bytes; -1: cuDNN can't run this case (yet)
  bool pending = false;    // the plan is being built in the background: use another kernel this time
};

// How a missing plan is built (plans take 0.05-1.5 s: cuDNN compiles kernels at run time):
// kAsync queues it for a background thread and returns pending (default; MLX_CUDA_CUDNN_BUILD=sync
// switches), kSync builds it in the calling thread.
enum class Build { kAsync, kSync };

// Loads cuDNN on first use; false when it is missing, too old or disabled (MLX_CUDA_CUDNN=0).
bool available();
// Why available() is false, or the library version ("cudnn 9.x.y").
const char* status();

// The cached plan for d (built on first use). Thread-safe.
Prepared prepare(const Desc& d, Build mode);
// Receives events (name, value): "cudnn_sdpa_build" + "cudnn_sdpa_build_ms" per plan built,
// "cudnn_sdpa_rejected" per case cuDNN does not support. Called from the building thread.
void set_event_hook(void (*hook)(const char* name, double value));
// Runs the plan prepare(d) built on stream st. kBusy: a background build holds cuDNN right now;
// kError: a cuDNN error. Either way the caller runs its own kernel over the output.
enum class Run { kOk, kBusy, kError };
Run execute(const Desc& d, const void* q, const void* k, const void* v, const void* bias, void* out,
             void* workspace, cudaStream_t st);

}  // namespace mlx::cu::cudnn_attn
