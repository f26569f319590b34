// Int8Linear on the GPU, bit-identical with the CPU kernels (int8_gemm*.cc): each row of x is quantized
// on the fly (q = clamp(rint(x * (127 / amax)), -127, 127), xs = amax / 127, all-zero rows give q = 0 and
// xs = 0), the int8 x int8 dot products accumulate exactly in int32 (dp4a), and the epilogue rounds as the
// CPU does: float(dot) * (xs[m] * ws[n]), then + bias[n] (no fused multiply-add).
// Rows are padded to a multiple of 16 bytes with zeros (W is copied padded only when K is not aligned).
#include "../../primitives/int8_linear.h"
#include "common.cuh"

namespace mlx::cu {

namespace {

constexpr int kThreads = 256;
constexpr int BM = 64, BN = 64, BKI = 16;  // tile: 64 x 64 outputs, 16 int32 words (64 int8) of K per step

// One block per row: amax, then the quantized row (zero-padded to Kp bytes) and its scale.
__global__ void quantize_rows(const float* x, int8_t* q, float* xs, int64_t K, int64_t Kp) {
  __shared__ float smem[32];
  const float* xr = x + blockIdx.x * K;
  int8_t* qr = q + blockIdx.x * Kp;
  float amax = 0.f;
  for (int64_t k = threadIdx.x; k < K; k += blockDim.x) amax = fmaxf(amax, fabsf(xr[k]));  // NaN ignored, as std::max
  amax = block_reduce(amax, [](float a, float b) { return fmaxf(a, b); }, smem, 0.f);
  const bool zero = !(amax > 0.f);
  const float inv = zero ? 0.f : __fdiv_rn(127.0f, amax);
  for (int64_t k = threadIdx.x; k < Kp; k += blockDim.x) {
    int8_t v = 0;
    if (!zero && k < K) {
      float r = rintf(__fmul_rn(xr[k], inv));
      v = (int8_t)fminf(127.0f, fmaxf(-127.0f, r));  // NaN -> -127, as the CPU's clamp
    }
    qr[k] = v;
  }
  if (threadIdx.x == 0) xs[blockIdx.x] = zero ? 0.f : __fdiv_rn(amax, 127.0f);
}

// W rows copied into a zero-padded [N, Kp] buffer (K not a multiple of 16 or a misaligned view).
__global__ void pad_rows(const int8_t* w, int8_t* wp, int64_t N, int64_t K, int64_t Kp) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < N * Kp; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t n = i / Kp, k = i - n * Kp;
    wp[i] = k < K ? w[n * K + k] : (int8_t)0;
  }
}

// y[m, n] = float(q[m] . w[n]) * (xs[m] * ws[n]) (+ bias[n]). 16 x 16 threads, each 4 x 4 outputs
// (rows ty + 16 i, columns tx + 16 j).
__global__ void __launch_bounds__(kThreads) gemm_dp4a(const int8_t* q, const int8_t* w, const float* xs,
                                                      const float* ws, const float* bias, float* y, int64_t M,
                                                      int64_t N, int64_t Kw) {
  __shared__ int As[BM][BKI + 1];
  __shared__ int Bs[BN][BKI + 1];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t m0 = (int64_t)blockIdx.y * BM, n0 = (int64_t)blockIdx.x * BN;
  const int lr = tid / 4, lc = (tid % 4) * 4;  // loader: row, first word of a 16-byte chunk
  const int* q32 = reinterpret_cast<const int*>(q);
  const int* w32 = reinterpret_cast<const int*>(w);
  int acc[4][4] = {};
  for (int64_t k0 = 0; k0 < Kw; k0 += BKI) {
    int4 av = make_int4(0, 0, 0, 0), bv = make_int4(0, 0, 0, 0);
    if (m0 + lr < M && k0 + lc < Kw) av = *reinterpret_cast<const int4*>(q32 + (m0 + lr) * Kw + k0 + lc);
    if (n0 + lr < N && k0 + lc < Kw) bv = *reinterpret_cast<const int4*>(w32 + (n0 + lr) * Kw + k0 + lc);
    As[lr][lc] = av.x, As[lr][lc + 1] = av.y, As[lr][lc + 2] = av.z, As[lr][lc + 3] = av.w;
    Bs[lr][lc] = bv.x, Bs[lr][lc + 1] = bv.y, Bs[lr][lc + 2] = bv.z, Bs[lr][lc + 3] = bv.w;
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BKI; kk++) {
      int a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; i++) a[i] = As[ty + 16 * i][kk], b[i] = Bs[tx + 16 * i][kk];
#pragma unroll
      for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = __dp4a(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; i++) {
    int64_t m = m0 + ty + 16 * i;
    if (m >= M) continue;
    const float sx = xs[m];
#pragma unroll
    for (int j = 0; j < 4; j++) {
      int64_t n = n0 + tx + 16 * j;
      if (n >= N) continue;
      float v = __fmul_rn((float)acc[i][j], __fmul_rn(sx, ws[n]));
      y[m * N + n] = bias ? __fadd_rn(v, bias[n]) : v;
    }
  }
}

void int8_linear_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array &x0 = in[0], &w0 = in[1], &s0 = in[2];
  Array& y = out[0];
  const bool has_bias = in.size() > 3;
  if (x0.dtype() != Dtype::float32 || w0.dtype() != Dtype::int8 || s0.dtype() != Dtype::float32 || w0.ndim() != 2 ||
      (has_bias && in[3].dtype() != Dtype::float32) || y.dtype() != Dtype::float32)
    return cpu_fallback(p, in, out);
  const int64_t N = w0.shape(0), K = w0.shape(1);
  if (K == 0) return cpu_fallback(p, in, out);  // bias-or-zero fill: the CPU kernel's special case
  for (auto* a : {&x0, &w0, &s0})
    if (!a->flags().row_contiguous && a->ndim() > kMaxDims) return cpu_fallback(p, in, out);
  auto& s = p.stream();
  Array x = contiguous_gpu(x0, s), w = contiguous_gpu(w0, s), ws = contiguous_gpu(s0, s);
  Array bias;
  if (has_bias) bias = contiguous_gpu(in[3], s);
  float* yp = static_cast<float*>(alloc_out(y, s));
  const int64_t M = N ? y.size() / N : 0;
  if (M == 0 || N == 0) return;
  cudaStream_t st = stream_of(s);
  const int64_t Kp = (K + 15) / 16 * 16;

  Array q = device_empty({M, Kp}, Dtype::int8, s), xs = device_empty({M}, Dtype::float32, s);
  int8_t* qp = static_cast<int8_t*>(q.buffer()->device_ptr);
  float* xsp = static_cast<float*>(xs.buffer()->device_ptr);
  quantize_rows<<<(unsigned)M, kThreads, 0, st>>>(static_cast<const float*>(in_ptr(x, s)), qp, xsp, K, Kp);
  MLX_CUDA_LAUNCHED();

  const int8_t* wp = static_cast<const int8_t*>(in_ptr(w, s));
  Array wpad;
  if (K != Kp || reinterpret_cast<uintptr_t>(wp) % 16 != 0) {
    wpad = device_empty({N, Kp}, Dtype::int8, s);
    int8_t* d = static_cast<int8_t*>(wpad.buffer()->device_ptr);
    pad_rows<<<blocks_for(N * Kp, kThreads), kThreads, 0, st>>>(wp, d, N, K, Kp);
    MLX_CUDA_LAUNCHED();
    wp = d;
  }
  const float* bp = has_bias ? static_cast<const float*>(in_ptr(bias, s)) : nullptr;
  check((M + BM - 1) / BM <= 65535, ErrorCode::not_implemented, "[int8_linear] too many rows for one launch.");
  dim3 grid((unsigned)((N + BN - 1) / BN), (unsigned)((M + BM - 1) / BM));
  gemm_dp4a<<<grid, kThreads, 0, st>>>(qp, wp, xsp, static_cast<const float*>(in_ptr(ws, s)), bp, yp, M, N, Kp / 4);
  MLX_CUDA_LAUNCHED();
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, Int8Linear, int8_linear_gpu);

}  // namespace mlx::cu
