// Matmul and AddMM through cuBLASLt (f32 with optional TF32, f16, bf16, f64), batched with one
// batch stride per operand (broadcast batches have stride 0). Row-major C = A B is computed as the
// column-major C^T = B^T A^T, so no operand is copied when its last two dims are row- or
// column-major. Integer/complex matmuls run on the CPU.
#include <cublasLt.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "../../primitives/matmul.h"
#include "common.cuh"
#include "cublaslt.cuh"

namespace mlx::cu {

void check_blas(cublasStatus_t st, const char* what) {
  if (st != CUBLAS_STATUS_SUCCESS)
    throw_error(ErrorCode::internal, std::string("[cuda] ") + what + " failed with cuBLAS status " + std::to_string((int)st));
}

cublasLtHandle_t cublaslt_handle() {
  static cublasLtHandle_t h = [] {
    cublasLtHandle_t x;
    check_blas(cublasLtCreate(&x), "cublasLtCreate");
    return x;
  }();
  return h;
}

namespace {

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

// A matmul's cuBLASLt descriptors and chosen algorithm, cached by its shape and layout: building them
// and asking the heuristic cost tens of microseconds of host time per call, more than a small
// matmul (a decode step runs hundreds) takes on the GPU.
struct PlanKey {
  int ty, ct;
  bool ta, tb;
  int64_t M, N, K, lda, ldb, batch, sa, sb;
  bool bias = false;  // CUBLASLT_EPILOGUE_BIAS: a length-N vector added to every row (the pointer is set per call)
  bool operator==(const PlanKey& o) const {
    return ty == o.ty && ct == o.ct && ta == o.ta && tb == o.tb && M == o.M && N == o.N && K == o.K && lda == o.lda &&
           ldb == o.ldb && batch == o.batch && sa == o.sa && sb == o.sb && bias == o.bias;
  }
};
struct PlanKeyHash {
  size_t operator()(const PlanKey& k) const {
    size_t h = (size_t)k.ty * 131 + (size_t)k.ct * 7 + k.ta * 3 + k.tb + (k.bias ? 17 : 0);
    for (int64_t v : {k.M, k.N, k.K, k.lda, k.ldb, k.batch, k.sa, k.sb}) h = h * 1000003u ^ (size_t)v;
    return h;
  }
};
struct Plan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t la = nullptr, lb = nullptr, lc = nullptr;
  cublasLtMatmulAlgo_t algo{};
};

Plan make_plan(const PlanKey& k) {
  Plan p;
  auto ty = (cudaDataType_t)k.ty;
  auto ct = (cublasComputeType_t)k.ct;
  cudaDataType_t scale_ty = ty == CUDA_R_64F ? CUDA_R_64F : CUDA_R_32F;
  int64_t M = k.M, N = k.N, K = k.K;
  // Column-major view: C^T (N x M) = op(B^T) (N x K) * op(A^T) (K x M).
  // B row-major (K x N, ld) is column-major N x K: no transpose; a transposed view needs OP_T.
  check_blas(cublasLtMatmulDescCreate(&p.desc, ct, scale_ty), "MatmulDescCreate");
  cublasOperation_t opB = k.tb ? CUBLAS_OP_T : CUBLAS_OP_N, opA = k.ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &opB, sizeof(opB));
  cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &opA, sizeof(opA));
  if (k.bias) {
    // In the column-major view the bias runs along C^T's rows (length N): the row-major bias row. Its type
    // defaults to C's.
    cublasLtEpilogue_t epi = CUBLASLT_EPILOGUE_BIAS;
    cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof(epi));
  }
  // Stored shapes (column-major rows x cols) of each operand as cuBLAS sees it.
  check_blas(cublasLtMatrixLayoutCreate(&p.lb, ty, k.tb ? K : N, k.tb ? N : K, k.ldb), "layout B");
  check_blas(cublasLtMatrixLayoutCreate(&p.la, ty, k.ta ? M : K, k.ta ? K : M, k.lda), "layout A");
  check_blas(cublasLtMatrixLayoutCreate(&p.lc, ty, N, M, N), "layout C");
  int32_t bc = (int32_t)k.batch;
  int64_t sc = M * N;
  if (k.batch > 1) {
    for (auto [l, stride] : {std::pair{p.lb, k.sb}, std::pair{p.la, k.sa}, std::pair{p.lc, sc}}) {
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
  cublasStatus_t hs = cublasLtMatmulAlgoGetHeuristic(cublaslt_handle(), p.desc, p.lb, p.la, p.lc, p.lc, pref, 1, &heur, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  if (hs != CUBLAS_STATUS_SUCCESS || found == 0) {
    cublasLtMatrixLayoutDestroy(p.la);
    cublasLtMatrixLayoutDestroy(p.lb);
    cublasLtMatrixLayoutDestroy(p.lc);
    cublasLtMatmulDescDestroy(p.desc);
    check_blas(hs, "heuristic");
    throw_error(ErrorCode::internal, "[cuda] cuBLASLt found no algorithm for this matmul.");
  }
  p.algo = heur.algo;
  return p;
}

// MLX_CUDA_MATMUL_PLAN_CACHE=0 rebuilds the plan on every call (for comparisons).
const bool g_plan_cache = [] {
  const char* e = std::getenv("MLX_CUDA_MATMUL_PLAN_CACHE");
  return !(e && std::strcmp(e, "0") == 0);
}();
constexpr size_t kMaxPlans = 512;

const Plan& plan_for(const PlanKey& k) {
  static std::mutex mu;
  static std::unordered_map<PlanKey, Plan, PlanKeyHash> plans;
  static Plan scratch;
  std::lock_guard<std::mutex> lk(mu);
  if (!g_plan_cache) {
    if (scratch.desc) {
      cublasLtMatrixLayoutDestroy(scratch.la);
      cublasLtMatrixLayoutDestroy(scratch.lb);
      cublasLtMatrixLayoutDestroy(scratch.lc);
      cublasLtMatmulDescDestroy(scratch.desc);
    }
    scratch = make_plan(k);
    return scratch;
  }
  auto it = plans.find(k);
  if (it != plans.end()) return it->second;
  if (plans.size() >= kMaxPlans) {  // shapes that keep changing (e.g. growing caches): start over
    for (auto& [key, p] : plans) {
      cublasLtMatrixLayoutDestroy(p.la);
      cublasLtMatrixLayoutDestroy(p.lb);
      cublasLtMatrixLayoutDestroy(p.lc);
      cublasLtMatmulDescDestroy(p.desc);
    }
    plans.clear();
  }
  return plans.emplace(k, make_plan(k)).first->second;
}

// C(MxN, row-major, ldc=N) = alpha * A(MxK) B(KxN) + beta * C (+ the length-N row `bias` on every row), batched.
void gemm(const Array& a, const Array& b, Array& out, float alpha, float beta, const Stream& s, const void* bias = nullptr) {
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
  const Plan& plan = plan_for({(int)ty, (int)ct, va.trans, vb.trans, M, N, K, va.ld, vb.ld, batch, va.batch_stride, vb.batch_stride,
                               bias != nullptr});
  // Plans are shared, so the bias pointer is set on each call (kernels run one at a time, under the engine lock).
  if (bias) check_blas(cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)), "bias pointer");
  double alpha_d = alpha, beta_d = beta;
  const void* pa = scale_ty == CUDA_R_64F ? (const void*)&alpha_d : (const void*)&alpha;
  const void* pb = scale_ty == CUDA_R_64F ? (const void*)&beta_d : (const void*)&beta;
  check_blas(cublasLtMatmul(cublaslt_handle(), plan.desc, pa, bp, plan.lb, ap, plan.la, pb, cp, plan.lc, cp, plan.lc, &plan.algo,
                            workspace(s), kWorkspace, st),
             "cublasLtMatmul");
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

// The device pointer of c's single row when c is a row broadcast over the rows of a non-batched product and the
// epilogue can add it (beta 1, K > 0, 16-byte aligned); null otherwise. MLX_CUDA_GEMM_BIAS=0 turns this off.
const void* bias_row(const Array& c, int64_t K, float beta, const Stream& s) {
  static const bool on = [] { const char* e = std::getenv("MLX_CUDA_GEMM_BIAS"); return !(e && std::strcmp(e, "0") == 0); }();
  int nd = c.ndim();
  if (!on || beta != 1.f || K == 0 || nd < 2 || c.strides()[nd - 1] != 1 || c.strides()[nd - 2] != 0) return nullptr;
  for (int d = 0; d < nd - 2; d++)
    if (c.shape(d) != 1) return nullptr;
  const void* ptr = in_ptr(c, s);
  return reinterpret_cast<uintptr_t>(ptr) % 16 == 0 ? ptr : nullptr;
}

void addmm(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& ap = static_cast<const AddMM&>(p);
  Dtype dt = out[0].dtype();
  if (!blas_dtype(dt) || in[0].dtype() != dt || in[1].dtype() != dt || in[2].dtype() != dt) return cpu_fallback(p, in, out);
  auto& s = p.stream();
  void* cp = alloc_out(out[0], s);
  if (out[0].size() == 0) return;
  // c + a b with c one row broadcast over a 2-D product (a linear layer's bias): cuBLASLt adds it in the GEMM's
  // epilogue, as PyTorch's addmm does, instead of copying it into every output row and reading it back as C.
  if (const void* bias = bias_row(in[2], in[0].shape(-1), ap.beta(), s)) {
    count_event("gemm_bias_epilogue", 1);
    return gemm(in[0], in[1], out[0], ap.alpha(), 0.f, s, bias);
  }
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
