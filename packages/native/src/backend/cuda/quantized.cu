// Affine quantized matmul on the GPU (bits 2/4/8, any group size >= 32): few rows of x with
// transposed weights use a warp-per-output-row GEMV over the packed words (16-byte loads);
// otherwise W is dequantized into a scratch array and multiplied with cuBLASLt.
#include <algorithm>
#include <cstdlib>

#include "../../primitives/quantized.h"
#include "common.cuh"
#include "qmv_pipe.cuh"
#include "qmv_ring.cuh"
#include "qmv_tc.cuh"

namespace mlx::cu {

// Defined in matmul.cu.
void gemm_arrays(const Array& a, const Array& b, Array& out, const Stream& s);

namespace {

template <typename T, int Bits>
__global__ void dequant_kernel(const uint32_t* w, const T* scales, const T* biases, T* out, int64_t rows, int64_t K, int gs) {
  constexpr int per = 32 / Bits;
  constexpr uint32_t mask = (1u << Bits) - 1u;
  int64_t wpr = K / per, gpr = K / gs;
  int64_t total = rows * K;
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total; e += (int64_t)gridDim.x * blockDim.x) {
    int64_t r = e / K, k = e % K;
    uint32_t word = w[r * wpr + k / per];
    float q = (float)((word >> ((k % per) * Bits)) & mask);
    int64_t g = r * gpr + k / gs;
    // As the CPU kernel (and MLX): the product rounded to T, then the sum; no fused multiply-add.
    float prod = cvt<float>(cvt<T>(__fmul_rn(cvt<float>(scales[g]), q)));
    out[e] = cvt<T>(__fadd_rn(prod, cvt<float>(biases[g])));
  }
}

// y[m, n] = sum_k x[m, k] * (s[n, g] * q[n, k] + b[n, g]); one warp per n, all M (<= 8) rows at once.
template <typename T, int Bits, int MaxM>
__global__ void qmv_kernel(const T* x, const uint32_t* w, const T* scales, const T* biases, T* y, int64_t M, int64_t N,
                           int64_t K, int gs) {
  constexpr int per = 32 / Bits;
  constexpr uint32_t mask = (1u << Bits) - 1u;
  int lane = threadIdx.x & 31;
  int64_t n = blockIdx.x * (int64_t)(blockDim.x >> 5) + (threadIdx.x >> 5);
  if (n >= N) return;
  int64_t wpr = K / per, gpr = K / gs;
  const uint4* wr = reinterpret_cast<const uint4*>(w + n * wpr);
  int64_t chunks = wpr / 4;  // 4 words per lane per step
  float acc[MaxM];
#pragma unroll
  for (int m = 0; m < MaxM; m++) acc[m] = 0.f;
  for (int64_t c = lane; c < chunks; c += 32) {
    uint4 q4 = wr[c];
    uint32_t words[4] = {q4.x, q4.y, q4.z, q4.w};
    int64_t k0 = c * 4 * per;
    int64_t g = k0 / gs;  // 4*per values (16 or 32) stay inside one group (gs >= 32, aligned)
    float sc = cvt<float>(scales[n * gpr + g]), bi = cvt<float>(biases[n * gpr + g]);
#pragma unroll
    for (int m = 0; m < MaxM; m++) {
      if (m >= M) break;
      const T* xr = x + m * K + k0;
      // x's slice for these 4 words in 16-byte loads: scalar loads would touch 32 lines per warp instruction.
      constexpr int kPerVec = 16 / sizeof(T), kVecs = 4 * per / kPerVec;
      float xv[4 * per];
#pragma unroll
      for (int u = 0; u < kVecs; u++) {
        uint4 raw = reinterpret_cast<const uint4*>(xr)[u];
        const T* tv = reinterpret_cast<const T*>(&raw);
#pragma unroll
        for (int e = 0; e < kPerVec; e++) xv[u * kPerVec + e] = cvt<float>(tv[e]);
      }
      float dq = 0.f, xs = 0.f;
#pragma unroll
      for (int wi = 0; wi < 4; wi++) {
#pragma unroll
        for (int t = 0; t < per; t++) {
          float xe = xv[wi * per + t];
          dq += xe * (float)((words[wi] >> (t * Bits)) & mask);
          xs += xe;
        }
      }
      acc[m] += sc * dq + bi * xs;
    }
  }
#pragma unroll
  for (int m = 0; m < MaxM; m++) {
    if (m >= M) break;
    float v = warp_reduce(acc[m], [](float a, float b) { return a + b; });
    if (lane == 0) y[m * N + n] = cvt<T>(v);
  }
}

// MLX's affine quantization of one group per thread, with the CPU kernel's exact float arithmetic
// (IEEE division, rint, no contraction): scale from the range, nudged so that the edge value with
// the larger magnitude is exact; it becomes the bias. Bits 2/4/8 (whole elements per word).
template <typename T, int Bits>
__global__ void quantize_kernel(const T* w, uint32_t* out, T* scales, T* biases, int64_t groups, int gs) {
  constexpr int per = 32 / Bits;
  const float n_bins = float((1 << Bits) - 1), eps = 1e-7f;
  for (int64_t g = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; g < groups; g += (int64_t)gridDim.x * blockDim.x) {
    const T* wg = w + g * gs;
    float w_min = INFINITY, w_max = -INFINITY;
    for (int j = 0; j < gs; j++) {
      float v = cvt<float>(wg[j]);
      w_max = fmaxf(w_max, v);
      w_min = fminf(w_min, v);
    }
    bool mask = fabsf(w_min) > fabsf(w_max);
    float scale = fmaxf(__fdiv_rn(__fsub_rn(w_max, w_min), n_bins), eps);
    scale = mask ? scale : -scale;
    float edge = mask ? w_min : w_max, bias = 0.f;
    float q0 = rintf(__fdiv_rn(edge, scale));
    if (q0 != 0.f) {
      scale = __fdiv_rn(edge, q0);
      bias = edge;
    }
    uint32_t* o = out + g * (gs / per);
    for (int j = 0; j < gs; j += per) {
      uint32_t word = 0;
      for (int k = 0; k < per; k++) {
        float v = rintf(__fdiv_rn(__fsub_rn(cvt<float>(wg[j + k]), bias), scale));
        v = fminf(fmaxf(v, 0.f), n_bins);
        word |= (uint32_t)v << (k * Bits);
      }
      o[j / per] = word;
    }
    scales[g] = cvt<T>(scale);
    biases[g] = cvt<T>(bias);
  }
}

// y[n] = sum_k x[k] * (s[n,g] q[n,k] + b[n,g]) for one row of x (decode). Each warp owns R rows and
// issues every 16-byte weight load of its rows before the arithmetic (bytes in flight). Nibbles
// become floats without integer->float conversions: (word & (mask << j*Bits)) | 0x4B000000 is the
// float 2^23 + q*2^(j*Bits), exact; each position j has its own sum, scaled by 2^-(j*Bits) at the end.
template <typename T, int Bits, int R, int U>
__global__ void __launch_bounds__(128) qmv1_kernel(const T* x, const uint32_t* w, const T* scales, const T* biases, T* y,
                                                   int64_t N, int64_t K, int gshift) {
  constexpr int per = 32 / Bits;          // elements per word
  constexpr int epc = 4 * per;            // elements per 16-byte chunk
  constexpr int half = per / 2;           // elements per 16-bit half word
  constexpr int kPerVec = 16 / sizeof(T), kVecs = epc / kPerVec;
  constexpr uint32_t emask = (1u << Bits) - 1u;
  x += blockIdx.y * K;  // grid.y: row of x (every row runs the same arithmetic: row invariance)
  y += blockIdx.y * N;
  const int lane = threadIdx.x & 31;
  const int64_t n0 = (blockIdx.x * (int64_t)(blockDim.x >> 5) + (threadIdx.x >> 5)) * R;
  if (n0 >= N) return;
  const int wpr = (int)(K / per), gpr = (int)(K >> (gshift + (epc == 32 ? 5 : 4))), chunks = wpr / 4;
  float acc[R];
#pragma unroll
  for (int r = 0; r < R; r++) acc[r] = 0.f;
  for (int c0 = 0; c0 < chunks; c0 += 32 * U) {
    // Every load of the step first (weights from DRAM, x / scales / biases from L2), then the math.
    uint4 wv[R][U], xv[U][kVecs];
    float sc[R][U], bi[R][U];
#pragma unroll
    for (int u = 0; u < U; u++) {
      int c = c0 + u * 32 + lane;
      bool okc = c < chunks;
#pragma unroll
      for (int v = 0; v < kVecs; v++)
        xv[u][v] = okc ? reinterpret_cast<const uint4*>(x + (int64_t)c * epc)[v] : make_uint4(0, 0, 0, 0);
      int g = c >> gshift;  // group of this chunk within the row
#pragma unroll
      for (int r = 0; r < R; r++) {
        int64_t n = n0 + r;
        bool ok = okc && n < N;
        wv[r][u] = ok ? reinterpret_cast<const uint4*>(w + n * wpr)[c] : make_uint4(0, 0, 0, 0);
        sc[r][u] = ok ? cvt<float>(scales[n * gpr + g]) : 0.f;
        bi[r][u] = ok ? cvt<float>(biases[n * gpr + g]) : 0.f;
      }
    }
#pragma unroll
    for (int u = 0; u < U; u++) {
      float xs[epc];
#pragma unroll
      for (int v = 0; v < kVecs; v++) {
        const T* tv = reinterpret_cast<const T*>(&xv[u][v]);
#pragma unroll
        for (int e = 0; e < kPerVec; e++) xs[v * kPerVec + e] = cvt<float>(tv[e]);
      }
      float xsum = 0.f;
#pragma unroll
      for (int e = 0; e < epc; e++) xsum += xs[e];
#pragma unroll
      for (int r = 0; r < R; r++) {
        const uint32_t words[4] = {wv[r][u].x, wv[r][u].y, wv[r][u].z, wv[r][u].w};
        // One accumulator per position j in the half word: f = q * 2^(Bits*j); scaled back once at the end.
        float dqj[half];
#pragma unroll
        for (int j = 0; j < half; j++) dqj[j] = 0.f;
#pragma unroll
        for (int wi = 0; wi < 4; wi++) {
#pragma unroll
          for (int hw = 0; hw < 2; hw++) {
            uint32_t h = hw ? (words[wi] >> 16) : words[wi];
#pragma unroll
            for (int j = 0; j < half; j++) {
              float f = __int_as_float((h & (emask << (Bits * j))) | 0x4B000000u) - 8388608.f;
              dqj[j] = fmaf(xs[wi * per + hw * half + j], f, dqj[j]);
            }
          }
        }
        float dq = dqj[0];
#pragma unroll
        for (int j = 1; j < half; j++) dq = fmaf(dqj[j], __int_as_float((127 - Bits * j) << 23), dq);  // * 2^-(Bits*j)
        acc[r] += sc[r][u] * dq + bi[r][u] * xsum;
      }
    }
  }
#pragma unroll
  for (int r = 0; r < R; r++) {
    float v = warp_reduce(acc[r], [](float a, float b) { return a + b; });
    if (lane == 0 && n0 + r < N) y[n0 + r] = cvt<T>(v);
  }
}

Array dequantize_gpu(const Array& wq, const Array& sc, const Array& bi, int bits, int gs, Dtype dt, const Stream& s) {
  int64_t wpr = wq.shape(-1), K = wpr * 32 / bits, rows = wq.size() / wpr;
  Shape sh = wq.shape();
  sh.back() = K;
  Array out = device_empty(sh, dt, s);
  Array w = contiguous_gpu(wq, s), scc = contiguous_gpu(sc, s), bic = contiguous_gpu(bi, s);
  const uint32_t* wp = cu::in<uint32_t>(w, s);
  const void *sp = in_ptr(scc, s), *bp = in_ptr(bic, s);
  void* op = out.buffer()->device_ptr;
  cudaStream_t st = stream_of(s);
  int64_t total = rows * K;
  dispatch_dev_float(dt, [&](auto tp) {
    using T = MLX_T(tp);
    if constexpr (!std::is_same_v<T, double>) {
      int blk = blocks_for(total, 256);
      if (bits == 4) dequant_kernel<T, 4><<<blk, 256, 0, st>>>(wp, (const T*)sp, (const T*)bp, (T*)op, rows, K, gs);
      else if (bits == 8) dequant_kernel<T, 8><<<blk, 256, 0, st>>>(wp, (const T*)sp, (const T*)bp, (T*)op, rows, K, gs);
      else dequant_kernel<T, 2><<<blk, 256, 0, st>>>(wp, (const T*)sp, (const T*)bp, (T*)op, rows, K, gs);
      MLX_CUDA_LAUNCHED();
    }
  });
  return out;
}

// One-row bf16/f16 4-bit products: MLX_CUDA_QMV_TC=0 the CUDA-core kernel, 1 (or 2) the first tensor-core
// kernel (a variant with x in shared memory was slower on the H200, 27.5 vs 24.8 us, and is gone), 3 (default) the pipelined kernel of qmv_pipe.cuh for long rows (K >= 8192, K % 256 == 0) and
// mode 1 otherwise, 4 the pipelined kernel wherever it applies. H200, bench/gpu/micro/qmv_micro.cu,
// cold weights: 4096x14336 g64 22.6 us (mode 1: 40.8), 14336x4096 g64 24.1 us (mode 1: 21.3).
int qmv_tc_mode() {
  static const int mode = [] {
    const char* e = std::getenv("MLX_CUDA_QMV_TC");
    return e && e[0] >= '0' && e[0] <= '4' ? e[0] - '0' : 3;
  }();
  return mode;
}

// The pipelined kernel: KS warps per 16-row tile (each a contiguous K range), NS stages of SP spans
// per warp; persistent blocks (as many as fit) walk the tiles. Picked with bench/gpu/micro/qmv_micro.cu.
template <typename T> void launch_qmv_pipe(const T* x, const uint32_t* w, const T* s, const T* b, T* y, int64_t M, int N,
                                           int K, int gshift, cudaStream_t st) {
  constexpr int KS = 8, SP = 2, NS = 2;
  auto kern = qmvk::qmv_pipe_kernel<T, KS, SP, NS>;
  const size_t smem = qmvk::pipe_smem_bytes<KS, SP, NS>(K >> gshift);
  constexpr size_t kMaxSmem = qmvk::pipe_smem_bytes<KS, SP, NS>(8192);
  static const int occ = [&] {  // resident blocks per SM at the largest size this path takes
    MLX_CUDA_CHECK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)kMaxSmem));
    int o = 0;
    MLX_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&o, kern, 32 * KS, kMaxSmem));
    return o > 0 ? o : 1;
  }();
  const int64_t tiles = (N + 15) / 16, want = std::max<int64_t>(1, (int64_t)occ * num_sms() / M);
  dim3 grid((unsigned)std::min(tiles, want), (unsigned)M);
  kern<<<grid, 32 * KS, smem, st>>>(x, w, s, b, y, N, K, gshift);
}

// Programmatic dependent launch for the one-row tensor-core GEMV (qmv_tc.cuh: the kernel reads x and
// writes y only after griddepcontrol.wait, so it may start while the previous kernel of the stream runs;
// consecutive GEMVs overlap one's tail with the next one's start and L2 prefetch). MLX_CUDA_PDL=0: plain
// launches. Inside a CUDA-graph capture the attribute becomes a programmatic edge. Read per call (a
// getenv per launch), so benchmarks and tests can compare both in one process.
bool env_off(const char* name) {
  const char* e = std::getenv(name);
  return e && e[0] == '0';
}
bool qmv_pdl_enabled() { return !env_off("MLX_CUDA_PDL"); }
// Which one-row 4-bit GEMV, MLX_CUDA_QMV_FAST: 5 (default) the register-ring kernel of qmv_ring.cuh where it
// applies (K % 128 == 0, an even number of groups, K <= 16384, 16-byte aligned weights and x, 4-byte aligned
// scales and biases), else form 1. H100, bench/gpu/micro/qmv_pdl.cu, chain of GEMVs with PDL, 14336x4096
// g64: 14.3 us (77 % of the copy rate) against form 1's 18.1 us; 4096x14336: 14.8 against 28.6 us (form 1)
// and ~25 us (the pipelined kernel). Forms 0-4 (qmv_tc.cuh, all with the same bits; the ring kernel sums in
// another order): 0 the session-4 kernel; 1 every load of a step before its math (EARLY=1) with the group
// size at compile time; 2: form 1 with one 16-row tile per block; 3: form 1 with x staged in shared memory
// (XS); 4: form 2 with XS. Forms 1-4 need 4-byte aligned scales/biases, else form 0 runs; forms 3-4 only
// for K <= 16384, else form 1.
int qmv_fast_mode() {
  const char* e = std::getenv("MLX_CUDA_QMV_FAST");
  return e && e[0] >= '0' && e[0] <= '5' ? e[0] - '0' : 5;
}
template <typename... KArgs, typename... Args>
void launch_maybe_pdl(void (*kern)(KArgs...), dim3 grid, dim3 block, size_t smem, cudaStream_t st, Args... args) {
  MLX_CUDA_CHECK(qmvk::launch_pdl(kern, grid, block, smem, st, qmv_pdl_enabled(), args...));
}

// The register-ring GEMV (qmv_ring.cuh): one 16-row tile per warp, KSW warps split K (from N, K and the
// group size only, so a row's bits never depend on the rows of x), ring depth 2, PDL as the tc forms.
// early: no kernel that may still run wrote the weights, scales or biases (write_settled), so the kernel
// loads its first weights before the PDL wait.
template <typename T> void launch_qmv_ring(const T* x, const uint32_t* w, const T* s, const T* b, T* y, int64_t M, int N, int K,
                                           int gs, bool early, cudaStream_t st) {
  const int ksw = qmvk::qmv_ring_ks(N, K, gs, 1, num_sms());
  const size_t smem = qmvk::qmv_ring_smem<T>(K, gs, ksw, 1);  // <= 37 KB at K = 16384: no opt-in needed
  auto kern = gs == 32 ? qmvk::qmv_ring_engine_kernel<T, 32>() : gs == 64 ? qmvk::qmv_ring_engine_kernel<T, 64>() : qmvk::qmv_ring_engine_kernel<T, 128>();
  if (!early) count_event("qmv_weights_after_wait");
  launch_maybe_pdl(kern, dim3((unsigned)((N + 15) / 16), (unsigned)M), dim3(32 * ksw), smem, st, x, w, s, b, y, N, K, ksw, early);
}

bool supported(int bits, int gs, Dtype dt) {
  return (bits == 2 || bits == 4 || bits == 8) && gs >= 32 && gs % 32 == 0 &&
         (dt == Dtype::float32 || dt == Dtype::float16 || dt == Dtype::bfloat16);
}

void quantize(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& P = static_cast<const Quantize&>(p);
  Dtype dt = in[0].dtype();
  int bits = P.bits(), gs = P.group_size();
  if (!(bits == 2 || bits == 4 || bits == 8) || gs % (32 / bits) != 0 || in[0].size() == 0 ||
      !(dt == Dtype::float32 || dt == Dtype::float16 || dt == Dtype::bfloat16))
    return cpu_fallback(p, in, out);
  auto& s = p.stream();
  Array w = contiguous_gpu(in[0], s);
  const void* wp = in_ptr(w, s);
  uint32_t* qp = out_ptr<uint32_t>(out[0], s);
  void* sp = alloc_out(out[1], s);
  void* bp = alloc_out(out[2], s);
  int64_t groups = w.size() / gs;
  cudaStream_t st = stream_of(s);
  dispatch_dev_float(dt, [&](auto tp) {
    using T = MLX_T(tp);
    if constexpr (!std::is_same_v<T, double>) {
      int blk = blocks_for(groups, 128);
      if (bits == 4) quantize_kernel<T, 4><<<blk, 128, 0, st>>>((const T*)wp, qp, (T*)sp, (T*)bp, groups, gs);
      else if (bits == 8) quantize_kernel<T, 8><<<blk, 128, 0, st>>>((const T*)wp, qp, (T*)sp, (T*)bp, groups, gs);
      else quantize_kernel<T, 2><<<blk, 128, 0, st>>>((const T*)wp, qp, (T*)sp, (T*)bp, groups, gs);
      MLX_CUDA_LAUNCHED();
    }
  });
}

void dequantize(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& P = static_cast<const Dequantize&>(p);
  Dtype dt = out[0].dtype();
  if (!supported(P.bits(), P.group_size(), dt) || in[1].dtype() != dt || in[2].dtype() != dt || in[0].size() == 0)
    return cpu_fallback(p, in, out);
  Array d = dequantize_gpu(in[0], in[1], in[2], P.bits(), P.group_size(), dt, p.stream());
  out[0].copy_shared_buffer(d);
}

// A 2-D view (rows, cols) of a row-contiguous array's buffer, or a transposed view of it.
Array view2d(const Array& a, int64_t r, int64_t c, bool transpose) {
  Array v(std::make_shared<ArrayDesc>(transpose ? Shape{c, r} : Shape{r, c}, a.dtype()));
  Strides st = transpose ? Strides{1, c} : Strides{c, 1};
  v.copy_shared_buffer(a, st, layout_flags(v.shape(), st, a.data_size()), a.data_size());
  return v;
}

void quantized_matmul(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& P = static_cast<const QuantizedMatmul&>(p);
  const Array &x0 = in[0], &wq = in[1];
  Dtype dt = out[0].dtype();
  int bits = P.bits(), gs = P.group_size();
  if (!supported(bits, gs, dt) || x0.dtype() != dt || in[2].dtype() != dt || in[3].dtype() != dt || wq.ndim() != 2)
    return cpu_fallback(p, in, out);
  auto& s = p.stream();
  Array x = contiguous_gpu(x0, s);
  int64_t K = x.shape(-1), M = K ? x.size() / K : 0;
  int64_t wrows = wq.shape(0), wK = wq.shape(1) * 32 / bits;
  int64_t N = out[0].shape(-1);
  void* yp = alloc_out(out[0], s);
  if (out[0].size() == 0) return;
  bool rows_aligned = (bits == 4 || bits == 8) && (wq.shape(1) % 4) == 0 && K % gs == 0;
  bool x_aligned = (reinterpret_cast<uintptr_t>(in_ptr(x, s)) % 16) == 0;
  // Row invariance (as on the CPU, up to 64 rows): when a one-row kernel applies, every row of x runs
  // its arithmetic (grid.y = row), so a row's result never depends on how many rows share the call
  // (continuous batching). The kernel is picked from the weights' format and K, never from M.
  constexpr int64_t kInvariantRows = 64;
  const int cpg = gs / (bits == 4 ? 32 : 16);  // 16-byte chunks per group
  const bool one_row = (bits == 4 || bits == 8) && (cpg & (cpg - 1)) == 0 && K < (1ll << 31);
  const bool tc = (dt == Dtype::bfloat16 || dt == Dtype::float16) && bits == 4 && (gs == 32 || gs == 64 || gs == 128) &&
                  K % 128 == 0 && K / gs <= 8192 && N < (1ll << 31) && qmv_tc_mode() > 0;
  if (P.transpose() && rows_aligned && x_aligned && wK == K && wrows == N && (M <= 8 || (one_row && M <= kInvariantRows))) {
    Array w = contiguous_gpu(wq, s), sc = contiguous_gpu(in[2], s), bi = contiguous_gpu(in[3], s);
    const uint32_t* wp = cu::in<uint32_t>(w, s);
    const void *xp = in_ptr(x, s), *sp = in_ptr(sc, s), *bp = in_ptr(bi, s);
    cudaStream_t st = stream_of(s);
    dispatch_dev_float(dt, [&](auto tp) {
      using T = MLX_T(tp);
      if constexpr (!std::is_same_v<T, double>) {
        if constexpr (is_half_v<T>) {
          if (tc) {
            constexpr int RT = 2, KS = 4;
            dim3 gt((unsigned)((N + RT * 16 - 1) / (RT * 16)), (unsigned)M);
            int gshift = __builtin_ctz(gs);
            const bool pipe_aligned = ((reinterpret_cast<uintptr_t>(sp) | reinterpret_cast<uintptr_t>(bp)) % 4) == 0 &&
                                      reinterpret_cast<uintptr_t>(wp) % 16 == 0;
            const int mode = qmv_tc_mode();
            if (pipe_aligned && x_aligned && qmv_fast_mode() == 5 && K > 0 && (K / gs) % 2 == 0 && K <= qmvk::kRingMaxK) {
              const bool early = write_settled(w, s) && write_settled(sc, s) && write_settled(bi, s);
              launch_qmv_ring<T>((const T*)xp, wp, (const T*)sp, (const T*)bp, (T*)yp, M, (int)N, (int)K, gs, early, st);
            } else if ((mode == 4 || (mode == 3 && K >= 8192)) && K % 256 == 0 && pipe_aligned) {
              launch_qmv_pipe<T>((const T*)xp, wp, (const T*)sp, (const T*)bp, (T*)yp, M, (int)N, (int)K, gshift, st);
            } else {
              size_t smem = (size_t)(K / gs) * sizeof(float);
              // EARLY reads scales and biases as 4-byte pairs (gs < 128).
              int form = pipe_aligned ? qmv_fast_mode() : 0;
              if (form == 5 || (form >= 3 && K > 16384)) form = 1;
              if (form >= 3) {
                const size_t xsm = qmvk::qmv_tc_smem((int)K, gs, true);
                auto k3 = form == 3 ? (gs == 32   ? qmvk::qmv_tc_kernel<T, RT, KS, 2, 0, 1, 0, false, 32, true>
                                       : gs == 64 ? qmvk::qmv_tc_kernel<T, RT, KS, 2, 0, 1, 0, false, 64, true>
                                                  : qmvk::qmv_tc_kernel<T, RT, KS, 2, 0, 1, 0, false, 128, true>)
                                    : (gs == 32   ? qmvk::qmv_tc_kernel<T, 1, KS, 2, 0, 1, 0, false, 32, true>
                                       : gs == 64 ? qmvk::qmv_tc_kernel<T, 1, KS, 2, 0, 1, 0, false, 64, true>
                                                  : qmvk::qmv_tc_kernel<T, 1, KS, 2, 0, 1, 0, false, 128, true>);
                const int rows = form == 3 ? RT * 16 : 16;
                launch_maybe_pdl(k3, dim3((unsigned)((N + rows - 1) / rows), (unsigned)M), dim3(32 * KS), xsm, st, (const T*)xp, wp,
                                 (const T*)sp, (const T*)bp, (T*)yp, (int)N, (int)K, gshift);
                MLX_CUDA_LAUNCHED();
                return;
              }
              if (form == 2) {
                auto k1 = gs == 32   ? qmvk::qmv_tc_kernel<T, 1, KS, 2, 0, 1, 0, false, 32>
                          : gs == 64 ? qmvk::qmv_tc_kernel<T, 1, KS, 2, 0, 1, 0, false, 64>
                                     : qmvk::qmv_tc_kernel<T, 1, KS, 2, 0, 1, 0, false, 128>;
                launch_maybe_pdl(k1, dim3((unsigned)((N + 15) / 16), (unsigned)M), dim3(32 * KS), smem, st, (const T*)xp, wp,
                                 (const T*)sp, (const T*)bp, (T*)yp, (int)N, (int)K, gshift);
                MLX_CUDA_LAUNCHED();
                return;
              }
              auto kern = form == 0 ? qmvk::qmv_tc_kernel<T, RT, KS, 2>
                          : gs == 32 ? qmvk::qmv_tc_kernel<T, RT, KS, 2, 0, 1, 0, false, 32>
                          : gs == 64 ? qmvk::qmv_tc_kernel<T, RT, KS, 2, 0, 1, 0, false, 64>
                                     : qmvk::qmv_tc_kernel<T, RT, KS, 2, 0, 1, 0, false, 128>;
              launch_maybe_pdl(kern, gt, dim3(32 * KS), smem, st, (const T*)xp, wp, (const T*)sp, (const T*)bp, (T*)yp, (int)N,
                               (int)K, gshift);
            }
            MLX_CUDA_LAUNCHED();
            return;
          }
        }
        if (one_row) {
          // 4 output rows per warp (x is read once for all four), 2 chunks of 16 bytes per lane and
          // row in flight; 4 warps per block; grid.y = row of x.
          constexpr int R = 4, U = 2, W1 = 4;
          int gshift = __builtin_ctz(cpg);
          dim3 g1((unsigned)((N + W1 * R - 1) / (W1 * R)), (unsigned)M);
          if (bits == 4) qmv1_kernel<T, 4, R, U><<<g1, W1 * 32, 0, st>>>((const T*)xp, wp, (const T*)sp, (const T*)bp, (T*)yp, N, K, gshift);
          else qmv1_kernel<T, 8, R, U><<<g1, W1 * 32, 0, st>>>((const T*)xp, wp, (const T*)sp, (const T*)bp, (T*)yp, N, K, gshift);
          MLX_CUDA_LAUNCHED();
          return;
        }
        // All M (<= 8) rows in one warp pass, each with the same arithmetic.
        constexpr int warps = 8;
        unsigned grid = (unsigned)((N + warps - 1) / warps);
        if (bits == 4) qmv_kernel<T, 4, 8><<<grid, warps * 32, 0, st>>>((const T*)xp, wp, (const T*)sp, (const T*)bp, (T*)yp, M, N, K, gs);
        else qmv_kernel<T, 8, 8><<<grid, warps * 32, 0, st>>>((const T*)xp, wp, (const T*)sp, (const T*)bp, (T*)yp, M, N, K, gs);
        MLX_CUDA_LAUNCHED();
      }
    });
    return;
  }
  // Dequantize, then x (M, K) @ W^T (K, N) or x @ W (K, N).
  Array wd = dequantize_gpu(wq, in[2], in[3], bits, gs, dt, s);
  Array xa = view2d(x, M, K, false);
  Array wb = P.transpose() ? view2d(wd, wrows, wK, true) : wd;
  gemm_arrays(xa, wb, out[0], s);
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, Quantize, quantize);
MLX_REGISTER_KERNEL(gpu, Dequantize, dequantize);
MLX_REGISTER_KERNEL(gpu, QuantizedMatmul, quantized_matmul);

}  // namespace mlx::cu
