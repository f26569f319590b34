// One-row 4-bit quantized products (decode GEMV) on the tensor cores with a per-warp cp.async pipeline.
// Self-contained (CUDA headers only) so that bench/gpu/micro/qmv_micro.cu compiles the same code.
//
// Why: the earlier kernels loaded weights into registers and consumed them at once, loaded scales and
// biases from global memory in the epilogue of every 128-element span (a DRAM round trip each), and
// summed x per group in a prologue before any weight load: every warp alternated between waiting on
// memory and computing, so DRAM ran at ~30 %. Here each warp owns a contiguous K range of a 16-row
// tile and streams it through a ring of NS shared-memory stages (weights + that stage's scales and
// biases, all cp.async, issued NS-1 stages ahead), so its loads stay in flight while it computes.
// Blocks are persistent over tiles (grid.x <= tiles), so the stream never drains between tiles.
//
// Arithmetic per span is the one of qmv_tc_kernel (quantized.cu): thread (g = lane/4, t = lane%4)
// takes the 16 bytes at word 4t of the span for rows g and g+8; nibble pairs become bf16/f16 pairs
// exactly; the 8 mma k-steps see a permutation of memory order that x follows in B; B column j holds
// x only for threads whose 32 elements lie in the span's j-th group, so result column j is that
// group's dot product, scaled and biased in f32. A row's result never depends on grid.x or on the
// number of rows of x (grid.y), so row invariance holds.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "warp_quad.cuh"
#include <stdint.h>

#include <type_traits>

namespace mlx::cu::qmvk {

template <typename T> __device__ __forceinline__ float to_f(T v) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) return __bfloat162float(v);
  else return __half2float(v);
}
template <typename T> __device__ __forceinline__ T from_f(float v) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) return __float2bfloat16(v);
  else return __float2half(v);
}

template <typename T>
__device__ __forceinline__ void qmma(float (&c)[4], uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t b0,
                                     uint32_t b1) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
  } else {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
  }
}
// Nibbles at bits 0-3 and 16-19 of v -> the pair (q_lo, q_hi) as bf16x2 / f16x2, exactly.
template <typename T> __device__ __forceinline__ uint32_t nib_pair(uint32_t v) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    uint32_t m = (v & 0x000F000Fu) | 0x43004300u;  // 128 + q
    __nv_bfloat162 r = __hsub2(*reinterpret_cast<__nv_bfloat162*>(&m), __floats2bfloat162_rn(128.f, 128.f));
    return *reinterpret_cast<uint32_t*>(&r);
  } else {
    uint32_t m = (v & 0x000F000Fu) | 0x64006400u;  // 1024 + q
    __half2 r = __hsub2(*reinterpret_cast<__half2*>(&m), __floats2half2_rn(1024.f, 1024.f));
    return *reinterpret_cast<uint32_t*>(&r);
  }
}
__device__ __forceinline__ uint32_t word_of(const uint4& v, int i) { return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w; }

__device__ __forceinline__ uint32_t smem_u32(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }
__device__ __forceinline__ void cp16(uint32_t dst, const void* src, bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(valid ? 16 : 0));
}
__device__ __forceinline__ void cp4(uint32_t dst, const void* src, bool valid) {
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(dst), "l"(src), "r"(valid ? 4 : 0));
}
__device__ __forceinline__ void cp_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N> __device__ __forceinline__ void cp_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

// Shared memory layout per warp: NS stages of [16 rows][SP*64 + 64 bytes] weights (the 64-byte pad
// makes the fragment reads conflict-free) + [16][SP*8] bytes scales + [16][SP*8] bytes biases.
template <int SP> struct PipeGeom {
  static constexpr int kRowBytes = SP * 64 + 64;
  static constexpr int kSbBytes = SP * 8;  // per row: SP spans x up to 4 groups (gs 32) x 2 bytes
  static constexpr int kStage = 16 * kRowBytes + 2 * 16 * kSbBytes;
};
template <int KS, int SP, int NS> constexpr size_t pipe_smem_bytes(int ngroups) {
  return (size_t)KS * NS * PipeGeom<SP>::kStage + (size_t)ngroups * 4 + 2 * KS * 16 * 4;
}

// Requirements (checked by the caller): bf16/f16, 4-bit, gs in {32, 64, 128}, K % 256 == 0, 16-byte
// aligned x and weights. y[row, n] for n in the tiles blockIdx.x, +gridDim.x, ...; grid.y = row of x.
template <typename T, int KS, int SP, int NS>
__global__ void __launch_bounds__(32 * KS) qmv_pipe_kernel(const T* __restrict__ x, const uint32_t* __restrict__ w,
                                                         const T* __restrict__ scales, const T* __restrict__ biases,
                                                         T* __restrict__ y, int N, int K, int gshift) {
  static_assert(SP % 2 == 0, "stages hold an even number of spans (4-byte scale copies)");
  using G = PipeGeom<SP>;
  extern __shared__ __align__(16) unsigned char qsm[];
  float* xsum = reinterpret_cast<float*>(qsm + (size_t)KS * NS * G::kStage);
  const int ngroups = K >> gshift;
  float* red = xsum + ngroups;  // [2][KS][16]
  x += (int64_t)blockIdx.y * K;
  y += (int64_t)blockIdx.y * N;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int spans = K >> 7, wpr = K >> 3, gps_shift = 7 - gshift, gps = 1 << gps_shift;
  // This warp's contiguous span range (even start), in nst stages of SP spans.
  const int per = (((spans + KS - 1) / KS) + 1) & ~1;
  const int s_begin = warp * per, s_end = min(spans, s_begin + per);
  const int nst = (per + SP - 1) / SP;  // same for every warp (uniform barriers)
  const int tiles = (N + 15) >> 4;
  const int my_tiles = blockIdx.x < tiles ? (tiles - 1 - blockIdx.x) / gridDim.x + 1 : 0;
  const int items = my_tiles * nst;
  unsigned char* ring = qsm + (size_t)warp * NS * G::kStage;
  const int sb_words = gps * SP / 2;  // 4-byte words of scales per row per stage (2 bytes per group)

  auto issue = [&](int item) {
    if (item < items) {
      const int tile = blockIdx.x + (item / nst) * gridDim.x, st = item % nst;
      const int row0 = tile << 4, sp0 = s_begin + st * SP;
      const int nsp = min(SP, s_end - sp0);  // may be <= 0 past the end of the range
      unsigned char* buf = ring + (item % NS) * G::kStage;
#pragma unroll
      for (int i = lane; i < 16 * SP * 4; i += 32) {
        const int r = i / (SP * 4), c = i % (SP * 4), row = row0 + r;
        const bool ok = row < N && c < nsp * 4;
        cp16(smem_u32(buf + r * G::kRowBytes + c * 16), ok ? w + (int64_t)row * wpr + sp0 * 16 + c * 4 : w, ok);
      }
      unsigned char* sbuf = buf + 16 * G::kRowBytes;
      for (int i = lane; i < 16 * sb_words; i += 32) {
        const int r = i / sb_words, c = i % sb_words, row = row0 + r;
        const bool ok = row < N && 2 * c < nsp * gps;
        const int64_t off = (int64_t)row * ngroups + sp0 * gps + 2 * c;  // even: 4-byte aligned
        cp4(smem_u32(sbuf + r * G::kSbBytes + c * 4), ok ? scales + off : scales, ok);
        cp4(smem_u32(sbuf + 16 * G::kSbBytes + r * G::kSbBytes + c * 4), ok ? biases + off : biases, ok);
      }
    }
    cp_commit();  // always (empty groups keep the wait counts uniform)
  };

#pragma unroll
  for (int i = 0; i < NS - 1; i++) issue(i);
  // Sums of x per group while the first stages stream in.
  const int gs = 1 << gshift;
  for (int i = threadIdx.x; i < ngroups; i += blockDim.x) {
    const uint4* xg = reinterpret_cast<const uint4*>(x + ((int64_t)i << gshift));
    float a = 0.f;
    for (int e = 0; e < gs / 8; e++) {
      uint4 v = __ldg(xg + e);
      const T* tv = reinterpret_cast<const T*>(&v);
#pragma unroll
      for (int j = 0; j < 8; j++) a += to_f(tv[j]);
    }
    xsum[i] = a;
  }
  __syncthreads();

  const bool contrib = g == ((32 * t) >> gshift);  // this thread's x feeds B column g
  float acc[4] = {0.f, 0.f, 0.f, 0.f};               // [h * 2 + cc]: row g + 8h, column parity cc
  for (int item = 0; item < items; item++) {
    issue(item + NS - 1);
    cp_wait<NS - 1>();
    __syncwarp();
    const int st = item % nst;
    const unsigned char* buf = ring + (item % NS) * G::kStage;
    const unsigned char* sbuf = buf + 16 * G::kRowBytes;
    const int sp0 = s_begin + st * SP;
    // All spans of the stage at once: SP x 2 independent mma chains (even / odd k-steps), so the
    // tensor-core latency of one chain hides behind the others (one chain of 8 was the limit).
    uint4 xv[SP][4], wa4[SP], wb4[SP];
#pragma unroll
    for (int u = 0; u < SP; u++) {
      const int sp = sp0 + u;
      const bool ok = contrib && sp < s_end;
#pragma unroll
      for (int v = 0; v < 4; v++)
        xv[u][v] = ok ? __ldg(reinterpret_cast<const uint4*>(x + sp * 128 + 32 * t + 8 * v)) : make_uint4(0, 0, 0, 0);
      wa4[u] = *reinterpret_cast<const uint4*>(buf + g * G::kRowBytes + u * 64 + 16 * t);
      wb4[u] = *reinterpret_cast<const uint4*>(buf + (g + 8) * G::kRowBytes + u * 64 + 16 * t);
    }
    float c[SP][2][4];
#pragma unroll
    for (int u = 0; u < SP; u++)
#pragma unroll
      for (int p = 0; p < 2; p++) c[u][p][0] = c[u][p][1] = c[u][p][2] = c[u][p][3] = 0.f;
#pragma unroll
    for (int s = 0; s < 8; s++) {
      const int wi = s >> 1, odd = s & 1, sh = 8 * odd;
#pragma unroll
      for (int u = 0; u < SP; u++) {
        const uint32_t lo = odd ? xv[u][wi].y : xv[u][wi].x, hi = odd ? xv[u][wi].w : xv[u][wi].z;
        const uint32_t b0 = __byte_perm(lo, hi, 0x5410), b1 = __byte_perm(lo, hi, 0x7632);
        const uint32_t wa = word_of(wa4[u], wi), wb = word_of(wb4[u], wi);
        qmma<T>(c[u][odd], nib_pair<T>(wa >> sh), nib_pair<T>(wb >> sh), nib_pair<T>(wa >> (sh + 4)), nib_pair<T>(wb >> (sh + 4)),
                b0, b1);
      }
    }
#pragma unroll
    for (int u = 0; u < SP; u++) {
      const int sp = sp0 + u;
      if (sp < s_end) {
#pragma unroll
        for (int cc = 0; cc < 2; cc++) {
          const int col = 2 * t + cc;
          if (col < gps) {
            const int gl = u * gps + col;  // group index inside the stage
            const float X = xsum[(sp << gps_shift) + col];
#pragma unroll
            for (int h = 0; h < 2; h++) {
              const T sc = reinterpret_cast<const T*>(sbuf + (g + 8 * h) * G::kSbBytes)[gl];
              const T bi = reinterpret_cast<const T*>(sbuf + 16 * G::kSbBytes + (g + 8 * h) * G::kSbBytes)[gl];
              const float dot = c[u][0][2 * h + cc] + c[u][1][2 * h + cc];
              acc[2 * h + cc] += to_f(sc) * dot + to_f(bi) * X;
            }
          }
        }
      }
    }
    __syncwarp();  // this stage's buffer is refilled by a later issue
    if (st == nst - 1) {  // tile done: meet the other warps' K ranges
      const int tile = blockIdx.x + (item / nst) * gridDim.x, par = (item / nst) & 1;
      float* rb = red + par * KS * 16;
#pragma unroll
      for (int h = 0; h < 2; h++) {
        const float v = quad_sum(acc[2 * h] + acc[2 * h + 1]);
        if (t == 0) rb[warp * 16 + g + 8 * h] = v;
        acc[2 * h] = acc[2 * h + 1] = 0.f;
      }
      __syncthreads();
      if (warp == 0 && lane < 16) {
        float v = 0.f;
#pragma unroll
        for (int k = 0; k < KS; k++) v += rb[k * 16 + lane];
        const int row = (tile << 4) + lane;
        if (row < N) y[row] = from_f<T>(v);
      }
    }
  }
  cp_wait<0>();
}

}  // namespace mlx::cu::qmvk
