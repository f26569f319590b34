#include "fast_fallback.h"

#include <cfloat>

#include "../engine/trace.h"
#include "../ops/binary.h"
#include "../ops/creation.h"
#include "../ops/matmul.h"
#include "../ops/reduce.h"
#include "../ops/shape.h"
#include "../ops/unary.h"
#include "../transforms/autodiff.h"
#include "../transforms/vmap.h"
#include "fast.h"

namespace mlx {

namespace {
using V = std::vector<Array>;
Array f32(const Array& a, Stream s) { return astype(a, Dtype::float32, s); }
Array scalar(double v) { return Array::scalar(v, Dtype::float32); }
const std::vector<int> kLast{-1};

Array rms_reference(const RMSNorm& p, const V& in, Stream s) {
  Array x = f32(in[0], s);
  Array y = multiply(x, rsqrt(add(mean(square(x, s), kLast, true, s), scalar(p.eps()), s), s), s);
  Dtype out = in[0].dtype();
  if (p.has_weight()) {
    out = promote_types(out, in[1].dtype());
    y = multiply(astype(y, in[0].dtype(), s), in[1], s);
  }
  return astype(y, out, s);
}

Array layer_norm_reference(const LayerNorm& p, const V& in, Stream s) {
  Array x = f32(in[0], s);
  Array xc = subtract(x, mean(x, kLast, true, s), s);
  Array y = multiply(xc, rsqrt(add(mean(square(xc, s), kLast, true, s), scalar(p.eps()), s), s), s);
  Dtype out = in[0].dtype();
  size_t k = 1;
  if (p.has_weight()) {
    out = promote_types(out, in[k].dtype());
    y = multiply(astype(y, in[0].dtype(), s), in[k++], s);
    if (p.has_bias()) { out = promote_types(out, in[k].dtype()); y = add(y, in[k++], s); }
  } else if (p.has_bias()) {
    y = add(astype(y, in[0].dtype(), s), in[k++], s);
  }
  return astype(y, out, s);
}

// softmax(q kᵀ · scale + mask) v with grouped heads, as the fused kernel computes it.
Array attention_reference(const ScaledDotProductAttention& p, const V& in, Stream s) {
  const Array &q0 = in[0], &k0 = in[1], &v0 = in[2];
  Dtype dt = promote_types(promote_types(q0.dtype(), k0.dtype()), v0.dtype());
  int64_t hq = q0.shape(1), hkv = k0.shape(1), Lq = q0.shape(2), Lk = k0.shape(2);
  Array q = unflatten(f32(q0, s), 1, {hkv, hq / hkv}, s);  // B Hkv rep Lq D
  Array k = expand_dims(f32(k0, s), {2}, s);
  Array v = expand_dims(f32(v0, s), {2}, s);
  Array sc = matmul(multiply(q, scalar(p.scale()), s), swapaxes(k, -1, -2, s), s);
  size_t extra = 3;
  using Mask = ScaledDotProductAttention::Mask;
  if (p.mask() == Mask::causal) {
    Array qi = expand_dims(arange(double(Lk - Lq), double(Lk), 1.0, Dtype::int32, s), {1}, s);
    Array ki = expand_dims(arange(0.0, double(Lk), 1.0, Dtype::int32, s), {0}, s);
    sc = where(greater_equal(qi, ki, s), sc, scalar(-FLT_MAX), s);
  } else if (p.mask() == Mask::boolean) {
    sc = where(unflatten(in[extra++], 1, {hkv, hq / hkv}, s), sc, scalar(-FLT_MAX), s);
  } else if (p.mask() == Mask::additive) {
    sc = add(sc, unflatten(f32(in[extra++], s), 1, {hkv, hq / hkv}, s), s);
  }
  Array prob = [&] {
    if (!p.has_sinks()) return softmax(sc, kLast, true, s);
    Array sk = reshape(f32(in[extra], s), {1, hkv, hq / hkv, 1, 1}, s);
    Array lse = logaddexp(logsumexp(sc, kLast, true, s), sk, s);
    return exp(subtract(sc, lse, s), s);
  }();
  Array out = matmul(prob, v, s);  // B Hkv rep Lq Dv
  return astype(flatten(out, 1, 2, s), dt, s);
}
}  // namespace

namespace fast::detail {

V reference(const Primitive& p, const V& in) {
  Stream s = p.stream();
  if (auto r = dynamic_cast<const RMSNorm*>(&p)) return {rms_reference(*r, in, s)};
  if (auto l = dynamic_cast<const LayerNorm*>(&p)) return {layer_norm_reference(*l, in, s)};
  if (auto a = dynamic_cast<const ScaledDotProductAttention*>(&p)) return {attention_reference(*a, in, s)};
  throw_error(ErrorCode::internal, std::string("[fast] No reference composition for ") + p.name() + ".");
}

V jvp_through_reference(const Primitive& p, const V& primals, const V& tangents, const std::vector<int>& argnums) {
  TracingScope scope;
  V traced = trace_inputs(primals);
  V full;
  for (size_t i = 0, k = 0; i < primals.size(); i++) {
    if (k < argnums.size() && argnums[k] == (int)i) full.push_back(tangents[k++]);
    else full.push_back(zeros(primals[i].shape(), primals[i].dtype()));
  }
  return jvp_forward(traced, full, reference(p, traced));
}

std::pair<V, std::vector<int>> vmap_through_reference(const Primitive& p, const V& inputs, const std::vector<int>& axes) {
  TracingScope scope;
  V placeholders = vmap_placeholders(inputs, axes);
  V outs = reference(p, placeholders);
  std::vector<int> out_axes(outs.size(), 0);
  return {vmap_replace(inputs, placeholders, axes, outs, out_axes), out_axes};
}

}  // namespace fast::detail

V RMSNorm::jvp(const V& primals, const V& tangents, const std::vector<int>& argnums) {
  return fast::detail::jvp_through_reference(*this, primals, tangents, argnums);
}
V LayerNorm::jvp(const V& primals, const V& tangents, const std::vector<int>& argnums) {
  return fast::detail::jvp_through_reference(*this, primals, tangents, argnums);
}
V ScaledDotProductAttention::jvp(const V& primals, const V& tangents, const std::vector<int>& argnums) {
  return fast::detail::jvp_through_reference(*this, primals, tangents, argnums);
}
std::pair<V, std::vector<int>> ScaledDotProductAttention::vmap(const V& inputs, const std::vector<int>& axes) {
  return fast::detail::vmap_through_reference(*this, inputs, axes);
}

}  // namespace mlx
