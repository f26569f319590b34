// Transform rules of the mx.fast primitives. Backward passes are composed from ordinary ops in
// float32 (MLX expresses them the same way); they materialise the attention scores.
#include "fast.h"

#include <cfloat>
#include <numeric>

#include "../ops/binary.h"
#include "../ops/creation.h"
#include "../ops/fast.h"
#include "../ops/matmul.h"
#include "../ops/reduce.h"
#include "../ops/unary.h"
#include "fast_fallback.h"
#include "vmap_util.h"

namespace mlx {

namespace {
using V = std::vector<Array>;
template <typename P> const P* same(const Primitive& o) { return dynamic_cast<const P*>(&o); }
Array f32(const Array& a, Stream s) { return astype(a, Dtype::float32, s); }
Array scalar(double v) { return Array::scalar(v, Dtype::float32); }
std::vector<int> lead_axes(int ndim) {
  std::vector<int> ax(ndim - 1);
  std::iota(ax.begin(), ax.end(), 0);
  return ax;
}
}  // namespace

bool RMSNorm::is_equivalent(const Primitive& o) const {
  auto p = same<RMSNorm>(o);
  return p && p->eps_ == eps_ && p->has_w_ == has_w_;
}
bool LayerNorm::is_equivalent(const Primitive& o) const {
  auto p = same<LayerNorm>(o);
  return p && p->eps_ == eps_ && p->has_w_ == has_w_ && p->has_b_ == has_b_;
}
bool RoPE::is_equivalent(const Primitive& o) const {
  auto p = same<RoPE>(o);
  return p && p->dims_ == dims_ && p->traditional_ == traditional_ && p->base_ == base_ && p->scale_ == scale_ &&
         p->forward_ == forward_;
}
bool ScaledDotProductAttention::is_equivalent(const Primitive& o) const {
  auto p = same<ScaledDotProductAttention>(o);
  return p && p->scale_ == scale_ && p->mask_ == mask_ && p->has_sinks_ == has_sinks_;
}

// y = x * n * w with n = rsqrt(mean(x^2) + eps):
//   dx = g w n - x n^3 mean(g w x),   dw = sum over rows of g x n.
V RMSNorm::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  Stream s = stream();
  Array x = f32(primals[0], s), g = f32(cot[0], s);
  Array n = rsqrt(add(mean(square(x, s), std::vector<int>{-1}, true, s), scalar(eps_), s), s);
  V out;
  for (int a : argnums) {
    if (a == 0) {
      Array gw = has_w_ ? multiply(g, f32(primals[1], s), s) : g;
      Array t = mean(multiply(gw, x, s), std::vector<int>{-1}, true, s);
      Array n3 = multiply(n, square(n, s), s);
      Array dx = subtract(multiply(gw, n, s), multiply(multiply(x, t, s), n3, s), s);
      out.push_back(astype(dx, primals[0].dtype(), s));
    } else {
      Array dw = sum(multiply(g, multiply(x, n, s), s), lead_axes(g.ndim()), false, s);
      out.push_back(astype(dw, primals[1].dtype(), s));
    }
  }
  return out;
}

// y = xc * n * w + b with xc = x - mean(x), n = rsqrt(var + eps):
//   dx = n (gw - mean(gw)) - xc n^3 mean(gw xc),   dw = sum g xc n,   db = sum g.
V LayerNorm::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  Stream s = stream();
  Array x = f32(primals[0], s), g = f32(cot[0], s);
  Array xc = subtract(x, mean(x, std::vector<int>{-1}, true, s), s);
  Array n = rsqrt(add(mean(square(xc, s), std::vector<int>{-1}, true, s), scalar(eps_), s), s);
  V out;
  for (int a : argnums) {
    if (a == 0) {
      Array gw = has_w_ ? multiply(g, f32(primals[1], s), s) : g;
      Array t1 = multiply(subtract(gw, mean(gw, std::vector<int>{-1}, true, s), s), n, s);
      Array n3 = multiply(n, square(n, s), s);
      Array t2 = multiply(multiply(xc, mean(multiply(gw, xc, s), std::vector<int>{-1}, true, s), s), n3, s);
      out.push_back(astype(subtract(t1, t2, s), primals[0].dtype(), s));
    } else if (a == 1 && has_w_) {
      Array dw = sum(multiply(g, multiply(xc, n, s), s), lead_axes(g.ndim()), false, s);
      out.push_back(astype(dw, primals[1].dtype(), s));
    } else {
      out.push_back(astype(sum(g, lead_axes(g.ndim()), false, s), primals[a].dtype(), s));
    }
  }
  return out;
}

// Norms map over any axis but the last: move the batch axis to the front.
std::pair<V, std::vector<int>> RMSNorm::vmap(const V& in, const std::vector<int>& axes) {
  if (axes.size() > 1 && axes[1] >= 0) return fast::detail::vmap_through_reference(*this, in, axes);
  Array x = batch_to_front(in[0], axes[0]);
  std::optional<Array> w;
  if (has_w_) w = in[1];
  return {{fast::rms_norm(x, w, eps_, stream())}, {0}};
}
std::pair<V, std::vector<int>> LayerNorm::vmap(const V& in, const std::vector<int>& axes) {
  for (size_t i = 1; i < axes.size(); i++)
    if (axes[i] >= 0) return fast::detail::vmap_through_reference(*this, in, axes);
  Array x = batch_to_front(in[0], axes[0]);
  std::optional<Array> w, b;
  size_t k = 1;
  if (has_w_) w = in[k++];
  if (has_b_) b = in[k++];
  return {{fast::layer_norm(x, w, b, eps_, stream())}, {0}};
}

// A rotation: the vjp rotates back, the jvp rotates the tangent.
V RoPE::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  if (argnums.size() > 1 || argnums[0] != 0)
    throw_error(ErrorCode::invalid_argument, "[RoPE::vjp] vjp for offset or frequencies not supported");
  V in{cot[0], primals[1]};
  if (primals.size() == 3) in.push_back(primals[2]);
  return {fast::detail::rope_node(std::move(in), dims_, traditional_, base_, scale_, !forward_, stream())};
}
V RoPE::jvp(const V& primals, const V& tan, const std::vector<int>& argnums) {
  if (argnums.size() > 1 || argnums[0] != 0)
    throw_error(ErrorCode::invalid_argument, "[RoPE::jvp] jvp for offset or frequencies not supported");
  V in{tan[0], primals[1]};
  if (primals.size() == 3) in.push_back(primals[2]);
  return {fast::detail::rope_node(std::move(in), dims_, traditional_, base_, scale_, forward_, stream())};
}
// Positions run along axis -2 and offsets index axis 0; a new leading batch axis keeps both when
// the offset is a scalar (a per-example offset would change meaning).
std::pair<V, std::vector<int>> RoPE::vmap(const V& in, const std::vector<int>& axes) {
  for (size_t i = 1; i < axes.size(); i++)
    if (axes[i] >= 0)
      throw_error(ErrorCode::not_implemented, "[RoPE::vmap] Mapping over the offset or freqs is not supported.");
  if (in[1].size() != 1)
    throw_error(ErrorCode::not_implemented, "[RoPE::vmap] Only a scalar offset is supported under vmap.");
  V args(in);
  args[0] = batch_to_front(in[0], axes[0]);
  return {{fast::detail::rope_node(std::move(args), dims_, traditional_, base_, scale_, forward_, stream())}, {0}};
}

// Attention backward, recomputing the probabilities (B, Hkv, rep, Lq, Lk) in float32:
//   dV = P^T dO,  dP = dO V^T,  dS = P (dP - rowsum(P dP)),  dQ = scale dS K,  dK = scale dS^T Q.
V ScaledDotProductAttention::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  for (int a : argnums)
    if (a >= 3)
      throw_error(ErrorCode::invalid_argument,
                  "[scaled_dot_product_attention] Does not support VJP with respect to mask or attention sinks.");
  Stream s = stream();
  const Array &q0 = primals[0], &k0 = primals[1], &v0 = primals[2];
  int64_t B = q0.shape(0), hq = q0.shape(1), hkv = k0.shape(1), Lq = q0.shape(2), Lk = k0.shape(2);
  int64_t rep = hq / hkv;
  Array q = unflatten(f32(q0, s), 1, {hkv, rep}, s);   // B Hkv rep Lq D
  Array k = expand_dims(f32(k0, s), {2}, s);           // B Hkv 1 Lk D
  Array v = expand_dims(f32(v0, s), {2}, s);
  Array dout = unflatten(f32(cot[0], s), 1, {hkv, rep}, s);
  Array sc = matmul(multiply(q, scalar(scale_), s), swapaxes(k, -1, -2, s), s);
  std::optional<Array> keep;  // where the scores are not masked out
  size_t extra = 3;
  if (mask_ == Mask::causal) {
    Array qi = expand_dims(arange(double(Lk - Lq), double(Lk), 1.0, Dtype::int32, s), {1}, s);
    Array ki = expand_dims(arange(0.0, double(Lk), 1.0, Dtype::int32, s), {0}, s);
    keep = greater_equal(qi, ki, s);
  } else if (mask_ == Mask::boolean) {
    keep = unflatten(primals[extra++], 1, {hkv, rep}, s);
  } else if (mask_ == Mask::additive) {
    sc = add(sc, unflatten(f32(primals[extra++], s), 1, {hkv, rep}, s), s);
  }
  if (keep) sc = where(*keep, sc, scalar(-FLT_MAX), s);
  Array p = [&] {
    if (!has_sinks_) return softmax(sc, std::vector<int>{-1}, true, s);
    Array sk = reshape(f32(primals[extra], s), {1, hkv, rep, 1, 1}, s);
    Array lse = logaddexp(logsumexp(sc, std::vector<int>{-1}, true, s), sk, s);
    return exp(subtract(sc, lse, s), s);
  }();
  V out;
  Array ds;
  bool need_ds = false;
  for (int a : argnums) need_ds |= a < 2;
  if (need_ds) {
    Array dp = matmul(dout, swapaxes(v, -1, -2, s), s);
    ds = multiply(p, subtract(dp, sum(multiply(p, dp, s), std::vector<int>{-1}, true, s), s), s);
    if (keep) ds = where(*keep, ds, scalar(0.0), s);
    ds = multiply(ds, scalar(scale_), s);
  }
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(astype(reshape(matmul(ds, k, s), q0.shape(), s), q0.dtype(), s));
    } else if (a == 1) {
      Array dk = sum(matmul(swapaxes(ds, -1, -2, s), q, s), std::vector<int>{2}, false, s);
      out.push_back(astype(dk, k0.dtype(), s));
    } else {
      Array dv = sum(matmul(swapaxes(p, -1, -2, s), dout, s), std::vector<int>{2}, false, s);
      out.push_back(astype(dv, v0.dtype(), s));
    }
  }
  (void)B;
  return out;
}

}  // namespace mlx
