// GPU kernel for Compiled (fused elementwise programs from mx.compile): CUDA source generated per
// program, dtypes and input layout (compiled_codegen.h), compiled with NVRTC and cached
// (compiled_jit.cu). Dims are collapsed; when every input is then dense or a single value the
// kernel walks the flat index, else each input is indexed by its broadcast strides. A thread takes
// 4 or 8 elements with 16-byte accesses where alignment allows (in the strided case along the
// innermost dim, e.g. a row-broadcast bias), else one. Index math is 32-bit unless an offset may
// pass 2^31.
#include <cstdint>
#include <limits>

#include "../../primitives/compiled.h"
#include "common.cuh"
#include "compiled_codegen.h"
#include "compiled_jit.h"

namespace mlx::cu {

namespace {

constexpr int kThreads = 256;

// Broadcast strides of each input over the output shape, with dims merged where every input is
// row-contiguous across them and size-1 dims dropped.
void collapse(const Shape& shape, const std::vector<Array>& in, std::vector<int64_t>& sh,
              std::vector<std::vector<int64_t>>& st) {
  const int nd = (int)shape.size(), n_in = (int)in.size();
  std::vector<std::vector<int64_t>> full(n_in, std::vector<int64_t>(nd, 0));
  for (int k = 0; k < n_in; k++) {
    const Array& a = in[k];
    for (int i = 0; i < a.ndim(); i++) {
      int d = nd - a.ndim() + i;
      full[k][d] = a.shape(i) == 1 ? 0 : a.strides()[i];
    }
  }
  sh.clear();
  st.assign(n_in, {});
  for (int d = 0; d < nd; d++) {
    if (shape[d] == 1) continue;
    bool merge = !sh.empty();
    for (int k = 0; k < n_in && merge; k++) merge = st[k].back() == full[k][d] * shape[d];
    if (merge) {
      sh.back() *= shape[d];
      for (int k = 0; k < n_in; k++) st[k].back() = full[k][d];
    } else {
      sh.push_back(shape[d]);
      for (int k = 0; k < n_in; k++) st[k].push_back(full[k][d]);
    }
  }
}

bool aligned(const void* p, int64_t bytes) { return reinterpret_cast<uintptr_t>(p) % (uintptr_t)bytes == 0; }

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

  std::vector<int64_t> sh;
  std::vector<std::vector<int64_t>> st;
  collapse(shape, in, sh, st);
  FusedLayout L;
  L.contiguous = sh.size() <= 1;
  L.scalar.assign(n_in, 0);
  for (int k = 0; k < n_in && L.contiguous; k++) {
    int64_t sk = st[k].empty() ? 0 : st[k][0];
    if (sk != 0 && sk != 1) L.contiguous = false;
    L.scalar[k] = sk == 0;
  }
  L.ndim = L.contiguous ? 0 : (int)sh.size();

  // Input pointers first: donation moves the donor's buffer out of its array.
  std::vector<const void*> ip(n_in);
  for (int k = 0; k < n_in; k++) ip[k] = in_ptr(in[k], s);
  std::vector<void*> op(n_out, nullptr);
  if (L.contiguous)
    for (int k = 0; k < n_in && !op[0]; k++)
      if (!L.scalar[k] && in[k].dtype() == out[0].dtype() && in[k].size() == n && donate(in[k], out[0], s))
        op[0] = const_cast<void*>(ip[k]);
  for (int k = 0; k < n_out; k++) if (!op[k]) op[k] = alloc_out(out[k], s);

  // Vector accesses (16 bytes: 8 elements when every vector operand is 2 bytes wide, else 4).
  // Contiguous: dense inputs and outputs aligned. Strided: along the innermost dim when each input
  // has inner stride 1 (row starts aligned: pointer and outer strides) or 0 (one value per row).
  bool inner_ok = true;
  if (!L.contiguous) {
    for (int k = 0; k < n_in; k++) {
      int64_t si = st[k].back();
      inner_ok = inner_ok && (si == 0 || si == 1);
      L.scalar[k] = si == 0;
    }
  }
  if (inner_ok && n >= 4 * kThreads) {  // tiny: one element per thread, no vector prologue
    int max_item = 0;
    for (int k = 0; k < n_in; k++) if (!L.scalar[k]) max_item = std::max(max_item, dtype_size(in_dt[k]));
    for (int k = 0; k < n_out; k++) max_item = std::max(max_item, dtype_size(out_dt[k]));
    for (int v : {max_item == 2 ? 8 : 4, 4}) {
      bool al = L.contiguous || sh.back() % v == 0;
      for (int k = 0; k < n_in; k++) {
        if (L.scalar[k]) continue;
        al = al && aligned(ip[k], v * (int64_t)dtype_size(in_dt[k]));
        if (!L.contiguous) for (size_t d = 0; d + 1 < sh.size(); d++) al = al && st[k][d] % v == 0;
      }
      for (int k = 0; k < n_out; k++) al = al && aligned(op[k], v * (int64_t)dtype_size(out_dt[k]));
      if (al) { L.vec = v; break; }
    }
  }
  if (L.vec == 1 && !L.contiguous) L.scalar.assign(n_in, 0);
  const int64_t work = (n + L.vec - 1) / L.vec;
  const int blocks = blocks_for(work, kThreads);
  const int64_t step = (int64_t)blocks * kThreads * L.vec;
  constexpr int64_t kMax32 = std::numeric_limits<int32_t>::max();
  L.index64 = n + step > kMax32;
  for (int k = 0; k < n_in && !L.index64 && !L.contiguous; k++) {
    int64_t span = 0;
    for (size_t d = 0; d < sh.size(); d++) span += (st[k][d] < 0 ? -st[k][d] : st[k][d]) * (sh[d] - 1);
    L.index64 = span > kMax32;
  }

  // The kernel for this variant: the primitive's own cache, else generate + JIT.
  std::string variant;
  variant += (char)L.contiguous; variant += (char)L.vec; variant += (char)L.index64; variant += (char)L.ndim;
  for (int k = 0; k < n_in; k++) { variant += (char)fused_dtype_code(in_dt[k]); variant += (char)L.scalar[k]; }
  for (int k = 0; k < n_out; k++) variant += (char)fused_dtype_code(out_dt[k]);
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

  // Parameter block: 8-byte words in the order of the generated struct Args.
  std::vector<int64_t> words;
  words.reserve(n_in + n_out + 1 + (L.ndim + 1) * n_in + L.ndim);
  for (int k = 0; k < n_in; k++) words.push_back((int64_t)reinterpret_cast<uintptr_t>(ip[k]));
  for (int k = 0; k < n_out; k++) words.push_back((int64_t)reinterpret_cast<uintptr_t>(op[k]));
  words.push_back(n);
  if (!L.contiguous) {
    for (auto v : sh) words.push_back(v);
    for (int k = 0; k < n_in; k++) for (auto v : st[k]) words.push_back(v);
  }
  void* args[] = {words.data()};
  MLX_CUDA_CHECK(cudaLaunchKernel((const void*)kernel, dim3(blocks), dim3(kThreads), args, 0, stream_of(s)));
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, Compiled, compiled);

}  // namespace mlx::cu
