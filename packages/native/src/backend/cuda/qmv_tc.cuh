// The one-row tensor-core 4-bit GEMV (decode) used by quantized.cu; self-contained (CUDA headers only)
// so that bench/gpu/micro/qmv_micro.cu times this very kernel.
#pragma once
#include "qmv_pipe.cuh"

namespace mlx::cu::qmvk {

// One row of x (decode) on the tensor cores, bf16/f16, 4-bit, groups of 32/64/128, K a multiple of 128.
// A warp owns RT tiles of 16 weight rows; per 128-element span, thread (g = lane/4, t = lane%4) loads
// one 16-byte chunk (32 nibbles) of rows g and g+8: elements 32t..32t+31 of the span. Each of the
// span's 8 mma k-steps (m16n8k16, f32 accumulation) takes 4 nibbles per row from every thread, so
// the k order inside a step is a permutation of memory order; x enters B in the same permutation.
// Nibble pairs (i, i+4) of a word become a bf16/f16 pair with one mask-and-or (exponent magic:
// 128 + q or 1024 + q, exact) and one exact subtraction: ~1.4 instructions per weight instead of ~3.
// The span mixes groups (gs < 128), so B column j holds x only for the threads whose elements lie in
// the span's j-th group (zeros elsewhere): column j of the result is that group's dot product, scaled
// and biased in f32 (s * sum(x q) + b * sum(x), sum(x) per group from shared memory). KS warps split
// K for the same rows; their sums meet in shared memory.
//
// Programmatic dependent launch (PDL): launched with cudaLaunchAttributeProgrammaticStreamSerialization,
// the kernel may start while the previous kernel of the stream still runs. Before griddepcontrol.wait
// it touches no memory except L2 prefetches of its own weights, scales and biases (PF > 0): the L2 is
// the device's point of coherence, so a prefetch never yields stale data, even of weights the previous
// kernel writes; x is read and y written only after the wait. It then lets the next PDL kernel launch
// (launch_dependents after the wait: at most one kernel ahead, so prefetches don't pile up in L2).
// Launched without the attribute, both instructions are no-ops. PF: 0 none, 1 every line of the block's
// slice before the wait, 2 the first half before and the rest after, 3 one bulk (TMA) prefetch per
// region before the wait. The arithmetic is the same for every PF (bit-identical results).
__device__ __forceinline__ void pdl_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void pdl_launch_dependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}
// prefetch.global.L2 of the 128-byte lines of [p + lo, p + hi), spread over the block's threads.
__device__ __forceinline__ void prefetch_l2_lines(const void* p, int64_t lo, int64_t hi) {
  const char* b = static_cast<const char*>(p);
  for (int64_t o = lo + (int64_t)threadIdx.x * 128; o < hi; o += (int64_t)blockDim.x * 128)
    asm volatile("prefetch.global.L2 [%0];\n" ::"l"(b + o));
}
// One bulk prefetch into L2 of the 16-byte-aligned part of [p, p + bytes) (the instruction needs
// 16-byte alignment and size; a prefetch is only a hint, so the ragged ends are left out).
__device__ __forceinline__ void prefetch_l2_bulk(const void* p, int64_t bytes) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  const uintptr_t a = reinterpret_cast<uintptr_t>(p), lo = (a + 15) & ~(uintptr_t)15, hi = (a + bytes) & ~(uintptr_t)15;
  if (hi > lo) asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;\n" ::"l"(lo), "r"((uint32_t)(hi - lo)) : "memory");
#endif
}
// The block's slice: weight rows [row0, row0 + nrows) and their scales and biases, contiguous each.
template <typename T, int PF>
__device__ __forceinline__ void qmv_prefetch_slice(const uint32_t* w, const T* scales, const T* biases, int row0, int nrows,
                                                   int K, int ngroups, bool second_half) {
  if constexpr (PF == 0) return;
  const int64_t wb = (int64_t)nrows * (K / 2), sb = (int64_t)nrows * ngroups * (int64_t)sizeof(T);
  const uint32_t* wp = w + (int64_t)row0 * (K / 8);
  const T *sp = scales + (int64_t)row0 * ngroups, *bp = biases + (int64_t)row0 * ngroups;
  if constexpr (PF == 3) {
    if (threadIdx.x == 0 && !second_half) {
      prefetch_l2_bulk(wp, wb);
      prefetch_l2_bulk(sp, sb);
      prefetch_l2_bulk(bp, sb);
    }
  } else if constexpr (PF == 1) {
    if (!second_half) {
      prefetch_l2_lines(wp, 0, wb);
      prefetch_l2_lines(sp, 0, sb);
      prefetch_l2_lines(bp, 0, sb);
    }
  } else {  // PF == 2: scales, biases and the first half of the weights first
    const int64_t mid = (wb / 2) & ~(int64_t)127;
    if (!second_half) {
      prefetch_l2_lines(sp, 0, sb);
      prefetch_l2_lines(bp, 0, sb);
      prefetch_l2_lines(wp, 0, mid);
    } else {
      prefetch_l2_lines(wp, mid, wb);
    }
  }
}

// EARLY (requires 4-byte aligned scales and biases): 1 issues every load of a step (weights, x, and the
// step's scales and biases as 32-bit pairs of groups) before its math, and the first step's loads before
// the x-sum prologue, so a warp waits for memory once per step instead of three times (weights, then the
// scales in the epilogue; x before anything). 2 also double-buffers: step s+1's loads go out before step
// s's math. Same arithmetic in the same order for every EARLY and PF: the same bits.
// Dynamic shared bytes of qmv_tc_kernel: the per-group x sums (+ x itself with XS).
inline size_t qmv_tc_smem(int K, int gs, bool xs) {
  const size_t ng = (size_t)(K / gs);
  return xs ? ((ng + 3) & ~(size_t)3) * 4 + (size_t)K * 2 : ng * 4;
}
template <typename T> __device__ __forceinline__ float half_of(uint32_t v, int hi) {
  const uint32_t b = hi ? v >> 16 : v & 0xFFFFu;
  if constexpr (std::is_same_v<T, __nv_bfloat16>) return __uint_as_float(b << 16);
  else return __half2float(__ushort_as_half((unsigned short)b));
}
// nib_pair with the nibble mask in a register the caller keeps: the same values. With the mask as an
// immediate, ptxas re-materialised it before almost every use (~1 extra instruction per pair).
template <typename T> __device__ __forceinline__ uint32_t nib_pair_r(uint32_t v, uint32_t mask) {
  constexpr uint32_t magic = std::is_same_v<T, __nv_bfloat16> ? 0x43004300u : 0x64006400u;
  uint32_t m;
  asm("lop3.b32 %0, %1, %2, %3, 0xEA;\n" : "=r"(m) : "r"(v), "r"(mask), "n"(magic));  // (v & mask) | magic
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    __nv_bfloat162 r = __hsub2(*reinterpret_cast<__nv_bfloat162*>(&m), __floats2bfloat162_rn(128.f, 128.f));
    return *reinterpret_cast<uint32_t*>(&r);
  } else {
    __half2 r = __hsub2(*reinterpret_cast<__half2*>(&m), __floats2half2_rn(1024.f, 1024.f));
    return *reinterpret_cast<uint32_t*>(&r);
  }
}
// A step's registers: weights of rows g, g+8 of each tile, x, and (EARLY) raw scale / bias pairs.
template <int RT, int U> struct QmvStep {
  uint4 wv[U][RT][2], xv[U][4];
  uint32_t sv[U][RT][2], bv[U][RT][2];
};

// MINB: blocks per SM the register allocation must allow (launch bounds; 0: no bound), for the double-buffered form.
// PERSIST: blocks walk the row tiles blockIdx.x, + gridDim.x, ... (the host sizes the grid to the resident
// blocks: one wave, the x sums once per block), prefetching the next tile's slice one tile ahead (PF > 0).
// GS: the group size at compile time (32, 64 or 128; gshift must match) or 0 (from gshift): the x-sum
// loads unroll and the per-group branches go away.
// XS: x is staged in shared memory once per block (dynamic shared size qmv_tc_smem(K, gs, true)) and each
// span's B fragments are read from there inside the math: no x registers across the memory wait, so
// EARLY=2 can double-buffer the weights. Same values, same bits.
template <typename T, int RT, int KS, int U, int PF = 0, int EARLY = 0, int MINB = 0, bool PERSIST = false, int GS = 0,
          bool XS = false>
__global__ void __launch_bounds__(32 * KS, MINB) qmv_tc_kernel(const T* x, const uint32_t* w, const T* scales, const T* biases,
                                                       T* y, int N, int K, int gshift) {
  static_assert(GS == 0 || GS == 32 || GS == 64 || GS == 128, "group size");
  if constexpr (GS != 0) gshift = GS == 32 ? 5 : GS == 64 ? 6 : 7;
  extern __shared__ float xsum[];  // per group: sum of x
  __shared__ float red[KS][RT * 16];
  x += (int64_t)blockIdx.y * K;  // grid.y: row of x
  y += (int64_t)blockIdx.y * N;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int ngroups = K >> gshift, gs = 1 << gshift;
  T* xs = reinterpret_cast<T*>(xsum + ((ngroups + 3) & ~3));  // XS: x, after the (16-byte padded) sums
  {
    const int r0 = blockIdx.x * (RT * 16), nr = min(RT * 16, N - r0);
    // grid.y > 1 (several rows of x) re-reads the same slice: only row 0's blocks prefetch it.
    if (blockIdx.y == 0) qmv_prefetch_slice<T, PF>(w, scales, biases, r0, nr, K, ngroups, false);
    pdl_wait();  // the previous kernel (which may write x, or read the memory y reuses) is complete
    pdl_launch_dependents();
    if (blockIdx.y == 0) qmv_prefetch_slice<T, PF>(w, scales, biases, r0, nr, K, ngroups, true);
  }
  int row0 = blockIdx.x * (RT * 16);
  const int spans = K >> 7, wpr = K >> 3, gps_shift = 7 - gshift;  // groups per span = 1 << gps_shift
  const bool contrib = g == ((32 * t) >> gshift);  // this thread's x feeds B column g
  // 0x000F000F, derived from a kernel argument so that ptxas keeps it in a register (N >= 0: N >> 31 is 0)
  const uint32_t nmask = 0x000F000Fu | ((uint32_t)N >> 31);
  auto load = [&](QmvStep<RT, U>& S, int sp0) {
#pragma unroll
    for (int u = 0; u < U; u++) {
      const int sp = sp0 + u;
      const bool ok = sp < spans;
#pragma unroll
      for (int r = 0; r < RT; r++)
#pragma unroll
        for (int h = 0; h < 2; h++) {
          const int row = row0 + r * 16 + g + 8 * h;
          S.wv[u][r][h] = ok && row < N ? __ldg(reinterpret_cast<const uint4*>(w + (int64_t)row * wpr + sp * 16 + 4 * t))
                                        : make_uint4(0, 0, 0, 0);
          if constexpr (EARLY > 0) {
            // columns 2t and 2t + 1 (groups gi, gi + 1: one aligned 32-bit word when a span has >= 2 groups)
            const bool sok = ok && row < N && 2 * t < (1 << gps_shift);
            const int64_t si = (int64_t)row * ngroups + (sp << gps_shift) + 2 * t;
            if (gps_shift > 0) {
              S.sv[u][r][h] = sok ? __ldg(reinterpret_cast<const unsigned int*>(scales + si)) : 0u;
              S.bv[u][r][h] = sok ? __ldg(reinterpret_cast<const unsigned int*>(biases + si)) : 0u;
            } else {
              S.sv[u][r][h] = sok ? __ldg(reinterpret_cast<const unsigned short*>(scales + si)) : 0u;
              S.bv[u][r][h] = sok ? __ldg(reinterpret_cast<const unsigned short*>(biases + si)) : 0u;
            }
          }
        }
#pragma unroll
      for (int v = 0; v < 4; v++)
        if constexpr (!XS)
          S.xv[u][v] = ok && contrib ? __ldg(reinterpret_cast<const uint4*>(x + sp * 128 + 32 * t + 8 * v)) : make_uint4(0, 0, 0, 0);
    }
  };
  float acc[RT][4];
#pragma unroll
  for (int r = 0; r < RT; r++) acc[r][0] = acc[r][1] = acc[r][2] = acc[r][3] = 0.f;
  auto compute = [&](const QmvStep<RT, U>& S, int sp0) {
#pragma unroll
    for (int u = 0; u < U; u++) {
      const int sp = sp0 + u;
      if (sp >= spans) break;
      float c[RT][4];
#pragma unroll
      for (int r = 0; r < RT; r++) c[r][0] = c[r][1] = c[r][2] = c[r][3] = 0.f;
      uint4 xr[4];
#pragma unroll
      for (int v = 0; v < 4; v++) {
        if constexpr (XS) xr[v] = contrib ? reinterpret_cast<const uint4*>(xs + sp * 128 + 32 * t)[v] : make_uint4(0, 0, 0, 0);
        else xr[v] = S.xv[u][v];
      }
#pragma unroll
      for (int s = 0; s < 8; s++) {
        const int wi = s >> 1, odd = s & 1;
        // x pairs matching the A permutation: (x[i0], x[i0+4]) and (x[i0+1], x[i0+5]) of word wi, i0 = 2*odd.
        const uint32_t lo = odd ? xr[wi].y : xr[wi].x, hi = odd ? xr[wi].w : xr[wi].z;
        const uint32_t b0 = __byte_perm(lo, hi, 0x5410), b1 = __byte_perm(lo, hi, 0x7632);
#pragma unroll
        for (int r = 0; r < RT; r++) {
          const uint32_t wa = word_of(S.wv[u][r][0], wi), wb = word_of(S.wv[u][r][1], wi);
          const int sh = 8 * odd;
          if constexpr (GS != 0) {
            qmma<T>(c[r], nib_pair_r<T>(wa >> sh, nmask), nib_pair_r<T>(wb >> sh, nmask), nib_pair_r<T>(wa >> (sh + 4), nmask),
                    nib_pair_r<T>(wb >> (sh + 4), nmask), b0, b1);
          } else {
            qmma<T>(c[r], nib_pair<T>(wa >> sh), nib_pair<T>(wb >> sh), nib_pair<T>(wa >> (sh + 4)), nib_pair<T>(wb >> (sh + 4)),
                    b0, b1);
          }
        }
      }
      // Column 2t + cc of c is the dot product of group (sp << gps_shift) + 2t + cc, when that column exists.
#pragma unroll
      for (int cc = 0; cc < 2; cc++) {
        const int col = 2 * t + cc;
        if (col < (1 << gps_shift)) {
          const int gi = (sp << gps_shift) + col;
          const float X = xsum[gi];
#pragma unroll
          for (int r = 0; r < RT; r++)
#pragma unroll
            for (int h = 0; h < 2; h++) {
              const int row = row0 + r * 16 + g + 8 * h;
              if (row < N) {
                if constexpr (EARLY > 0) {
                  acc[r][2 * h + cc] += half_of<T>(S.sv[u][r][h], cc) * c[r][2 * h + cc] + half_of<T>(S.bv[u][r][h], cc) * X;
                } else {
                  const int64_t si = (int64_t)row * ngroups + gi;
                  acc[r][2 * h + cc] += to_f(scales[si]) * c[r][2 * h + cc] + to_f(biases[si]) * X;
                }
              }
            }
        }
      }
    }
  };
  const int first = warp * U, stride = KS * U;
  const int tiles = (N + RT * 16 - 1) / (RT * 16);
  QmvStep<RT, U> S0;
  if constexpr (EARLY > 0) load(S0, first);
  for (int i = threadIdx.x; i < ngroups; i += blockDim.x) {
    const uint4* xg = reinterpret_cast<const uint4*>(x + ((int64_t)i << gshift));
    float a = 0.f;
    if constexpr (GS != 0) {  // every load first, then the same sums in the same order
      uint4 v[GS / 8];
#pragma unroll
      for (int e = 0; e < GS / 8; e++) v[e] = __ldg(xg + e);
#pragma unroll
      for (int e = 0; e < GS / 8; e++) {
        const T* tv = reinterpret_cast<const T*>(&v[e]);
#pragma unroll
        for (int j = 0; j < 8; j++) a += to_f(tv[j]);
      }
    } else {
      for (int e = 0; e < gs / 8; e++) {
        uint4 v = xg[e];
        const T* tv = reinterpret_cast<const T*>(&v);
#pragma unroll
        for (int j = 0; j < 8; j++) a += to_f(tv[j]);
      }
    }
    xsum[i] = a;
  }
  if constexpr (XS) {
    const uint4* x4 = reinterpret_cast<const uint4*>(x);
    uint4* xs4 = reinterpret_cast<uint4*>(xs);
#pragma unroll 4
    for (int i = threadIdx.x; i < (K >> 3); i += blockDim.x) xs4[i] = __ldg(x4 + i);
  }
  __syncthreads();
  for (int tile = blockIdx.x;;) {
  if constexpr (PERSIST && PF > 0) {
    const int nt = tile + gridDim.x, r1 = nt * (RT * 16);
    if (blockIdx.y == 0 && nt < tiles) qmv_prefetch_slice<T, PF == 2 ? 1 : PF>(w, scales, biases, r1, min(RT * 16, N - r1), K, ngroups, false);
  }
  if (tile != (int)blockIdx.x) {  // persistent blocks only: a fresh tile
#pragma unroll
    for (int r = 0; r < RT; r++) acc[r][0] = acc[r][1] = acc[r][2] = acc[r][3] = 0.f;
    if constexpr (EARLY > 0) load(S0, first);
  }
  if constexpr (EARLY == 2) {
    QmvStep<RT, U> S1;
    for (int sp0 = first; sp0 < spans; sp0 += 2 * stride) {
      load(S1, sp0 + stride);  // predicated off past the end
      compute(S0, sp0);
      if (sp0 + stride >= spans) break;
      load(S0, sp0 + 2 * stride);
      compute(S1, sp0 + stride);
    }
  } else {
    for (int sp0 = first; sp0 < spans; sp0 += stride) {
      if (EARLY == 0 || sp0 != first) load(S0, sp0);
      compute(S0, sp0);
    }
  }
#pragma unroll
  for (int r = 0; r < RT; r++)
#pragma unroll
    for (int h = 0; h < 2; h++) {
      const float v = quad_sum(acc[r][2 * h] + acc[r][2 * h + 1]);
      if (t == 0) red[warp][r * 16 + g + 8 * h] = v;
    }
  __syncthreads();
  for (int i = threadIdx.x; i < RT * 16; i += blockDim.x) {
    float v = 0.f;
#pragma unroll
    for (int k = 0; k < KS; k++) v += red[k][i];
    if (row0 + i < N) y[row0 + i] = from_f<T>(v);
  }
  if constexpr (!PERSIST) break;
  tile += gridDim.x;
  if (tile >= tiles) break;
  row0 = tile * (RT * 16);
  __syncthreads();  // red is reused by the next tile
  }
}

// cudaLaunchKernelEx with or without programmatic dependent launch (PDL: the kernel may start while the previous
// one on the stream finishes; it waits with griddepcontrol.wait before reading that kernel's output). Shared by
// the engine (quantized.cu) and the GEMV microbenchmark.
template <typename... KArgs, typename... Args>
inline cudaError_t launch_pdl(void (*kern)(KArgs...), dim3 grid, dim3 block, size_t smem, cudaStream_t st, bool pdl,
                              Args... args) {
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = grid;
  cfg.blockDim = block;
  cfg.dynamicSmemBytes = smem;
  cfg.stream = st;
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  cfg.attrs = attr;
  cfg.numAttrs = pdl ? 1 : 0;
  return cudaLaunchKernelEx(&cfg, kern, static_cast<KArgs>(args)...);
}

}  // namespace mlx::cu::qmvk
