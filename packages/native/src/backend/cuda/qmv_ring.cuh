// The one-row 4-bit GEMV (decode) on the tensor cores, streaming the weights through a register ring.
// Self-contained (CUDA headers only) so that bench/gpu/micro/qmv_ring.cu times this very kernel.
//
// Why a third form: the earlier kernels (qmv_tc.cuh, qmv_pipe.cuh) spent ~25 instructions per mma and
// waited on memory once per step with nothing else to do, so even with the weights in L2 a 14336x4096
// GEMV took 16 us against a 6 us read. Here, per mma, ~9 instructions:
//  - no exact subtraction after the nibble-to-float trick: (v & mask) | magic is the pair (M + q) (M = 128
//    for bf16, 1024 for f16), and the offset is folded into the bias: s*sum((M+q)x) + (b - M*s)*sum(x)
//    = sum((s*q + b)*x). The products stay exact; the f32 sums carry M*x terms (error ~1e-5 relative,
//    far below the bf16/f16 output's rounding);
//  - B (x) comes from shared memory where each warp stored its K range once, already in the mma's
//    k-permutation, so a 16-byte read is the B fragments of two k-steps (no byte permutes per step);
//  - a "super-span" of 8 groups accumulates in one mma chain: B column j holds x only for the lanes
//    whose elements lie in group j, so the 8 columns are the 8 groups' dot products and every lane's
//    accumulators are useful (scale and bias once per 8 groups, in f32).
// Each warp owns a 16-row tile (RT of them) and a contiguous K range; its weights stream through a ring
// of D spans (128 elements) of registers: span s+D's loads go out right after span s's math, so every
// warp keeps D spans in flight while it computes. The span loop is unrolled by super-span (B column,
// ring slot and load offsets compile-time: ~85 instead of ~126 instructions per span), and where the
// weights are settled the ring's first loads go out before the PDL wait. KS warps of a block split K; their sums meet in
// shared memory in a fixed order, so a row's bits depend only on (N, K) through KS, never on the
// number of rows of x (grid.y): row invariance holds.
//
// Requires K % 128 == 0, (K / GS) even, 16-byte aligned weights and x, 4-byte aligned scales/biases,
// K <= kRingMaxK (x of the block in shared memory).
#pragma once
#include <algorithm>
#include <type_traits>

// Per-warp timestamps for the GEMV microbenchmark (bench/gpu/micro/qmv_pdl.cu defines QMV_RING_STAMP_AT;
// only instances with STAMPS = true record them); nothing in the engine.
#ifdef QMV_RING_STAMP_AT
#define QMV_RING_STAMP(i) \
  if constexpr (STAMPS) QMV_RING_STAMP_AT(i)
#else
#define QMV_RING_STAMP(i)
#endif

#include "qmv_tc.cuh"

namespace mlx::cu::qmvk {

constexpr int kRingMaxK = 16384;

// (v & mask) | magic: the nibbles at bits 0-3 and 16-19 of v as the pair (M + q_lo, M + q_hi), exactly.
// The mask lives in a register the caller keeps (ptxas re-materialises an immediate before each use).
template <typename T> __device__ __forceinline__ uint32_t nib_biased(uint32_t v, uint32_t mask) {
  constexpr uint32_t magic = std::is_same_v<T, __nv_bfloat16> ? 0x43004300u : 0x64006400u;
  uint32_t m;
  asm("lop3.b32 %0, %1, %2, %3, 0xEA;\n" : "=r"(m) : "r"(v), "r"(mask), "n"(magic));
  return m;
}
template <typename T> __host__ __device__ constexpr float nib_offset() { return std::is_same_v<T, __nv_bfloat16> ? 128.f : 1024.f; }
__device__ __forceinline__ float lo_bf(uint32_t v, bool bf) {
  return bf ? __uint_as_float(v << 16) : __half2float(__ushort_as_half((unsigned short)(v & 0xFFFFu)));
}
__device__ __forceinline__ float hi_bf(uint32_t v, bool bf) {
  return bf ? __uint_as_float(v & 0xFFFF0000u) : __half2float(__ushort_as_half((unsigned short)(v >> 16)));
}
// Elements e0..e7 of an 8-element chunk -> (e0 e4)(e1 e5)(e2 e6)(e3 e7): the B fragments of the two
// k-steps that take this word's nibble pairs (i, i+4) (see the A fragments below).
__device__ __forceinline__ uint4 permute_chunk(uint4 v) {
  return make_uint4(__byte_perm(v.x, v.z, 0x5410), __byte_perm(v.x, v.z, 0x7632), __byte_perm(v.y, v.w, 0x5410),
                    __byte_perm(v.y, v.w, 0x7632));
}

// Dynamic shared bytes: x (K elements, permuted), zeros (one super-span of x: what the lanes outside a
// group's B column read), per-group sums of x, the warps' partial sums.
// gs 128 runs as gs 64 columns ("column groups" of 64: the two halves of a group share its scale and bias),
// so a super-span is 4 spans for both (gs 128 with 8 spans per super-span: 8 % slower, more registers).
inline int qmv_ring_col_group(int gs) { return gs == 128 ? 64 : gs; }
inline int qmv_ring_zero_bytes(int gs) { return qmv_ring_col_group(gs) / 16 * 256; }
template <typename T> inline size_t qmv_ring_smem(int K, int gs, int warps, int rt) {
  return (size_t)K * sizeof(T) + qmv_ring_zero_bytes(gs) + (size_t)(K / qmv_ring_col_group(gs)) * 4 + (size_t)warps * rt * 16 * 4;
}

// GS: group size (32, 64, 128); RT: 16-row tiles per warp; D: ring depth in spans (H100, 14336x4096:
// D 2 beats 3-4, whose registers cost resident warps); STAMPS: the microbenchmark's per-warp timestamps
// (QMV_RING_STAMP). Block = TPB tile groups x KSW
// warps (blockDim.x / 32 = TPB * KSW): warp w takes tile group w / KSW and K slice w % KSW, and the
// block stages x once for its TPB groups. grid.x = tiles / (RT * TPB), grid.y = rows of x.
template <typename T, int GS, int RT, int D, bool STAMPS>
__device__ __forceinline__ void qmv_ring_body(const T* x, const uint32_t* w, const T* scales, const T* biases, T* y, int N, int K,
                                              int KSW, bool early) {
  static_assert(GS == 32 || GS == 64 || GS == 128, "group size");
  constexpr int GC = GS == 128 ? 64 : GS;  // column group (qmv_ring_col_group): one B column's elements
  constexpr int SPS = GC / 16;         // spans per super-span (8 column groups)
  constexpr int CPS = 128 / GC;        // column groups (B columns) per span
  constexpr int GSH = GC == 32 ? 5 : 6;
  constexpr int LPG = GC / 8;          // 8-element chunks (lanes) per column group
  constexpr bool BF = std::is_same_v<T, __nv_bfloat16>;
  extern __shared__ __align__(16) unsigned char smem[];
  T* xs = reinterpret_cast<T*>(smem);                                   // [K] permuted x
  constexpr int ZB = GC / 16 * 256;  // qmv_ring_zero_bytes
  const uint4* zeros = reinterpret_cast<const uint4*>(smem + (size_t)K * sizeof(T));  // ZB bytes of 0
  float* xsum = reinterpret_cast<float*>(smem + (size_t)K * sizeof(T) + ZB);          // [K / GC]
  const int ngroups = K >> GSH, nscales = K >> (GS == 128 ? 7 : GSH), spans = K >> 7, wpr = K >> 3, nch = K >> 3;
  const int warps = blockDim.x >> 5;
  float* red = xsum + ngroups;  // [warps][RT * 16]
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
  const int kslice = warp % KSW, tgroup = warp / KSW;
  x += (int64_t)blockIdx.y * K;
  y += (int64_t)blockIdx.y * N;
  // This warp's spans: whole super-spans, split as evenly as possible over the KSW slices.
  const int nss = (spans + SPS - 1) / SPS, per = (nss + KSW - 1) / KSW;
  const int sp_lo = min(kslice * per * SPS, spans), sp_hi = min(sp_lo + per * SPS, spans), nsp = sp_hi - sp_lo;
  const int row0 = (blockIdx.x * (warps / KSW) + tgroup) * (RT * 16);
  const uint32_t* wrow[RT][2];
#pragma unroll
  for (int r = 0; r < RT; r++)
#pragma unroll
    for (int h = 0; h < 2; h++) wrow[r][h] = w + (int64_t)min(row0 + r * 16 + g + 8 * h, N - 1) * wpr + 4 * t;
  for (int i = threadIdx.x; i < ZB / 16; i += blockDim.x) reinterpret_cast<uint4*>(smem + (size_t)K * sizeof(T))[i] = make_uint4(0, 0, 0, 0);

  uint4 ring[D][RT][2];
  auto load = [&](int j, int sp) {
#pragma unroll
    for (int r = 0; r < RT; r++)
#pragma unroll
      for (int h = 0; h < 2; h++) ring[j][r][h] = __ldg(reinterpret_cast<const uint4*>(wrow[r][h] + sp * 16));
  };
  // Scales and biases of a super-span: rows g, g+8 of each tile, groups 2t and 2t+1 (one 32-bit pair).
  uint32_t sv[RT][2], bv[RT][2];
  // Element index of each row's groups 2t, 2t+1 (gs 128: group t): 32-bit indices off the kernel
  // parameters cost fewer registers than pointers (N * K / gs < 2^31).
  int sbi[RT][2];
#pragma unroll
  for (int r = 0; r < RT; r++)
#pragma unroll
    for (int h = 0; h < 2; h++) sbi[r][h] = min(row0 + r * 16 + g + 8 * h, N - 1) * nscales + (GS == 128 ? t : 2 * t);
  auto load_sb = [&](int ss) {
    if constexpr (GS == 128) {  // columns 2t, 2t+1 are the halves of group 4 ss + t: one value for both
      const bool ok = ss * 4 + t < nscales;
#pragma unroll
      for (int r = 0; r < RT; r++)
#pragma unroll
        for (int h = 0; h < 2; h++) {
          const int i = sbi[r][h] + ss * 4;
          const uint32_t sb = ok ? __ldg(reinterpret_cast<const unsigned short*>(scales + i)) : 0u;
          const uint32_t bb = ok ? __ldg(reinterpret_cast<const unsigned short*>(biases + i)) : 0u;
          sv[r][h] = sb | (sb << 16);
          bv[r][h] = bb | (bb << 16);
        }
    } else {
      const bool ok = ss * 8 + 2 * t < ngroups;
#pragma unroll
      for (int r = 0; r < RT; r++)
#pragma unroll
        for (int h = 0; h < 2; h++) {
          const int i = sbi[r][h] + ss * 8;
          sv[r][h] = ok ? __ldg(reinterpret_cast<const unsigned int*>(scales + i)) : 0u;
          bv[r][h] = ok ? __ldg(reinterpret_cast<const unsigned int*>(biases + i)) : 0u;
        }
    }
  };
  auto issue_weights = [&] {
#pragma unroll
    for (int j = 0; j < D; j++)
      if (j < nsp) load(j, sp_lo + j);
    if (nsp > 0) load_sb(sp_lo / SPS);
  };
  // early: the caller knows that no kernel still running wrote the weights (cuda::write_settled), so the
  // ring's first loads go out before griddepcontrol.wait and overlap the previous kernel's tail (H100,
  // 14336x4096 PDL chain: 14.3 vs 15.4 us). Otherwise x first, then the weights (below).
  if (early) issue_weights();

  QMV_RING_STAMP(0);
  pdl_wait();  // x (and anything else) written by the previous kernel is visible from here on
  pdl_launch_dependents();
  QMV_RING_STAMP(1);

  // x (late weights: first, its loads hit L2 and must not queue behind the weights' DRAM reads): the
  // first 4 chunks per thread now, any others after the weights.
  uint4 xv[4];
#pragma unroll
  for (int i = 0; i < 4; i++) {
    const int c = threadIdx.x + i * blockDim.x;
    xv[i] = c < nch ? __ldg(reinterpret_cast<const uint4*>(x) + c) : make_uint4(0, 0, 0, 0);
  }
  // A barrier first: the block's x requests go out before any of its weight requests (H100: 16.1 vs
  // 16.3 us; weights only after x is staged: 18.2 us, DRAM idles meanwhile).
  if (!early) {
    __syncthreads();
    issue_weights();
  }

  // Stage x: permuted chunks + per-group sums. A group's chunks are LPG consecutive lanes of one warp
  // (blockDim is a multiple of 32); the sums run in a fixed order, so they are deterministic.
  auto stage = [&](const uint4& v, int c) {
    const T* e = reinterpret_cast<const T*>(&v);
    float a = 0.f;
#pragma unroll
    for (int j = 0; j < 8; j++) a += to_f(e[j]);
#pragma unroll
    for (int o = 1; o < LPG; o <<= 1) a += __shfl_xor_sync(0xffffffffu, a, o);
    if (c < nch) {
      reinterpret_cast<uint4*>(xs)[c] = permute_chunk(v);
      if ((lane & (LPG - 1)) == 0) xsum[c / LPG] = a;
    }
  };
#pragma unroll
  for (int i = 0; i < 4; i++) stage(xv[i], threadIdx.x + i * blockDim.x);
  for (int c0 = 4 * blockDim.x; c0 < nch; c0 += blockDim.x) {  // K > 32 * blockDim.x
    const int c = c0 + threadIdx.x;
    stage(c < nch ? __ldg(reinterpret_cast<const uint4*>(x) + c) : make_uint4(0, 0, 0, 0), c);
  }
  __syncthreads();
  QMV_RING_STAMP(2);

  const uint32_t nmask = 0x000F000Fu | ((uint32_t)N >> 31);  // 0x000F000F in a register
  float c[RT][4], acc[RT][2];
#pragma unroll
  for (int r = 0; r < RT; r++) {
    c[r][0] = c[r][1] = c[r][2] = c[r][3] = 0.f;
    acc[r][0] = acc[r][1] = 0.f;
  }
  // One span: xb is this lane's 32 elements of x, or zeros where the span's groups are not its B column.
  auto compute = [&](const uint4 (&v)[RT][2], const uint4* xb) {
#pragma unroll
    for (int wi = 0; wi < 4; wi++) {
      const uint4 b = xb[wi];  // B of k-steps 2wi (b.x, b.y) and 2wi+1 (b.z, b.w)
#pragma unroll
      for (int r = 0; r < RT; r++) {
        const uint32_t wa = word_of(v[r][0], wi), wb = word_of(v[r][1], wi);
        const uint32_t wa4 = wa >> 4, wb4 = wb >> 4, wa8 = wa >> 8, wb8 = wb >> 8, wa12 = wa >> 12, wb12 = wb >> 12;
        qmma<T>(c[r], nib_biased<T>(wa, nmask), nib_biased<T>(wb, nmask), nib_biased<T>(wa4, nmask), nib_biased<T>(wb4, nmask),
                b.x, b.y);
        qmma<T>(c[r], nib_biased<T>(wa8, nmask), nib_biased<T>(wb8, nmask), nib_biased<T>(wa12, nmask),
                nib_biased<T>(wb12, nmask), b.z, b.w);
      }
    }
  };
  // Super-span ss is complete: c[r] holds, for rows g / g+8, columns 2t, 2t+1 = groups ss*8 + 2t, +1.
  auto finish = [&](int ss) {
    const int gi = ss * 8 + 2 * t;
    float X0 = 0.f, X1 = 0.f;
    if (gi < ngroups) {
      const float2 xx = *reinterpret_cast<const float2*>(xsum + gi);
      X0 = xx.x;
      X1 = xx.y;
    }
    constexpr float M = nib_offset<T>();
#pragma unroll
    for (int r = 0; r < RT; r++)
#pragma unroll
      for (int h = 0; h < 2; h++) {
        const float s0 = lo_bf(sv[r][h], BF), s1 = hi_bf(sv[r][h], BF);
        const float b0 = fmaf(-M, s0, lo_bf(bv[r][h], BF)), b1 = fmaf(-M, s1, hi_bf(bv[r][h], BF));
        float a = acc[r][h];
        a = fmaf(s0, c[r][2 * h], a);
        a = fmaf(b0, X0, a);
        a = fmaf(s1, c[r][2 * h + 1], a);
        a = fmaf(b1, X1, a);
        acc[r][h] = a;
        c[r][2 * h] = c[r][2 * h + 1] = 0.f;
      }
  };

  // Unrolled by super-span: span u's B column, ring slot and load offsets are compile-time, the weights
  // of a row come from one pointer per super-span at immediate offsets.
  static_assert(SPS % D == 0, "the ring slots repeat within a super-span");
  const uint4* wp[RT][2];
#pragma unroll
  for (int r = 0; r < RT; r++)
#pragma unroll
    for (int h = 0; h < 2; h++) wp[r][h] = reinterpret_cast<const uint4*>(wrow[r][h]) + (int64_t)sp_lo * 4;
  const uint4* xcur = reinterpret_cast<const uint4*>(xs + sp_lo * 128 + 32 * t);
  const int cg = g - ((32 * t) >> GSH);  // span u is this lane's B column where cg == u * CPS
  const int ss_lo = sp_lo / SPS, nssw = (nsp + SPS - 1) / SPS;
  auto superspan = [&](int i, auto guarded) {
    constexpr bool G = decltype(guarded)::value;  // the last super-spans: spans past nsp
    const int left = nsp - i * SPS;
#pragma unroll
    for (int u = 0; u < SPS; u++) {
      if (!G || u < left) {
        compute(ring[u % D], (cg == u * CPS ? xcur : zeros) + u * 16);
        if (u == 0 && i == 0) QMV_RING_STAMP(3);
        if (!G || u + D < left) {
#pragma unroll
          for (int r = 0; r < RT; r++)
#pragma unroll
            for (int h = 0; h < 2; h++) ring[u % D][r][h] = __ldg(wp[r][h] + (u + D) * 4);
        }
      }
    }
    finish(ss_lo + i);
    if (i + 1 < nssw) load_sb(ss_lo + i + 1);
#pragma unroll
    for (int r = 0; r < RT; r++)
#pragma unroll
      for (int h = 0; h < 2; h++) wp[r][h] += SPS * 4;
    xcur += SPS * 16;
  };
  int ssi = 0;
  for (; nsp - ssi * SPS >= SPS + D; ssi++) superspan(ssi, std::false_type{});
  for (; ssi < nssw; ssi++) superspan(ssi, std::true_type{});

  QMV_RING_STAMP(4);
  // Rows g and g+8: the 4 lanes of a row hold its two groups' sums; then the KS warps, in order.
#pragma unroll
  for (int r = 0; r < RT; r++)
#pragma unroll
    for (int h = 0; h < 2; h++) {
      const float v = quad_sum(acc[r][h]);
      if (t == 0) red[warp * (RT * 16) + r * 16 + g + 8 * h] = v;
    }
  __syncthreads();
  QMV_RING_STAMP(5);
  const int rows_blk = (warps / KSW) * RT * 16;
  for (int i = threadIdx.x; i < rows_blk; i += blockDim.x) {
    const int tg = i / (RT * 16), ri = i % (RT * 16);
    float v = 0.f;
    for (int k = 0; k < KSW; k++) v += red[(tg * KSW + k) * (RT * 16) + ri];
    const int row = blockIdx.x * rows_blk + i;
    if (row < N) y[row] = from_f<T>(v);
  }
}

// MAXR: a register cap, or 0 for ptxas' own choice (__launch_bounds__(512)). Both change the loop's
// schedule, not only the count (H100, 14336x4096 PDL chain, gs 64: own choice 68 registers 14.1 us, cap 68
// 15.4, cap 72 15.5; gs 128: cap 72 13.4, own choice 64 15.1; gs 32: cap 72 14.5, own 15.3).
template <typename T, int GS, int RT, int D, bool STAMPS = false, int MAXR = 72>
__global__ void __maxnreg__(MAXR) qmv_ring_kernel(const T* x, const uint32_t* w, const T* scales, const T* biases, T* y, int N,
                                                  int K, int KSW, bool early) {
  qmv_ring_body<T, GS, RT, D, STAMPS>(x, w, scales, biases, y, N, K, KSW, early);
}
template <typename T, int GS, int RT, int D, bool STAMPS = false>
__global__ void __launch_bounds__(512) qmv_ring_kernel_free(const T* x, const uint32_t* w, const T* scales, const T* biases, T* y,
                                                            int N, int K, int KSW, bool early) {
  qmv_ring_body<T, GS, RT, D, STAMPS>(x, w, scales, biases, y, N, K, KSW, early);
}
template <typename T, int GS, int RT, int D, bool STAMPS, int MAXR> constexpr auto qmv_ring_kernel_of() {
  if constexpr (MAXR == 0) return &qmv_ring_kernel_free<T, GS, RT, D, STAMPS>;
  else return &qmv_ring_kernel<T, GS, RT, D, STAMPS, MAXR>;
}
// The engine's register setting per group size (the fastest of the measured ones above).
template <int GS> constexpr int kRingMaxRegs = GS == 64 ? 0 : 72;
template <typename T, int GS, bool STAMPS = false> constexpr auto qmv_ring_engine_kernel() {
  return qmv_ring_kernel_of<T, GS, 1, 2, STAMPS, kRingMaxRegs<GS>>();
}

// Warps per block (K split) for an N x K GEMV: about 27 resident warps per SM over the whole grid, each
// warp at least one super-span. Depends only on (N, K, gs), so a row's bits never depend on M.
inline int qmv_ring_ks(int N, int K, int gs, int rt, int sms) {
  const int sps = qmv_ring_col_group(gs) / 16;
  const int tiles = (N + 16 * rt - 1) / (16 * rt), nss = (K / 128 + sps - 1) / sps;
  int ks = (int)std::max<int64_t>(1, ((int64_t)27 * sms + tiles - 1) / tiles);
  ks = std::min({ks, nss, 16});
  const int per = (nss + ks - 1) / ks;
  return (nss + per - 1) / per;  // no idle warps
}

}  // namespace mlx::cu::qmvk
