// Standalone check + timing of the backend's cuDNN attention path (attention_cudnn.cc) on the GPU
// machine, without the full addon build. Random bf16/f16 inputs, an f32 reference kernel on
// sampled query rows, CUDA-event medians. Build (see bench/gpu/micro/attn_cudnn_micro.sh):
//   g++ -c attention_cudnn.cc (frontend + cudnn headers) && nvcc this file + the object -ldl
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "../../../packages/native/src/backend/cuda/attention_cudnn.h"

using namespace mlx::cu;

#define CK(x)                                                                   \
  do {                                                                          \
    cudaError_t e_ = (x);                                                       \
    if (e_ != cudaSuccess) {                                                    \
      printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__); \
      exit(1);                                                                  \
    }                                                                           \
  } while (0)

template <typename T> __device__ float tof(T x) { return (float)x; }
template <> __device__ float tof(__nv_bfloat16 x) { return __bfloat162float(x); }
template <> __device__ float tof(__half x) { return __half2float(x); }

template <typename T> __global__ void fill(T* p, size_t n, uint32_t seed, float amp) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    uint32_t h = (uint32_t)i * 2654435761u ^ seed;
    h ^= h >> 15; h *= 2246822519u; h ^= h >> 13; h *= 3266489917u; h ^= h >> 16;
    float u = (h & 0xFFFFFF) / 16777216.0f * 2 - 1;
    p[i] = (T)(u * amp);
  }
}

// f32 reference for query rows r = sample * qstep, one block per (sample, b*Hq).
template <typename T>
__global__ void ref_kernel(cudnn_attn::Desc d, const T* q, const T* k, const T* v, const T* bias, float* out, int qstep) {
  extern __shared__ float sc[];
  int64_t row = (int64_t)blockIdx.x * qstep;
  int64_t bh = blockIdx.y, b = bh / d.Hq, h = bh % d.Hq, hk = h / (d.Hq / d.Hkv);
  const T* qr = q + b * d.qs[0] + h * d.qs[1] + row * d.qs[2];
  int64_t off = d.Lk - d.Lq;
  for (int64_t j = threadIdx.x; j < d.Lk; j += blockDim.x) {
    const T* kr = k + b * d.ks[0] + hk * d.ks[1] + j * d.ks[2];
    float s = 0;
    for (int t = 0; t < d.D; t++) s += tof(qr[t]) * tof(kr[t]);
    s *= d.scale;
    if (d.mask == 3) {
      int64_t bb = d.bias_b == 1 ? 0 : b, hb = d.bias_h == 1 ? 0 : h;
      s += tof(bias[((bb * d.bias_h + hb) * d.Lq + row) * d.Lk + j]);
    }
    if (d.mask == 1 && j > row + off) s = -INFINITY;
    sc[j] = s;
  }
  __syncthreads();
  __shared__ float red[2];
  if (threadIdx.x == 0) {
    float m = -INFINITY;
    for (int64_t j = 0; j < d.Lk; j++) m = fmaxf(m, sc[j]);
    float z = 0;
    for (int64_t j = 0; j < d.Lk; j++) z += expf(sc[j] - m);
    red[0] = m; red[1] = z;
  }
  __syncthreads();
  for (int t = threadIdx.x; t < d.Dv; t += blockDim.x) {
    float acc = 0;
    for (int64_t j = 0; j < d.Lk; j++) acc += expf(sc[j] - red[0]) * tof(v[b * d.vs[0] + hk * d.vs[1] + j * d.vs[2] + t]);
    out[(bh * gridDim.x + blockIdx.x) * d.Dv + t] = acc / red[1];
  }
}

template <typename T> __global__ void gather_rows(cudnn_attn::Desc d, const T* o, float* dst, int qstep) {
  int64_t row = (int64_t)blockIdx.x * qstep, bh = blockIdx.y;
  for (int t = threadIdx.x; t < d.Dv; t += blockDim.x)
    dst[(bh * gridDim.x + blockIdx.x) * d.Dv + t] = tof(o[(bh * d.Lq + row) * d.Dv + t]);
}

struct Case {
  const char* name;
  int dtype, mask;
  int64_t B, Hq, Hkv, Lq, Lk, D;
  int64_t bias_b, bias_h;
  bool bshd;  // q/k/v as [B, L, H, D] memory (transposed views)
  bool time;
  float scale_mul = 1;  // a distinct scale makes a distinct plan (cache key)
};

template <typename T> void run_case(const Case& c) {
  cudnn_attn::Desc d;
  d.dtype = c.dtype; d.mask = c.mask;
  d.B = c.B; d.Hq = c.Hq; d.Hkv = c.Hkv; d.Lq = c.Lq; d.Lk = c.Lk; d.D = c.D; d.Dv = c.D;
  d.bias_b = c.bias_b; d.bias_h = c.bias_h;
  d.scale = c.scale_mul / std::sqrt((float)c.D);
  auto strides = [&](int64_t H, int64_t L, int64_t D, int64_t (&s)[4]) {
    if (c.bshd) { s[0] = L * H * D; s[1] = D; s[2] = H * D; s[3] = 1; }
    else { s[0] = H * L * D; s[1] = L * D; s[2] = D; s[3] = 1; }
  };
  strides(c.Hq, c.Lq, c.D, d.qs); strides(c.Hkv, c.Lk, c.D, d.ks); strides(c.Hkv, c.Lk, c.D, d.vs);
  size_t nq = c.B * c.Hq * c.Lq * c.D, nk = c.B * c.Hkv * c.Lk * c.D, no = nq, nb = c.bias_b * c.bias_h * c.Lq * c.Lk;
  T *q, *k, *v, *o, *bias = nullptr;
  CK(cudaMalloc(&q, nq * sizeof(T))); CK(cudaMalloc(&k, nk * sizeof(T))); CK(cudaMalloc(&v, nk * sizeof(T)));
  CK(cudaMalloc(&o, no * sizeof(T)));
  fill<<<1024, 256>>>(q, nq, 1, 2.0f); fill<<<1024, 256>>>(k, nk, 2, 2.0f); fill<<<1024, 256>>>(v, nk, 3, 1.0f);
  if (c.mask == 3) { CK(cudaMalloc(&bias, nb * sizeof(T))); fill<<<1024, 256>>>(bias, nb, 4, 3.0f); }
  CK(cudaMemset(o, 0xff, no * sizeof(T)));  // poison (NaN)
  CK(cudaDeviceSynchronize());
  cudaStream_t st;
  CK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
  auto t0 = std::chrono::steady_clock::now();
  auto p = cudnn_attn::prepare(d, cudnn_attn::Build::kSync);
  double build_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  void* ws = nullptr;
  if (p.workspace > 0) CK(cudaMalloc(&ws, p.workspace));
  if (p.workspace < 0) {
    printf("%-44s UNSUPPORTED (build %.1f ms)\n", c.name, build_ms);
    return;
  }
  bool ok = cudnn_attn::execute(d, q, k, v, bias, o, ws, st) == cudnn_attn::Run::kOk;
  CK(cudaStreamSynchronize(st));
  CK(cudaGetLastError());
  // Check sampled rows against the f32 reference.
  int qstep = (int)std::max<int64_t>(1, c.Lq / 64);
  int nsamp = (int)((c.Lq + qstep - 1) / qstep);
  size_t nr = (size_t)nsamp * c.B * c.Hq * c.D;
  float *ref, *got;
  CK(cudaMalloc(&ref, nr * 4)); CK(cudaMalloc(&got, nr * 4));
  dim3 g(nsamp, c.B * c.Hq);
  ref_kernel<T><<<g, 128, c.Lk * 4>>>(d, q, k, v, bias, ref, qstep);
  gather_rows<T><<<g, 128>>>(d, o, got, qstep);
  CK(cudaDeviceSynchronize());
  std::vector<float> hr(nr), hg(nr);
  CK(cudaMemcpy(hr.data(), ref, nr * 4, cudaMemcpyDeviceToHost));
  CK(cudaMemcpy(hg.data(), got, nr * 4, cudaMemcpyDeviceToHost));
  double num = 0, den = 0;
  bool nan = false;
  for (size_t i = 0; i < nr; i++) {
    if (!std::isfinite(hg[i])) nan = true;
    num += (hg[i] - hr[i]) * (double)(hg[i] - hr[i]);
    den += (double)hr[i] * hr[i];
  }
  double rel = std::sqrt(num / den);
  // Timing: events around each execute, median.
  double med = 0, host_us = 0;
  if (c.time) {
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0)); CK(cudaEventCreate(&e1));
    std::vector<float> ts;
    for (int i = 0; i < 5; i++) cudnn_attn::execute(d, q, k, v, bias, o, ws, st);
    for (int i = 0; i < 30; i++) {
      CK(cudaEventRecord(e0, st));
      cudnn_attn::execute(d, q, k, v, bias, o, ws, st);
      CK(cudaEventRecord(e1, st));
      CK(cudaEventSynchronize(e1));
      float ms;
      CK(cudaEventElapsedTime(&ms, e0, e1));
      ts.push_back(ms);
    }
    std::sort(ts.begin(), ts.end());
    med = ts[ts.size() / 2];
    // Host cost of a cached call (prepare + execute enqueue).
    CK(cudaStreamSynchronize(st));
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; i++) {
      cudnn_attn::prepare(d, cudnn_attn::Build::kAsync);
      cudnn_attn::execute(d, q, k, v, bias, o, ws, st);
    }
    host_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / 100;
    CK(cudaStreamSynchronize(st));
  }
  double flops = 4.0 * c.B * c.Hq * c.Lq * c.Lk * c.D;
  if (c.mask == 1 && c.Lq == c.Lk) flops /= 2;
  printf("%-44s ok=%d build %7.1f ms ws %8lld  rel %.2e%s", c.name, ok, build_ms, (long long)p.workspace, rel, nan ? " NaN!" : "");
  if (c.time) printf("  time %.4f ms  %.0f TFLOP/s  host %.1f us/call", med, flops / med / 1e9, host_us);
  printf("\n");
  cudaFree(q); cudaFree(k); cudaFree(v); cudaFree(o); cudaFree(bias); cudaFree(ws); cudaFree(ref); cudaFree(got);
  cudaStreamDestroy(st);
}

int main() {
  printf("cudnn: available=%d (%s)\n", (int)cudnn_attn::available(), cudnn_attn::status());
  if (!cudnn_attn::available()) return 1;
  Case cases[] = {
      {"bf16 1x32x4096x4096x128 causal", 1, 1, 1, 32, 32, 4096, 4096, 128, 1, 1, false, true},
      {"bf16 1x32x4096x4096x128 causal (again)", 1, 1, 1, 32, 32, 4096, 4096, 128, 1, 1, false, true},
      {"f16 1x32x4096x4096x128 causal", 0, 1, 1, 32, 32, 4096, 4096, 128, 1, 1, false, true},
      {"bf16 1x32(8kv)x4096x4096x128 causal", 1, 1, 1, 32, 8, 4096, 4096, 128, 1, 1, false, true},
      {"bf16 13x12x1024x1024x64 none (siglip)", 1, 0, 13, 12, 12, 1024, 1024, 64, 1, 1, false, true},
      {"bf16 decode 1x32(8kv)x1x4096x128", 1, 0, 1, 32, 8, 1, 4096, 128, 1, 1, false, true},
      {"bf16 decode 1x32(8kv)x1x4097x128", 1, 0, 1, 32, 8, 1, 4097, 128, 1, 1, false, true},
      {"bf16 chunk 1x32(8kv)x128x4096x128 causal", 1, 1, 1, 32, 8, 128, 4096, 128, 1, 1, false, true},
      {"bf16 1x32x512x512x128 causal", 1, 1, 1, 32, 32, 512, 512, 128, 1, 1, false, true},
      {"bf16 1x32x37x37x64 causal", 1, 1, 1, 32, 32, 37, 37, 64, 1, 1, false, true},
      {"f16 2x8(2kv)x100x300x64 causal br", 0, 1, 2, 8, 2, 100, 300, 64, 1, 1, false, false},
      {"bf16 1x4x77x77x128 bias[1,1]", 1, 3, 1, 4, 4, 77, 77, 128, 1, 1, false, false},
      {"bf16 2x4x77x90x64 bias[2,4]", 1, 3, 2, 4, 4, 77, 90, 64, 2, 4, false, false},
      {"f16 2x4x64x64x64 bias[1,4]", 0, 3, 2, 4, 4, 64, 64, 64, 1, 4, false, false},
      {"bf16 2x8x200x200x64 none BSHD", 1, 0, 2, 8, 8, 200, 200, 64, 1, 1, true, false},
      {"bf16 1x8x256x256x256 none", 1, 0, 1, 8, 8, 256, 256, 256, 1, 1, false, false},
      {"bf16 1x8x256x256x96 causal", 1, 1, 1, 8, 8, 256, 256, 96, 1, 1, false, false},
      {"bf16 1x8x256x256x80 none", 1, 0, 1, 8, 8, 256, 256, 80, 1, 1, false, false},
  };
  for (auto& c : cases) {
    if (c.dtype == 1) run_case<__nv_bfloat16>(c);
    else run_case<__half>(c);
  }
  // Plan build cost per new sequence length: static graphs vs dynamic shapes + shared kernel cache.
  static char names[16][64];
  int ni = 0;
  for (int dyn = 0; dyn < 2; dyn++) {
    setenv("MLX_CUDA_CUDNN_DYNAMIC", dyn ? "1" : "0", 1);
    for (int L : {1000, 1001, 1500, 2047, 3001, 4000}) {
      snprintf(names[ni], 64, "%s causal bf16 1x32x%dx128", dyn ? "dynamic" : "static", L);
      Case c{names[ni++], 1, 1, 1, 32, 32, L, L, 128, 1, 1, false, L == 4000, dyn ? 1.0001f : 1.0f};
      run_case<__nv_bfloat16>(c);
    }
  }
  // Background build: time until the plan is ready.
  setenv("MLX_CUDA_CUDNN_DYNAMIC", "0", 1);
  cudnn_attn::Desc d;
  d.dtype = 1; d.mask = 1; d.B = 1; d.Hq = d.Hkv = 16; d.Lq = d.Lk = 700; d.D = d.Dv = 64; d.scale = 0.125f;
  int64_t st[4] = {16 * 700 * 64, 700 * 64, 64, 1};
  for (int i = 0; i < 4; i++) d.qs[i] = d.ks[i] = d.vs[i] = st[i];
  auto t0 = std::chrono::steady_clock::now();
  int polls = 0;
  cudnn_attn::Prepared p;
  while ((p = cudnn_attn::prepare(d, cudnn_attn::Build::kAsync)).pending) {
    polls++;
    struct timespec ts{0, 1000000};
    nanosleep(&ts, nullptr);
  }
  printf("async build: ready after %.1f ms (%d polls), workspace %lld\n",
         std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(), polls, (long long)p.workspace);
  return 0;
}
