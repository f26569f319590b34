// Convolution on the GPU (1-3 spatial dims, groups, strides, kernel and input dilation, negative
// padding as cropping, flipped kernels), f32/f16/bf16/f64; complex runs on the CPU.
//  - GEMM path: the input patches of a block of output rows are gathered into a column matrix
//    col (rows x kvol*Cg, the CPU's im2col order) and multiplied by the weight (O, kvol*Cg) with
//    cuBLASLt (f32 accumulation; TF32 only when enabled, as for Matmul). One GEMM per group, each
//    writing its Og columns of the output in place (ldc = O). A 1x1 kernel with unit stride and no
//    padding needs no gather: the input rows are the GEMM operand.
//  - direct path: groups with few channels each (depthwise, channel multipliers): one thread per
//    output element loops over taps and channels.
// A flipped kernel pairs weight tap j with input tap kvol-1-j (reversing every spatial dim of a
// row-major tap index reverses the flat index), so the weight is never copied.
#include <cublasLt.h>

#include <algorithm>
#include <cstring>

#include "../../primitives/conv.h"
#include "common.cuh"
#include "cublaslt.cuh"

namespace mlx::cu {

namespace {

// Geometry with the spatial dims padded to 3 (missing dims: size 1, stride 1, no padding).
struct ConvGeo {
  int64_t N, C, O, G, Cg, Og;
  int64_t S[3], K[3], Y[3];
  int64_t st[3], kd[3], id[3], lo[3];
  int64_t kvol, ypix;
  bool flip;
};

ConvGeo make_geo(const Array& x, const Array& w, const Array& y, const ConvParams& p) {
  ConvGeo g;
  int nd = x.ndim() - 2;
  g.N = x.shape(0), g.C = x.shape(-1), g.O = w.shape(0), g.G = p.groups;
  g.Cg = g.C / g.G, g.Og = g.O / g.G;
  g.kvol = 1, g.ypix = 1, g.flip = p.flip;
  // Spatial dims are right-aligned into the 3 slots so the innermost dim is always slot 2.
  for (int d = 0; d < 3; d++) {
    int sd = d - (3 - nd);
    bool real = sd >= 0;
    g.S[d] = real ? x.shape(sd + 1) : 1;
    g.K[d] = real ? w.shape(sd + 1) : 1;
    g.Y[d] = real ? y.shape(sd + 1) : 1;
    g.st[d] = real ? p.stride[sd] : 1;
    g.kd[d] = real ? p.kernel_dilation[sd] : 1;
    g.id[d] = real ? p.input_dilation[sd] : 1;
    g.lo[d] = real ? p.padding_lo[sd] : 0;
    g.kvol *= g.K[d], g.ypix *= g.Y[d];
  }
  return g;
}

// Input element offset (pixel * C) for output pixel m (flat over N and the output grid) and input
// tap k (flat kernel index), or -1 for padding / a hole between dilated input elements.
__device__ __forceinline__ int64_t tap_pixel(const ConvGeo& g, int64_t m, int64_t k) {
  int64_t yp = m % g.ypix, n = m / g.ypix;
  int64_t y2 = yp % g.Y[2], t = yp / g.Y[2], y1 = t % g.Y[1], y0 = t / g.Y[1];
  int64_t k2 = k % g.K[2], u = k / g.K[2], k1 = u % g.K[1], k0 = u / g.K[1];
  int64_t ys[3] = {y0, y1, y2}, ks[3] = {k0, k1, k2}, idx[3];
#pragma unroll
  for (int d = 0; d < 3; d++) {
    int64_t pos = ys[d] * g.st[d] + ks[d] * g.kd[d] - g.lo[d];  // input-dilated coordinates
    if (pos < 0 || pos % g.id[d] != 0) return -1;
    int64_t i = pos / g.id[d];
    if (i >= g.S[d]) return -1;
    idx[d] = i;
  }
  return ((n * g.S[0] + idx[0]) * g.S[1] + idx[1]) * g.S[2] + idx[2];
}

// col[r, j * Cg + c] = x[tap(m0 + r, j'), grp * Cg + c], j' = flip ? kvol-1-j : j.
template <typename T>
__global__ void im2col_kernel(const T* x, T* col, ConvGeo g, int64_t m0, int64_t rows, int64_t grp) {
  const int64_t Kd = g.kvol * g.Cg, total = rows * Kd;
  for (int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; t < total; t += (int64_t)gridDim.x * blockDim.x) {
    int64_t c = t % g.Cg, j = (t / g.Cg) % g.kvol, r = t / Kd;
    int64_t pix = tap_pixel(g, m0 + r, g.flip ? g.kvol - 1 - j : j);
    col[t] = pix < 0 ? T(0.0f) : x[pix * g.C + grp * g.Cg + c];
  }
}

// One thread per output element: out[m, oc] = sum_{j, c} x[tap(m, j'), grp*Cg + c] * w[oc, j, c].
template <typename T>
__global__ void conv_direct_kernel(const T* x, const T* w, T* out, ConvGeo g, int64_t M) {
  using A = std::conditional_t<std::is_same_v<T, double>, double, float>;
  for (int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; t < M * g.O; t += (int64_t)gridDim.x * blockDim.x) {
    int64_t oc = t % g.O, m = t / g.O, grp = oc / g.Og;
    const T* wo = w + oc * g.kvol * g.Cg;
    A acc = 0;
    for (int64_t j = 0; j < g.kvol; j++) {
      int64_t pix = tap_pixel(g, m, g.flip ? g.kvol - 1 - j : j);
      if (pix < 0) continue;
      const T* xi = x + pix * g.C + grp * g.Cg;
      const T* wj = wo + j * g.Cg;
      for (int64_t c = 0; c < g.Cg; c++) acc += cvt<A>(xi[c]) * cvt<A>(wj[c]);
    }
    out[t] = cvt<T>(acc);
  }
}

uint32_t alignment(const void* p) {
  uintptr_t a = reinterpret_cast<uintptr_t>(p);
  uint32_t al = 256;
  while (al > 1 && a % al) al >>= 1;
  return al;
}

constexpr size_t kWorkspace = 8 << 20;

// Column-major D (Og x M, ldd) = W^T X, with W stored as Kd x Og (ld ldw; the weight rows) and X as
// Kd x M (ld ldx; the patch rows): the row-major out[m, o] = sum_j x[m, j] * w[o, j].
void gemm_wx(Dtype dt, int64_t Og, int64_t M, int64_t Kd, const void* W, int64_t ldw, const void* X, int64_t ldx,
             void* D, int64_t ldd, void* ws, const Stream& s) {
  cudaDataType_t ty;
  cublasComputeType_t ct;
  cudaDataType_t scale_ty = CUDA_R_32F;
  switch (dt) {
    case Dtype::float32: ty = CUDA_R_32F; ct = tf32_enabled() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F; break;
    case Dtype::float16: ty = CUDA_R_16F; ct = CUBLAS_COMPUTE_32F; break;
    case Dtype::bfloat16: ty = CUDA_R_16BF; ct = CUBLAS_COMPUTE_32F; break;
    default: ty = CUDA_R_64F; ct = CUBLAS_COMPUTE_64F; scale_ty = CUDA_R_64F; break;
  }
  cublasLtMatmulDesc_t desc;
  check_blas(cublasLtMatmulDescCreate(&desc, ct, scale_ty), "MatmulDescCreate");
  cublasOperation_t opW = CUBLAS_OP_T, opX = CUBLAS_OP_N;
  cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &opW, sizeof(opW));
  cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &opX, sizeof(opX));
  cublasLtMatrixLayout_t lw, lx, ld;
  check_blas(cublasLtMatrixLayoutCreate(&lw, ty, Kd, Og, ldw), "layout W");
  check_blas(cublasLtMatrixLayoutCreate(&lx, ty, Kd, M, ldx), "layout X");
  check_blas(cublasLtMatrixLayoutCreate(&ld, ty, Og, M, ldd), "layout D");
  cublasLtMatmulPreference_t pref;
  cublasLtMatmulPreferenceCreate(&pref);
  size_t wsb = kWorkspace;
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsb, sizeof(wsb));
  // Group offsets and pointwise inputs need not be 256-byte aligned: tell the heuristic.
  uint32_t aw = alignment(W), ax = alignment(X), ad = alignment(D);
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &aw, sizeof(aw));
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &ax, sizeof(ax));
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &ad, sizeof(ad));
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &ad, sizeof(ad));
  cublasLtMatmulHeuristicResult_t heur;
  int found = 0;
  check_blas(cublasLtMatmulAlgoGetHeuristic(cublaslt_handle(), desc, lw, lx, ld, ld, pref, 1, &heur, &found), "heuristic");
  check(found > 0, ErrorCode::internal, "[cuda conv] cuBLASLt found no algorithm for this convolution.");
  float alpha = 1.f, beta = 0.f;
  double alpha_d = 1.0, beta_d = 0.0;
  const void* pa = scale_ty == CUDA_R_64F ? (const void*)&alpha_d : (const void*)&alpha;
  const void* pb = scale_ty == CUDA_R_64F ? (const void*)&beta_d : (const void*)&beta;
  check_blas(cublasLtMatmul(cublaslt_handle(), desc, pa, W, lw, X, lx, pb, D, ld, D, ld, &heur.algo, ws, kWorkspace, stream_of(s)),
             "cublasLtMatmul");
  cublasLtMatmulPreferenceDestroy(pref);
  cublasLtMatrixLayoutDestroy(lw);
  cublasLtMatrixLayoutDestroy(lx);
  cublasLtMatrixLayoutDestroy(ld);
  cublasLtMatmulDescDestroy(desc);
}

bool conv_dtype(Dtype d) { return d == Dtype::float32 || d == Dtype::float16 || d == Dtype::bfloat16 || d == Dtype::float64; }

// Gathered column blocks stay under this many elements (the GEMM then runs per block of rows).
constexpr int64_t kColElems = int64_t(1) << 26;

void convolution(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& p = static_cast<const Convolution&>(prim).params();
  Array& o = out[0];
  const Dtype dt = o.dtype();
  const int nd = in[0].ndim() - 2;
  if (!conv_dtype(dt) || in[0].dtype() != dt || in[1].dtype() != dt || nd < 1 || nd > 3) return cpu_fallback(prim, in, out);
  auto& s = prim.stream();
  cudaStream_t st = stream_of(s);
  void* op = alloc_out(o, s);
  if (o.size() == 0) return;
  ConvGeo g = make_geo(in[0], in[1], o, p);
  if (g.Cg == 0 || g.kvol == 0 || in[0].size() == 0) {
    MLX_CUDA_CHECK(cudaMemsetAsync(op, 0, o.nbytes(), st));
    return;
  }
  Array x = contiguous_gpu(in[0], s), w = contiguous_gpu(in[1], s);
  const void* xp = in_ptr(x, s);
  const void* wp = in_ptr(w, s);
  const int64_t M = g.N * g.ypix, Kd = g.kvol * g.Cg;
  dispatch_dev_float(dt, [&](auto tag) {
    using T = MLX_T(tag);
    const T* X = static_cast<const T*>(xp);
    const T* W = static_cast<const T*>(wp);
    T* Y = static_cast<T*>(op);
    // Many small groups: a GEMM per group would be tiny; the direct kernel reads each input once per tap.
    if (g.G > 1 && g.Cg <= 8) {
      conv_direct_kernel<T><<<blocks_for(M * g.O, 256), 256, 0, st>>>(X, W, Y, g, M);
      MLX_CUDA_LAUNCHED();
      return;
    }
    Array ws = device_empty({(int64_t)kWorkspace}, Dtype::uint8, s);
    void* wsp = ws.buffer()->device_ptr;
    bool pointwise = g.kvol == 1;
    for (int d = 0; d < 3; d++) pointwise &= g.st[d] == 1 && g.id[d] == 1 && g.lo[d] == 0 && g.Y[d] == g.S[d];
    if (pointwise) {
      for (int64_t grp = 0; grp < g.G; grp++)
        gemm_wx(dt, g.Og, M, Kd, W + grp * g.Og * Kd, Kd, X + grp * g.Cg, g.C, Y + grp * g.Og, g.O, wsp, s);
      return;
    }
    const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(M, kColElems / Kd));
    Array col = device_empty({chunk, Kd}, dt, s);
    T* cp = static_cast<T*>(col.buffer()->device_ptr);
    for (int64_t m0 = 0; m0 < M; m0 += chunk) {
      int64_t rows = std::min(chunk, M - m0);
      for (int64_t grp = 0; grp < g.G; grp++) {
        im2col_kernel<T><<<blocks_for(rows * Kd, 256), 256, 0, st>>>(X, cp, g, m0, rows, grp);
        MLX_CUDA_LAUNCHED();
        gemm_wx(dt, g.Og, rows, Kd, W + grp * g.Og * Kd, Kd, cp, Kd, Y + m0 * g.O + grp * g.Og, g.O, wsp, s);
      }
    }
  });
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, Convolution, convolution);

}  // namespace mlx::cu
