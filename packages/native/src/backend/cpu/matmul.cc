// CPU kernels for Matmul / AddMM: a batch loop over gemm(). Operands are passed as strided views (row- or
// column-contiguous or any other layout of the last two dims), so transposed and sliced inputs are not copied;
// gemm() packs them directly and takes a GEMV path when M == 1 or N == 1.
#include "../../engine/backend.h"
#include "../../engine/threadpool.h"
#include "../../primitives/matmul.h"
#include "copy.h"
#include "gemm/gemm.h"

namespace mlx::cpu {

namespace {

// Element offsets of every batch matrix of `a` (batch dims = all but the last two).
std::vector<int64_t> batch_offsets(const Array& a, int64_t batch) {
  std::vector<int64_t> offs((size_t)batch, 0);
  int nb = a.ndim() - 2;
  if (nb <= 0) return offs;
  std::vector<int64_t> idx(nb, 0);
  int64_t off = 0;
  for (int64_t i = 0; i < batch; i++) {
    offs[i] = off;
    for (int d = nb - 1; d >= 0; d--) {  // odometer increment
      off += a.strides()[d];
      if (++idx[d] < a.shape(d)) break;
      off -= a.strides()[d] * a.shape(d);
      idx[d] = 0;
    }
  }
  return offs;
}

// True when b is the same matrix for every batch entry and a's batch dims continue its row dim with a
// uniform stride, so the batch folds into M (the common activations @ weights case).
bool foldable(const Array& a, const Array& b) {
  int nd = a.ndim();
  for (int d = 0; d < nd - 2; d++)
    if (b.shape(d) != 1 && b.strides()[d] != 0) return false;
  int64_t expect = a.strides()[nd - 2] * a.shape(nd - 2);
  for (int d = nd - 3; d >= 0; d--) {
    if (a.shape(d) == 1) continue;
    if (a.strides()[d] != expect) return false;
    expect *= a.shape(d);
  }
  return true;
}

void run_gemm(const Array& a, const Array& b, Array& out, float alpha, float beta) {
  const int64_t M = a.shape(-2), K = a.shape(-1), N = b.shape(-1);
  if (out.size() == 0) return;
  const int64_t batch = out.size() / (M * N);
  const int nd = a.ndim();
  const int64_t a_rs = a.strides()[nd - 2], a_cs = a.strides()[nd - 1];
  const int64_t b_rs = b.strides()[nd - 2], b_cs = b.strides()[nd - 1];
  const int isz = out.itemsize();
  const char* pa = K > 0 ? static_cast<const char*>(a.raw_data()) : nullptr;
  const char* pb = K > 0 ? static_cast<const char*>(b.raw_data()) : nullptr;
  char* pc = static_cast<char*>(out.raw_data());
  if (batch == 1) {
    gemm(out.dtype(), M, N, K, alpha, pa, a_rs, a_cs, pb, b_rs, b_cs, beta, pc, N);
    return;
  }
  if (K > 0 && foldable(a, b)) {  // [..., M, K] @ [K, N]: one (batch*M) x K product
    gemm(out.dtype(), batch * M, N, K, alpha, pa, a_rs, a_cs, pb, b_rs, b_cs, beta, pc, N);
    return;
  }
  std::vector<int64_t> oa, ob;
  if (K > 0) oa = batch_offsets(a, batch), ob = batch_offsets(b, batch);
  auto one = [&](int64_t i, bool threads) {
    gemm(out.dtype(), M, N, K, alpha, K > 0 ? pa + oa[i] * isz : nullptr, a_rs, a_cs,
         K > 0 ? pb + ob[i] * isz : nullptr, b_rs, b_cs, beta, pc + i * M * N * isz, N, threads);
  };
  const int64_t work = M * N * std::max<int64_t>(K, 1);
  if (work < kGemmParallelWork && work * batch >= kGemmParallelWork / 4) {
    // Small matrices: parallelise over the batch, each product on one thread.
    parallel_for(batch, std::max<int64_t>(1, kGemmParallelWork / 8 / work), [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; i++) one(i, false);
    });
  } else {
    for (int64_t i = 0; i < batch; i++) one(i, true);
  }
}

void matmul(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  out[0].allocate();
  run_gemm(in[0], in[1], out[0], 1.0f, 0.0f);
}

// c = a bias row broadcast over every other dim (an f32 Linear's bias): added inside the GEMM's tile stores.
bool bias_row(const Array& c, const Array& a, const Array& b, const Array& o) {
  if (o.dtype() != Dtype::float32 || c.dtype() != Dtype::float32 || a.dtype() != Dtype::float32 ||
      b.dtype() != Dtype::float32 || o.ndim() < 2 || o.size() == 0 || a.shape(-1) == 0)
    return false;
  const int nd = c.ndim();
  if (c.strides()[nd - 1] != 1 && c.shape(nd - 1) != 1) return false;
  if (c.shape(nd - 1) != o.shape(-1)) return false;
  for (int d = 0; d < nd - 1; d++)
    if (c.shape(d) != 1 && c.strides()[d] != 0) return false;
  const int64_t M = a.shape(-2), N = b.shape(-1), batch = o.size() / (M * N);
  return batch == 1 || foldable(a, b);
}

void addmm(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& prim = static_cast<const AddMM&>(p);
  const Array& c = in[2];
  Array& o = out[0];
  float beta = prim.beta();
  if (beta == 1.0f && bias_row(c, in[0], in[1], o)) {
    const Array &a = in[0], &b = in[1];
    o.allocate();
    const int nd = a.ndim();
    const int64_t M = a.shape(-2), K = a.shape(-1), N = b.shape(-1), rows = o.size() / N;
    gemm_bias_f32(rows, N, K, prim.alpha(), a.data<float>(), a.strides()[nd - 2], a.strides()[nd - 1],
                  b.data<float>(), b.strides()[nd - 2], b.strides()[nd - 1], c.data<float>(), o.data<float>(), N);
    (void)M;
    return;
  }
  if (beta != 0.0f && c.dtype() == o.dtype() && c.flags().row_contiguous && c.data_size() == c.size() &&
      c.is_donatable()) {
    o.move_shared_buffer(c);
  } else {
    o.allocate();
    if (beta != 0.0f) copy_into(c, o);
  }
  run_gemm(in[0], in[1], o, prim.alpha(), beta);
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Matmul, matmul);
MLX_REGISTER_KERNEL(cpu, AddMM, addmm);

}  // namespace mlx::cpu
