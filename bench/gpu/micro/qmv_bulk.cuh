// Experiments (session 4, not used by the engine): one-row 4-bit GEMV fed by bulk async copies (sm_90
// TMA, cp.async.bulk). Result on the H200: streaming alone (STREAM_ONLY) reaches the read floor, 12.6 us
// for 33 MB; with the mma arithmetic 25.5 us, slower than qmv_tc (22.4 us): compute-bound at 25 %
// occupancy with block barriers between stages (ncu: 9 cycles per issued instruction, 31 % barrier).
// qmv_ws_kernel (producer warp + consumer warps, no block barrier, x fragments in registers): 20.1 us,
// 10 % better than qmv_tc; ncu: 2.25 active warps per scheduler, 0.57 eligible, DRAM 25 % (latency-bound).
// Self-contained (CUDA headers only) so that bench/gpu/micro/qmv_micro.cu compiles the same code.
//
// Why: the register- and cp.async-fed kernels read each row in 64-byte pieces spread over 16 rows, a
// pattern that kept DRAM at ~30 % of its rate. Here a block streams whole tiles of 16 rows x KT weights
// (each row piece KT/2 contiguous bytes, plus that tile's scales and biases) through NS shared-memory
// stages, each filled by 48 bulk copies that complete on one mbarrier: the bytes in flight cost no
// registers and DRAM sees long contiguous reads. Blocks are persistent over (row tile, K tile) items.
//
// Arithmetic is that of qmv_pipe.cuh: thread (g = lane/4, t = lane%4) takes the 16 bytes at word 4t of a
// 128-element span for rows g and g+8, nibble pairs become bf16/f16 pairs exactly, the mma's B column j
// holds x only for the threads whose elements lie in the span's j-th group, and groups are scaled and
// biased in f32 (bias via the group's sum of x). A row's result never depends on the grid or on the
// number of rows of x, so row invariance holds.
#pragma once
#include "../../../packages/native/src/backend/cuda/qmv_pipe.cuh"

namespace mlx::cu::qmvk {

__device__ __forceinline__ void mbar_init(uint32_t bar, uint32_t count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count));
}
__device__ __forceinline__ void mbar_expect_tx(uint32_t bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbar_wait(uint32_t bar, uint32_t phase) {
  asm volatile(
      "{\n .reg .pred p;\n WAIT_%=:\n"
      " mbarrier.try_wait.parity.shared::cta.b64 p, [%0], %1;\n"
      " @!p bra WAIT_%=;\n}\n" ::"r"(bar),
      "r"(phase)
      : "memory");
}
__device__ __forceinline__ void bulk_copy(uint32_t dst, const void* src, uint32_t bytes, uint32_t bar) {
  asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];\n" ::"r"(dst),
               "l"(src), "r"(bytes), "r"(bar)
               : "memory");
}

// Shared memory per stage: [16 rows][SPB*64 + 64 bytes] weights (the pad keeps fragment reads
// conflict-free) + [16][SPB*8+16] scales + the same for biases (room for gs = 32; larger groups use less).
template <int SPB> struct BulkGeom {
  static constexpr int kRowBytes = SPB * 64 + 64;
  static constexpr int kSbBytes = SPB * 8 + 16;  // the pad spreads rows g over banks
  static constexpr int kStage = 16 * kRowBytes + 2 * 16 * kSbBytes;
};
template <int KS, int SPB, int NS> constexpr size_t bulk_smem_bytes(int ngroups) {
  return (size_t)NS * BulkGeom<SPB>::kStage + 8 * NS + (size_t)ngroups * 4 + 2 * KS * 16 * 4;
}

// Requirements (checked by the caller): bf16/f16, 4-bit, gs in {32, 64, 128}, K % (128*SPB) == 0,
// (K/gs) % 8 == 0 and SPB*128/gs*2 % 16 == 0 (16-byte bulk pieces), 16-byte aligned pointers.
// grid.x persistent blocks over row tiles, grid.y = row of x.
// Nibbles at bits 0-3 and 16-19 of v -> (off + q_lo, off + q_hi) as bf16x2 / f16x2 (off = 128 / 1024),
// exact, one LOP3: the offset is taken out once per group in f32 (off * sum of x).
template <typename T> __device__ __forceinline__ uint32_t nib_pair_biased(uint32_t v) {
  return (v & 0x000F000Fu) | (std::is_same_v<T, __nv_bfloat16> ? 0x43004300u : 0x64006400u);
}

template <typename T, int KS, int SPB, int NS, bool RAW = false, bool STREAM_ONLY = false>
__global__ void __launch_bounds__(32 * KS) qmv_bulk_kernel(const T* __restrict__ x, const uint32_t* __restrict__ w,
                                                         const T* __restrict__ scales, const T* __restrict__ biases,
                                                         T* __restrict__ y, int N, int K, int gshift) {
  using G = BulkGeom<SPB>;
  extern __shared__ __align__(128) unsigned char qbsm[];
  uint64_t* bars = reinterpret_cast<uint64_t*>(qbsm + (size_t)NS * G::kStage);
  float* xsum = reinterpret_cast<float*>(bars + NS);
  const int ngroups = K >> gshift;
  float* red = xsum + ngroups;  // [2][KS][16], by row-tile parity (warp 0 may still read the last)
  x += (int64_t)blockIdx.y * K;
  y += (int64_t)blockIdx.y * N;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int gps_shift = 7 - gshift, gps = 1 << gps_shift;
  const int nkt = K / (128 * SPB);                 // K tiles per row tile
  const int tiles = (N + 15) >> 4;
  const int my_tiles = blockIdx.x < tiles ? (tiles - 1 - blockIdx.x) / gridDim.x + 1 : 0;
  const int items = my_tiles * nkt;
  const uint32_t sb_piece = (uint32_t)(SPB * gps * 2);  // bytes of scales per row per stage

  if (threadIdx.x == 0) {
    for (int i = 0; i < NS; i++) mbar_init(smem_u32(bars + i), 1);
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
  __syncthreads();

  // Warp 0 fills a stage: lane 0 announces the bytes, lanes 0..15 copy one row each.
  auto issue = [&](int item) {
    if (warp != 0 || item >= items) return;
    const int tile = blockIdx.x + (item / nkt) * gridDim.x, kt = item % nkt;
    const int row0 = tile << 4, rows = min(16, N - row0);
    const uint32_t bar = smem_u32(bars + item % NS);
    unsigned char* buf = qbsm + (size_t)(item % NS) * G::kStage;
    if (lane == 0) mbar_expect_tx(bar, (uint32_t)rows * (SPB * 64 + 2 * sb_piece));
    __syncwarp();
    if (lane < rows) {
      const int64_t row = row0 + lane;
      bulk_copy(smem_u32(buf + lane * G::kRowBytes), w + row * (K >> 3) + (int64_t)kt * SPB * 16, SPB * 64, bar);
      const int64_t so = row * ngroups + (int64_t)kt * SPB * gps;
      unsigned char* sbuf = buf + 16 * G::kRowBytes;
      bulk_copy(smem_u32(sbuf + lane * G::kSbBytes), scales + so, sb_piece, bar);
      bulk_copy(smem_u32(sbuf + 16 * G::kSbBytes + lane * G::kSbBytes), biases + so, sb_piece, bar);
    }
  };
  for (int i = 0; i < NS; i++) issue(i);

  // Sums of x per group (for the biases) while the first stages stream in.
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
  constexpr int kPerWarp = (SPB + KS - 1) / KS;
  for (int item = 0; item < items; item++) {
    const int kt = item % nkt;
    mbar_wait(smem_u32(bars + item % NS), (uint32_t)((item / NS) & 1));
    const unsigned char* buf = qbsm + (size_t)(item % NS) * G::kStage;
    const unsigned char* sbuf = buf + 16 * G::kRowBytes;
    if constexpr (STREAM_ONLY) { acc[0] += to_f(*reinterpret_cast<const T*>(buf + threadIdx.x * 16)); } else {
    // All of this warp's spans of the stage at once: loads first, then kPerWarp x 2 independent mma
    // chains (even / odd k-steps), so tensor-core and shared-memory latencies overlap.
    uint4 xv[kPerWarp][4], wa4[kPerWarp], wb4[kPerWarp];
#pragma unroll
    for (int j = 0; j < kPerWarp; j++) {
      const int u = min(warp + j * KS, SPB - 1);  // clamped: out-of-range spans are computed, not used
      const int sp = kt * SPB + u;
#pragma unroll
      for (int v = 0; v < 4; v++)
        xv[j][v] = contrib ? __ldg(reinterpret_cast<const uint4*>(x + sp * 128 + 32 * t + 8 * v)) : make_uint4(0, 0, 0, 0);
      wa4[j] = *reinterpret_cast<const uint4*>(buf + g * G::kRowBytes + u * 64 + 16 * t);
      wb4[j] = *reinterpret_cast<const uint4*>(buf + (g + 8) * G::kRowBytes + u * 64 + 16 * t);
    }
    float c[kPerWarp][2][4];
#pragma unroll
    for (int j = 0; j < kPerWarp; j++)
#pragma unroll
      for (int p = 0; p < 2; p++) c[j][p][0] = c[j][p][1] = c[j][p][2] = c[j][p][3] = 0.f;
#pragma unroll
    for (int s = 0; s < 8; s++) {
      const int wi = s >> 1, odd = s & 1, sh = 8 * odd;
#pragma unroll
      for (int j = 0; j < kPerWarp; j++) {
        const uint32_t lo = odd ? xv[j][wi].y : xv[j][wi].x, hi = odd ? xv[j][wi].w : xv[j][wi].z;
        const uint32_t b0 = __byte_perm(lo, hi, 0x5410), b1 = __byte_perm(lo, hi, 0x7632);
        const uint32_t wa = word_of(wa4[j], wi), wb = word_of(wb4[j], wi);
        if constexpr (RAW)
          qmma<T>(c[j][odd], nib_pair_biased<T>(wa >> sh), nib_pair_biased<T>(wb >> sh), nib_pair_biased<T>(wa >> (sh + 4)),
                  nib_pair_biased<T>(wb >> (sh + 4)), b0, b1);
        else
          qmma<T>(c[j][odd], nib_pair<T>(wa >> sh), nib_pair<T>(wb >> sh), nib_pair<T>(wa >> (sh + 4)),
                  nib_pair<T>(wb >> (sh + 4)), b0, b1);
      }
    }
#pragma unroll
    for (int j = 0; j < kPerWarp; j++) {
      const int u = warp + j * KS;
      if (u < SPB) {
        const int sp = kt * SPB + u;
#pragma unroll
        for (int cc = 0; cc < 2; cc++) {
          const int col = 2 * t + cc;
          if (col < gps) {
            const int gl = u * gps + col;  // group within the stage
            const float X = xsum[sp * gps + col];
#pragma unroll
            for (int h = 0; h < 2; h++) {
              const int r = g + 8 * h;
              const T* srow = reinterpret_cast<const T*>(sbuf + r * G::kSbBytes);
              const T* brow = reinterpret_cast<const T*>(sbuf + 16 * G::kSbBytes + r * G::kSbBytes);
              const float sc = to_f(srow[gl]);
              constexpr float off = RAW ? (std::is_same_v<T, __nv_bfloat16> ? 128.f : 1024.f) : 0.f;
              acc[2 * h + cc] += sc * (c[j][0][2 * h + cc] + c[j][1][2 * h + cc]) + (to_f(brow[gl]) - off * sc) * X;
            }
          }
        }
      }
    }
    }
    const bool last_kt = kt == nkt - 1;
    float* rbuf = red + ((item / nkt) & 1) * KS * 16;
    if (last_kt) {
#pragma unroll
      for (int h = 0; h < 2; h++) {
        float v = acc[2 * h] + acc[2 * h + 1];
        v += __shfl_xor_sync(0xffffffffu, v, 1);
        v += __shfl_xor_sync(0xffffffffu, v, 2);
        if (t == 0) rbuf[warp * 16 + g + 8 * h] = v;
      }
      acc[0] = acc[1] = acc[2] = acc[3] = 0.f;
    }
    __syncthreads();  // the stage is free again; red is complete
    issue(item + NS);
    if (last_kt && threadIdx.x < 16) {
      const int row = ((blockIdx.x + (item / nkt) * gridDim.x) << 4) + threadIdx.x;
      float v = 0.f;
#pragma unroll
      for (int k = 0; k < KS; k++) v += rbuf[k * 16 + threadIdx.x];
      if (row < N) y[row] = from_f<T>(v);
    }
  }
}


__device__ __forceinline__ void mbar_arrive(uint32_t bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}

// Warp-specialised variant: KS consumer warps compute, one producer warp (the last) refills stages and
// sums the consumers' per-tile partials, so no block-wide barrier sits between stages. full[s] completes
// when a stage's bytes have landed; empty[s] when all KS consumers are done with it (and wrote their
// partials). XREG (K == 128*SPB, one K tile per row tile): each consumer always sees the same spans, so
// its x fragments and group sums are loaded once into registers.
template <int SPB, int KS, int NS> constexpr size_t ws_smem_bytes(int ngroups) {
  return (size_t)NS * BulkGeom<SPB>::kStage + 16 * NS + (size_t)ngroups * 4 + (size_t)NS * KS * 16 * 4;
}
template <typename T, int KS, int SPB, int NS, bool XREG>
__global__ void __launch_bounds__(32 * (KS + 1)) qmv_ws_kernel(const T* __restrict__ x, const uint32_t* __restrict__ w,
                                                            const T* __restrict__ scales, const T* __restrict__ biases,
                                                            T* __restrict__ y, int N, int K, int gshift) {
  using G = BulkGeom<SPB>;
  extern __shared__ __align__(128) unsigned char wsm[];
  uint64_t* full = reinterpret_cast<uint64_t*>(wsm + (size_t)NS * G::kStage);
  uint64_t* empty = full + NS;
  float* xsum = reinterpret_cast<float*>(empty + NS);
  const int ngroups = K >> gshift;
  float* red = xsum + ngroups;  // [NS][KS][16]
  x += (int64_t)blockIdx.y * K;
  y += (int64_t)blockIdx.y * N;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int gps_shift = 7 - gshift, gps = 1 << gps_shift;
  const int nkt = K / (128 * SPB);
  const int tiles = (N + 15) >> 4;
  const int my_tiles = blockIdx.x < tiles ? (tiles - 1 - blockIdx.x) / gridDim.x + 1 : 0;
  const int items = my_tiles * nkt;
  const uint32_t sb_piece = (uint32_t)(SPB * gps * 2);
  auto tile_row0 = [&](int item) { return (blockIdx.x + (item / nkt) * gridDim.x) << 4; };

  if (threadIdx.x == 0) {
    for (int i = 0; i < NS; i++) { mbar_init(smem_u32(full + i), 1); mbar_init(smem_u32(empty + i), KS); }
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
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

  if (warp == KS) {  // producer
    for (int i = 0; i < items + NS; i++) {
      const int s = i % NS, j = i - NS;
      if (j >= 0) {
        mbar_wait(smem_u32(empty + s), (uint32_t)((j / NS) & 1));
        if (j % nkt == nkt - 1 && lane < 16) {
          const int row = tile_row0(j) + lane;
          float v = 0.f;
#pragma unroll
          for (int k = 0; k < KS; k++) v += red[(s * KS + k) * 16 + lane];
          if (row < N) y[row] = from_f<T>(v);
        }
        __syncwarp();
      }
      if (i < items) {
        const int kt = i % nkt, row0 = tile_row0(i), rows = min(16, N - row0);
        const uint32_t bar = smem_u32(full + s);
        unsigned char* buf = wsm + (size_t)s * G::kStage;
        if (lane == 0) mbar_expect_tx(bar, (uint32_t)rows * (SPB * 64 + 2 * sb_piece));
        __syncwarp();
        if (lane < rows) {
          const int64_t row = row0 + lane;
          bulk_copy(smem_u32(buf + lane * G::kRowBytes), w + row * (K >> 3) + (int64_t)kt * SPB * 16, SPB * 64, bar);
          const int64_t so = row * ngroups + (int64_t)kt * SPB * gps;
          unsigned char* sbuf = buf + 16 * G::kRowBytes;
          bulk_copy(smem_u32(sbuf + lane * G::kSbBytes), scales + so, sb_piece, bar);
          bulk_copy(smem_u32(sbuf + 16 * G::kSbBytes + lane * G::kSbBytes), biases + so, sb_piece, bar);
        }
      }
    }
    return;
  }

  constexpr int kPerWarp = (SPB + KS - 1) / KS;
  constexpr float off = std::is_same_v<T, __nv_bfloat16> ? 128.f : 1024.f;
  const bool contrib = g == ((32 * t) >> gshift);
  // XREG: this warp's spans are fixed; b fragments (8 k-steps x 2 registers) and group sums once.
  uint32_t bf[XREG ? kPerWarp : 1][8][2];
  float xs[XREG ? kPerWarp : 1][2];
  if constexpr (XREG) {
#pragma unroll
    for (int j = 0; j < kPerWarp; j++) {
      const int sp = min(warp + j * KS, SPB - 1);
      uint4 xv[4];
#pragma unroll
      for (int v = 0; v < 4; v++)
        xv[v] = contrib ? __ldg(reinterpret_cast<const uint4*>(x + sp * 128 + 32 * t + 8 * v)) : make_uint4(0, 0, 0, 0);
#pragma unroll
      for (int s = 0; s < 8; s++) {
        const int wi = s >> 1, odd = s & 1;
        const uint32_t lo = odd ? xv[wi].y : xv[wi].x, hi = odd ? xv[wi].w : xv[wi].z;
        bf[j][s][0] = __byte_perm(lo, hi, 0x5410);
        bf[j][s][1] = __byte_perm(lo, hi, 0x7632);
      }
#pragma unroll
      for (int cc = 0; cc < 2; cc++) xs[j][cc] = 2 * t + cc < gps ? xsum[sp * gps + 2 * t + cc] : 0.f;
    }
  }
  float acc[4] = {0.f, 0.f, 0.f, 0.f};
  for (int item = 0; item < items; item++) {
    const int s = item % NS, kt = item % nkt;
    mbar_wait(smem_u32(full + s), (uint32_t)((item / NS) & 1));
    const unsigned char* buf = wsm + (size_t)s * G::kStage;
    const unsigned char* sbuf = buf + 16 * G::kRowBytes;
    uint4 wa4[kPerWarp], wb4[kPerWarp];
#pragma unroll
    for (int j = 0; j < kPerWarp; j++) {
      const int u = min(warp + j * KS, SPB - 1);
      wa4[j] = *reinterpret_cast<const uint4*>(buf + g * G::kRowBytes + u * 64 + 16 * t);
      wb4[j] = *reinterpret_cast<const uint4*>(buf + (g + 8) * G::kRowBytes + u * 64 + 16 * t);
    }
    float c[kPerWarp][4];
#pragma unroll
    for (int j = 0; j < kPerWarp; j++) c[j][0] = c[j][1] = c[j][2] = c[j][3] = 0.f;
#pragma unroll
    for (int s8 = 0; s8 < 8; s8++) {
      const int wi = s8 >> 1, sh = 8 * (s8 & 1);
#pragma unroll
      for (int j = 0; j < kPerWarp; j++) {
        uint32_t b0, b1;
        if constexpr (XREG) { b0 = bf[j][s8][0]; b1 = bf[j][s8][1]; } else {
          const int sp = kt * SPB + min(warp + j * KS, SPB - 1);
          const uint4 xv = contrib ? __ldg(reinterpret_cast<const uint4*>(x + sp * 128 + 32 * t + 8 * wi)) : make_uint4(0, 0, 0, 0);
          const uint32_t lo = (s8 & 1) ? xv.y : xv.x, hi = (s8 & 1) ? xv.w : xv.z;
          b0 = __byte_perm(lo, hi, 0x5410); b1 = __byte_perm(lo, hi, 0x7632);
        }
        const uint32_t wa = word_of(wa4[j], wi), wb = word_of(wb4[j], wi);
        qmma<T>(c[j], nib_pair_biased<T>(wa >> sh), nib_pair_biased<T>(wb >> sh), nib_pair_biased<T>(wa >> (sh + 4)),
                nib_pair_biased<T>(wb >> (sh + 4)), b0, b1);
      }
    }
#pragma unroll
    for (int j = 0; j < kPerWarp; j++) {
      const int u = warp + j * KS;
      if (u < SPB) {
#pragma unroll
        for (int cc = 0; cc < 2; cc++) {
          const int col = 2 * t + cc;
          if (col < gps) {
            const int gl = u * gps + col;
            const float X = XREG ? xs[j][cc] : xsum[(kt * SPB + u) * gps + col];
#pragma unroll
            for (int h = 0; h < 2; h++) {
              const int r = g + 8 * h;
              const float sc = to_f(reinterpret_cast<const T*>(sbuf + r * G::kSbBytes)[gl]);
              const float bi = to_f(reinterpret_cast<const T*>(sbuf + 16 * G::kSbBytes + r * G::kSbBytes)[gl]);
              acc[2 * h + cc] += sc * c[j][2 * h + cc] + (bi - off * sc) * X;
            }
          }
        }
      }
    }
    if (kt == nkt - 1) {
#pragma unroll
      for (int h = 0; h < 2; h++) {
        float v = acc[2 * h] + acc[2 * h + 1];
        v += __shfl_xor_sync(0xffffffffu, v, 1);
        v += __shfl_xor_sync(0xffffffffu, v, 2);
        if (t == 0) red[(s * KS + warp) * 16 + g + 8 * h] = v;
      }
      acc[0] = acc[1] = acc[2] = acc[3] = 0.f;
    }
    __syncwarp();
    if (lane == 0) mbar_arrive(smem_u32(empty + s));
  }
}

}  // namespace mlx::cu::qmvk
