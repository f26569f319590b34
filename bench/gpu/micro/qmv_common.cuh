// Shared by the GEMV microbenchmarks (qmv_micro.cu, qmv_pdl.cu): error check, host random data, and NB copies of
// one random 4-bit weight matrix with bf16 scales and biases, each copy one contiguous slab (weights | scales |
// biases), so rotating through the copies keeps the weights cold in L2 and the floors read exactly these bytes.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { printf("CUDA %s at %d\n", cudaGetErrorString(e_), __LINE__); exit(1); } } while (0)

namespace qmv_bench {

using T = __nv_bfloat16;
struct Bufs { uint32_t* w; T* s; T* b; };

inline uint32_t& rng_state() { static uint32_t r = 12345; return r; }
inline uint32_t rnd() { uint32_t& r = rng_state(); r = r * 1664525u + 1013904223u; return r; }
inline float frand() { return (rnd() >> 8) / 16777216.f * 2.f - 1.f; }
inline uint16_t bf(float f) { uint32_t u; memcpy(&u, &f, 4); return (uint16_t)((u + 0x7FFF + ((u >> 16) & 1)) >> 16); }

// The reference product: one thread per output row, float32.
__global__ inline void ref_kernel(const T* x, const uint32_t* w, const T* s, const T* b, float* y, int N, int K, int gs) {
  int n = blockIdx.x * blockDim.x + threadIdx.x;
  if (n >= N) return;
  float acc = 0.f;
  for (int k = 0; k < K; k++) {
    uint32_t q = (w[(int64_t)n * (K / 8) + k / 8] >> (4 * (k % 8))) & 15u;
    int64_t gi = (int64_t)n * (K / gs) + k / gs;
    acc += __bfloat162float(x[k]) * (__bfloat162float(s[gi]) * (float)q + __bfloat162float(b[gi]));
  }
  y[n] = acc;
}

// NB device copies of an N x K matrix (group size gs): wbytes of packed weights, then sbytes of scales and biases.
inline std::vector<Bufs> weight_copies(int N, int K, int gs, int NB, std::vector<char*>& slab) {
  const int ngroups = K / gs;
  const size_t wbytes = (size_t)N * K / 2, sbytes = (size_t)N * ngroups * 2;
  std::vector<Bufs> B(NB);
  slab.assign(NB, nullptr);
  std::vector<uint32_t> hw(wbytes / 4);
  std::vector<uint16_t> hs(N * (size_t)ngroups), hb(N * (size_t)ngroups);
  for (auto& v : hw) v = rnd();
  for (auto& v : hs) v = bf(0.01f + 0.02f * std::fabs(frand()));
  for (auto& v : hb) v = bf(0.1f * frand());
  for (int i = 0; i < NB; i++) {
    CK(cudaMalloc(&slab[i], wbytes + 2 * sbytes));
    B[i] = {(uint32_t*)slab[i], (T*)(slab[i] + wbytes), (T*)(slab[i] + wbytes + sbytes)};
    CK(cudaMemcpy(B[i].w, hw.data(), wbytes, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(B[i].s, hs.data(), sbytes, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(B[i].b, hb.data(), sbytes, cudaMemcpyHostToDevice));
  }
  return B;
}

}  // namespace qmv_bench
