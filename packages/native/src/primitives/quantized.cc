#include "quantized.h"

#include "../ops/creation.h"
#include "../ops/indexing.h"
#include "../ops/quantized.h"
#include "vmap_util.h"

namespace mlx {

namespace {
template <typename P> const P* same(const Primitive& o) { return dynamic_cast<const P*>(&o); }
[[noreturn]] void no_grad(const char* what) {
  throw_error(ErrorCode::not_implemented, std::string("[") + what + "] Gradients are only implemented for the "
                                                                      "input x, not the quantized weights.");
}
}  // namespace

bool QuantizedMatmul::is_equivalent(const Primitive& o) const {
  auto p = same<QuantizedMatmul>(o);
  return p && p->group_size_ == group_size_ && p->bits_ == bits_ && p->transpose_ == transpose_;
}
bool GatherMM::is_equivalent(const Primitive& o) const { return same<GatherMM>(o) != nullptr; }
bool GatherQMM::is_equivalent(const Primitive& o) const {
  auto p = same<GatherQMM>(o);
  return p && p->group_size_ == group_size_ && p->bits_ == bits_ && p->transpose_ == transpose_;
}

// Quantization works row-wise along the last axis, so a batch axis moved to the front is just another row dim.
VMR Quantize::vmap(const VA& in, const std::vector<int>& axes) {
  Array w = batch_to_front(in[0], axes[0]);
  if (w.ndim() < 3) throw_error(ErrorCode::not_implemented, "[quantize] vmap needs at least 2 dims per item.");
  return {quantize(w, group_size(), bits(), "affine", stream()), {0, 0, 0}};
}

VMR Dequantize::vmap(const VA& in, const std::vector<int>& axes) {
  int64_t B = batch_size(in, axes);
  VA v;
  for (size_t i = 0; i < 3; i++) v.push_back(batch_to_front(in[i], axes[i], B));
  return {{dequantize(v[0], v[1], v[2], group_size(), bits(), "affine", std::nullopt, stream())}, {0}};
}

// d/dx (x @ W^T) = cot @ W, i.e. the same quantized weights with the transpose flag flipped.
VA QuantizedMatmul::vjp(const VA& primals, const VA& cot, const std::vector<int>& argnums, const VA&) {
  VA out;
  for (int a : argnums) {
    if (a != 0) no_grad("quantized_matmul");
    Array g = quantized_matmul(cot[0], primals[1], primals[2], primals[3], !transpose_, group_size_, bits_,
                               "affine", stream());
    out.push_back(g);
  }
  return out;
}

VA QuantizedMatmul::jvp(const VA& primals, const VA& tan, const std::vector<int>& argnums) {
  for (int a : argnums)
    if (a != 0) no_grad("quantized_matmul");
  return {quantized_matmul(tan[0], primals[1], primals[2], primals[3], transpose_, group_size_, bits_, "affine",
                           stream())};
}

VMR QuantizedMatmul::vmap(const VA& in, const std::vector<int>& axes) {
  bool w_mapped = axes[1] >= 0 || axes[2] >= 0 || axes[3] >= 0;
  int64_t B = batch_size(in, axes);
  Array x = axes[0] >= 0 ? batch_to_front(in[0], axes[0]) : in[0];
  if (!w_mapped) {
    // x's batch axis becomes one more leading row dim.
    return {{quantized_matmul(x, in[1], in[2], in[3], transpose_, group_size_, bits_, "affine", stream())}, {0}};
  }
  VA w;
  for (size_t i = 1; i < 4; i++) w.push_back(batch_to_front(in[i], axes[i], B));
  // Mapped weights: give x a matching batch dim so that the batch dims line up on the left.
  if (axes[0] < 0) x = expand_dims(x, {0});
  while (x.ndim() < w[0].ndim()) x = expand_dims(x, {1});
  return {{quantized_matmul(x, w[0], w[1], w[2], transpose_, group_size_, bits_, "affine", stream())}, {0}};
}

// d/da: cot @ b_g^T scattered back (summed) into a's batch items; d/db likewise. Composed from ops.
VA GatherMM::vjp(const VA& primals, const VA& cot, const std::vector<int>& argnums, const VA&) {
  const Array &a = primals[0], &b = primals[1], &li = primals[2], &ri = primals[3];
  VA out;
  auto scatter_back = [&](const Array& g, const Array& idx, const Array& like) {
    // g: [batch..., R, C] per-gathered-item gradient; like: [B..., R, C].
    int64_t R = like.shape(-2), C = like.shape(-1), nb = like.size() / std::max<int64_t>(R * C, 1);
    Array g2 = reshape(g, {-1, R * C}, stream());
    Array i2 = broadcast_to(reshape(astype(idx, Dtype::int32, stream()), {-1, 1}, stream()), g2.shape(), stream());
    Array z = zeros({nb, R * C}, like.dtype(), stream());
    return reshape(scatter_add_axis(z, i2, g2, 0, stream()), like.shape(), stream());
  };
  for (int k : argnums) {
    if (k == 0) {
      Array g = gather_mm(cot[0], swapaxes(b, -1, -2, stream()), std::nullopt, ri, false, stream());
      out.push_back(scatter_back(g, li, a));
    } else if (k == 1) {
      Array g = gather_mm(swapaxes(a, -1, -2, stream()), cot[0], li, std::nullopt, false, stream());
      out.push_back(scatter_back(g, ri, b));
    } else {
      out.push_back(zeros_like(primals[k], stream()));
    }
  }
  return out;
}

VA GatherQMM::vjp(const VA& primals, const VA& cot, const std::vector<int>& argnums, const VA&) {
  const Array& x = primals[0];
  VA out;
  for (int k : argnums) {
    if (k == 4 || k == 5) {
      out.push_back(zeros_like(primals[k], stream()));
      continue;
    }
    if (k != 0) no_grad("gather_qmm");
    Array g = gather_qmm(cot[0], primals[1], primals[2], primals[3], std::nullopt, primals[5], !transpose_,
                         group_size_, bits_, "affine", false, stream());
    int64_t R = x.shape(-2), C = x.shape(-1), nb = x.size() / std::max<int64_t>(R * C, 1);
    Array g2 = reshape(g, {-1, R * C}, stream());
    Array i2 = broadcast_to(reshape(astype(primals[4], Dtype::int32, stream()), {-1, 1}, stream()), g2.shape(),
                            stream());
    Array z = zeros({nb, R * C}, x.dtype(), stream());
    out.push_back(reshape(scatter_add_axis(z, i2, g2, 0, stream()), x.shape(), stream()));
  }
  return out;
}

}  // namespace mlx
