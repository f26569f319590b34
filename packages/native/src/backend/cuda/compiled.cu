// GPU kernel for Compiled (fused elementwise programs from mx.compile): CUDA source generated per
// program, dtypes and input layout (compiled_codegen.h), compiled with NVRTC and cached
// (compiled_jit.cu). Dims are collapsed; when every input is then dense or a single value the
// kernel walks the flat index, else each input is indexed by its broadcast strides. A thread takes
// 4 or 8 elements with 16-byte accesses where alignment allows (in the strided case along the
// innermost dim, e.g. a row-broadcast bias), else one. Index math is 32-bit unless an offset may
// pass 2^31.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "../../primitives/compiled.h"
#include "common.cuh"
#include "compiled_codegen.h"
#include "compiled_jit.h"

namespace mlx::cu {

namespace {

constexpr int kThreads = 256;
// MLX_CUDA_FUSED_ROW_VECTORS=0: strided programs (e.g. with a row-broadcast bias) take one element
// per thread instead of 4/8 along the rows (A/B switch).
const bool g_row_vectors = [] {
  const char* e = std::getenv("MLX_CUDA_FUSED_ROW_VECTORS");
  return !(e && std::strcmp(e, "0") == 0);
}();

void compiled(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& c = static_cast<const Compiled&>(p);
  const int n_in = (int)in.size(), n_out = (int)out.size();
  std::vector<Dtype> in_dt, out_dt;
  bool all_f32 = true, ok = true;
  for (auto& a : in) { in_dt.push_back(a.dtype()); ok = ok && fused_dtype_code(a.dtype()) >= 0; all_f32 = all_f32 && a.dtype() == Dtype::float32; }
  for (auto& o : out) { out_dt.push_back(o.dtype()); ok = ok && fused_dtype_code(o.dtype()) >= 0; all_f32 = all_f32 && o.dtype() == Dtype::float32; }
  if (!ok) {
    if (all_f32) return cpu_fallback(p, in, out);
    throw_error(ErrorCode::dtype, "[cuda] Compiled: unsupported dtype in a fused program.");
  }
  auto& s = p.stream();
  const Shape& shape = out[0].shape();
  const int64_t n = out[0].size();
  if (n == 0) { for (auto& o : out) alloc_out(o, s); return; }

  FusedPlan P;
  {
    std::vector<const Shape*> shapes;
    std::vector<const Strides*> strides;
    for (auto& a : in) { shapes.push_back(&a.shape()); strides.push_back(&a.strides()); }
    fused_plan_layout(shape, shapes, strides, P);
  }
  const FusedLayout& L = P.L;

  // Input pointers first: donation moves the donor's buffer out of its array.
  std::vector<uintptr_t> ip(n_in), op(n_out, 0);
  std::vector<int> in_item(n_in), out_item(n_out);
  for (int k = 0; k < n_in; k++) { ip[k] = reinterpret_cast<uintptr_t>(in_ptr(in[k], s)); in_item[k] = dtype_size(in_dt[k]); }
  for (int k = 0; k < n_out; k++) out_item[k] = dtype_size(out_dt[k]);
  if (L.contiguous)
    for (int k = 0; k < n_in && !op[0]; k++)
      if (!L.scalar[k] && in[k].dtype() == out[0].dtype() && in[k].size() == n && donate(in[k], out[0], s)) op[0] = ip[k];
  for (int k = 0; k < n_out; k++) if (!op[k]) op[k] = reinterpret_cast<uintptr_t>(alloc_out(out[k], s));
  fused_plan_launch(P, ip, in_item, op, out_item, kThreads, (int64_t)num_sms() * 32, g_row_vectors);

  // The kernel for this variant: the primitive's own cache, else generate + JIT.
  const std::string variant = fused_variant_key(L, in_dt, out_dt);
  cudaKernel_t kernel = nullptr;
  {
    auto& cache = c.kernel_cache();
    std::lock_guard<std::mutex> lk(cache.mu);
    for (auto& e : cache.entries) if (e.first == variant) { kernel = static_cast<cudaKernel_t>(e.second); break; }
    if (!kernel) {
      std::string src = fused_source(c, in_dt, out_dt, L);
      check(!src.empty(), ErrorCode::not_implemented, "[cuda] Compiled: an instruction has no fused GPU form.");
      kernel = jit_kernel(src, "mlx_fused");
      cache.entries.emplace_back(variant, kernel);
    }
  }
  std::vector<int64_t> words = fused_args(P, ip, op);
  void* args[] = {words.data()};
  MLX_CUDA_CHECK(cudaLaunchKernel((const void*)kernel, dim3(P.blocks), dim3(kThreads), args, 0, stream_of(s)));
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, Compiled, compiled);

}  // namespace mlx::cu
