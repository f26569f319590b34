// Matmul and AddMM through cuBLASLt (f32 with optional TF32, f16, bf16, f64), batched with one
// batch stride per operand (broadcast batches have stride 0). Row-major C = A B is computed as the
// column-major C^T = B^T A^T, so no operand is copied when its last two dims are row- or
// column-major. Integer/complex matmuls run on the CPU.
#include <cublasLt.h>

#include <mutex>

#include "../../primitives/matmul.h"
#include "common.cuh"

namespace mlx::cu {

namespace {

void check_blas(cublasStatus_t st, const char* what) {
  if (st != CUBLAS_STATUS_SUCCESS)
    throw_error(ErrorCode::internal, std::string("[cuda] ") + what + " failed with cuBLAS status " + std::to_string((int)st));
}

cublasLtHandle_t handle() {
  static cublasLtHandle_t h = [] {
    cublasLtHandle_t x;
    check_blas(cublasLtCreate(&x), "cublasLtCreate");
    return x;
  }();
  return h;
}

constexpr size_t kWorkspace = 32 << 20;
void* workspace(const Stream& s) {
  static std::mutex mu;
  static std::vector<void*> ws;
  std::lock_guard<std::mutex> lk(mu);
  if ((int)ws.size() <= s.index) ws.resize(s.index + 1, nullptr);
  if (!ws[s.index]) MLX_CUDA_CHECK(cudaMalloc(&ws[s.index], kWorkspace));
  return ws[s.index];
}

// One operand's matrix view: transposed (column-major) or not, leading dim, batch stride.
struct MatView { bool trans; int64_t ld; int64_t batch_stride; };

// Describes the last two dims of x (rows r, cols c) and a single batch stride, or false.
bool mat_view(const Array& x, MatView& v) {
  int nd = x.ndim();
  int64_t r = x.shape(-2), c = x.shape(-1), sr = x.strides()[nd - 2], sc = x.strides()[nd - 1];
  if ((sc == 1 || c == 1) && (sr >= c || r == 1)) v = {false, std::max<int64_t>(r == 1 ? c : sr, c), 0};
  else if ((sr == 1 || r == 1) && (sc >= r || c == 1)) v = {true, std::max<int64_t>(c == 1 ? r : sc, r), 0};
  else return false;
  // Batch dims must collapse to one stride (0 for broadcast).
  int64_t bs = -1, expect = -1;
  for (int d = nd - 3; d >= 0; d--) {
    if (x.shape(d) == 1) continue;
    if (bs < 0) { bs = x.strides()[d]; expect = bs * x.shape(d); continue; }
    if (x.strides()[d] != expect && !(bs == 0 && x.strides()[d] == 0)) return false;
    expect = x.strides()[d] * x.shape(d);
  }
  v.batch_stride = bs < 0 ? 0 : bs;
  return true;
}

// C(MxN, row-major, ldc=N) = alpha * A(MxK) B(KxN) + beta * C, batched.
void gemm(const Array& a, const Array& b, Array& out, float alpha, float beta, const Stream& s) {
  int64_t M = a.shape(-2), K = a.shape(-1), N = b.shape(-1);
  int64_t batch = M ? out.size() / (M * N) : 0;
  Array A = a, B = b;
  MatView va, vb;
  if (!mat_view(A, va)) { A = contiguous_gpu(A, s); mat_view(A, va); }
  if (!mat_view(B, vb)) { B = contiguous_gpu(B, s); mat_view(B, vb); }
  Dtype dt = out.dtype();
  cudaDataType_t ty;
  cublasComputeType_t ct;
  cudaDataType_t scale_ty = CUDA_R_32F;
  switch (dt) {
    case Dtype::float32: ty = CUDA_R_32F; ct = tf32_enabled() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F; break;
    case Dtype::float16: ty = CUDA_R_16F; ct = CUBLAS_COMPUTE_32F; break;
    case Dtype::bfloat16: ty = CUDA_R_16BF; ct = CUBLAS_COMPUTE_32F; break;
    default: ty = CUDA_R_64F; ct = CUBLAS_COMPUTE_64F; scale_ty = CUDA_R_64F; break;
  }
  const void* ap = in_ptr(A, s);
  const void* bp = in_ptr(B, s);
  void* cp = out.buffer()->device_ptr;
  cudaStream_t st = stream_of(s);
  // Column-major view: C^T (N x M) = op(B^T) (N x K) * op(A^T) (K x M).
  // B row-major (K x N, ld) is column-major N x K: no transpose; a transposed view needs OP_T.
  cublasLtMatmulDesc_t desc;
  check_blas(cublasLtMatmulDescCreate(&desc, ct, scale_ty), "MatmulDescCreate");
  cublasOperation_t opB = vb.trans ? CUBLAS_OP_T : CUBLAS_OP_N, opA = va.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &opB, sizeof(opB));
  cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &opA, sizeof(opA));
  cublasLtMatrixLayout_t lb, la, lc;
  // Stored shapes (column-major rows x cols) of each operand as cuBLAS sees it.
  check_blas(cublasLtMatrixLayoutCreate(&lb, ty, vb.trans ? K : N, vb.trans ? N : K, vb.ld), "layout B");
  check_blas(cublasLtMatrixLayoutCreate(&la, ty, va.trans ? M : K, va.trans ? K : M, va.ld), "layout A");
  check_blas(cublasLtMatrixLayoutCreate(&lc, ty, N, M, N), "layout C");
  int32_t bc = (int32_t)batch;
  int64_t sc = M * N;
  if (batch > 1) {
    for (auto [l, stride] : {std::pair{lb, vb.batch_stride}, std::pair{la, va.batch_stride}, std::pair{lc, sc}}) {
      cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &bc, sizeof(bc));
      cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride));
    }
  }
  cublasLtMatmulPreference_t pref;
  cublasLtMatmulPreferenceCreate(&pref);
  size_t wsb = kWorkspace;
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsb, sizeof(wsb));
  cublasLtMatmulHeuristicResult_t heur;
  int found = 0;
  check_blas(cublasLtMatmulAlgoGetHeuristic(handle(), desc, lb, la, lc, lc, pref, 1, &heur, &found), "heuristic");
  check(found > 0, ErrorCode::internal, "[cuda] cuBLASLt found no algorithm for this matmul.");
  double alpha_d = alpha, beta_d = beta;
  const void* pa = scale_ty == CUDA_R_64F ? (const void*)&alpha_d : (const void*)&alpha;
  const void* pb = scale_ty == CUDA_R_64F ? (const void*)&beta_d : (const void*)&beta;
  check_blas(cublasLtMatmul(handle(), desc, pa, bp, lb, ap, la, pb, cp, lc, cp, lc, &heur.algo, workspace(s), kWorkspace, st),
             "cublasLtMatmul");
  cublasLtMatmulPreferenceDestroy(pref);
  cublasLtMatrixLayoutDestroy(la);
  cublasLtMatrixLayoutDestroy(lb);
  cublasLtMatrixLayoutDestroy(lc);
  cublasLtMatmulDescDestroy(desc);
}

bool blas_dtype(Dtype d) { return d == Dtype::float32 || d == Dtype::float16 || d == Dtype::bfloat16 || d == Dtype::float64; }

void matmul(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  if (!blas_dtype(out[0].dtype()) || in[0].dtype() != out[0].dtype() || in[1].dtype() != out[0].dtype())
    return cpu_fallback(p, in, out);
  auto& s = p.stream();
  void* cp = alloc_out(out[0], s);
  if (out[0].size() == 0) return;
  if (in[0].shape(-1) == 0) {
    MLX_CUDA_CHECK(cudaMemsetAsync(cp, 0, out[0].nbytes(), stream_of(s)));
    return;
  }
  gemm(in[0], in[1], out[0], 1.f, 0.f, s);
}

void addmm(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& ap = static_cast<const AddMM&>(p);
  Dtype dt = out[0].dtype();
  if (!blas_dtype(dt) || in[0].dtype() != dt || in[1].dtype() != dt || in[2].dtype() != dt) return cpu_fallback(p, in, out);
  auto& s = p.stream();
  void* cp = alloc_out(out[0], s);
  if (out[0].size() == 0) return;
  copy_gpu(in[2], cp, dt, out[0].strides(), s);
  if (in[0].shape(-1) == 0) {
    // alpha * 0 + beta * c
    Array c = out[0];
    (void)c;
    if (ap.beta() != 1.f) return cpu_fallback(p, in, out);
    return;
  }
  gemm(in[0], in[1], out[0], ap.alpha(), ap.beta(), s);
}

}  // namespace

// out already holds a device buffer (row-contiguous, batch x M x N).
void gemm_arrays(const Array& a, const Array& b, Array& out, const Stream& s) { gemm(a, b, out, 1.f, 0.f, s); }

MLX_REGISTER_KERNEL(gpu, Matmul, matmul);
MLX_REGISTER_KERNEL(gpu, AddMM, addmm);

}  // namespace mlx::cu
