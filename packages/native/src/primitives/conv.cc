// Convolution: output shape, equivalence and transform rules. The gradients are themselves convolutions
// (MLX's formulation), written here for independent low/high padding, which may come out negative: the
// kernel treats negative padding as cropping in the dilated coordinates.
#include "conv.h"

#include <optional>

#include "../ops/binary.h"
#include "../ops/shape.h"
#include "vmap_util.h"

namespace mlx {

namespace {
using V = std::vector<Array>;

// Reverses the spatial axes 1..nd of x.
Array flip_spatial(const Array& x, int nd, Stream s) {
  Shape start(x.ndim(), 0), stop = x.shape(), step(x.ndim(), 1);
  for (int i = 1; i <= nd; i++) start[i] = x.shape(i) - 1, stop[i] = -x.shape(i) - 1, step[i] = -1;
  return slice(x, start, stop, step, s);
}

// Weight (O, K..., Cg) -> (C, K..., Og): w2[g*Cg + c, k, o] = w[g*Og + o, k, c].
Array group_transpose_weight(const Array& w, int G, Stream s) {
  int nd = w.ndim() - 2;
  int64_t O = w.shape(0), Cg = w.shape(-1), Og = O / G;
  Shape sh = {G, Og};
  for (int i = 1; i <= nd; i++) sh.push_back(w.shape(i));
  sh.push_back(Cg);
  Array r = reshape(w, sh, s);            // (G, Og, K..., Cg)
  r = swapaxes(r, 1, r.ndim() - 1, s);    // (G, Cg, K..., Og)
  Shape out = {G * Cg};
  for (int i = 1; i <= nd; i++) out.push_back(w.shape(i));
  out.push_back(Og);
  return reshape(r, out, s);
}

// Input (N, S..., C) -> (Cg, S..., G*N): r[c, s, g*N + n] = x[n, s, g*Cg + c].
Array group_transpose_input(const Array& x, int G, Stream s) {
  int nd = x.ndim() - 2;
  int64_t N = x.shape(0), C = x.shape(-1), Cg = C / G;
  Shape sh = x.shape();
  sh.back() = G;
  sh.push_back(Cg);                        // (N, S..., G, Cg)
  Array r = reshape(x, sh, s);
  std::vector<int> perm = {nd + 2};
  for (int i = 1; i <= nd; i++) perm.push_back(i);
  perm.push_back(nd + 1), perm.push_back(0);  // (Cg, S..., G, N)
  r = transpose(r, perm, s);
  Shape out = {Cg};
  for (int i = 1; i <= nd; i++) out.push_back(x.shape(i));
  out.push_back(G * N);
  return reshape(r, out, s);
}

int64_t dilated(int64_t n, int d) { return n == 0 ? 0 : (n - 1) * d + 1; }
}  // namespace

Shape conv_out_shape(const Shape& in, const Shape& wt, const ConvParams& p) {
  int nd = (int)in.size() - 2;
  Shape out = {in[0]};
  for (int i = 0; i < nd; i++) {
    int64_t span = dilated(in[i + 1], p.input_dilation[i]) + p.padding_lo[i] + p.padding_hi[i];
    int64_t k = dilated(wt[i + 1], p.kernel_dilation[i]);
    if (span < k) {
      std::string msg = "[conv] Spatial dimensions of input after padding cannot be smaller than weight spatial "
                        "dimensions. Got error at axis " + std::to_string(i + 1) + " for input with shape " +
                        shape_str(in) + ", padding low " + shape_str(Shape(p.padding_lo.begin(), p.padding_lo.end())) +
                        ", padding high " + shape_str(Shape(p.padding_hi.begin(), p.padding_hi.end())) +
                        ", and weight of shape " + shape_str(wt) + ".";
      throw_error(ErrorCode::shape, msg);
    }
    out.push_back((span - k) / p.stride[i] + 1);
  }
  out.push_back(wt[0]);
  return out;
}

Array conv_node(const Array& in, const Array& wt, ConvParams p, Stream s) {
  Shape out = conv_out_shape(in.shape(), wt.shape(), p);
  return Array(out, in.dtype(), std::make_shared<Convolution>(s, std::move(p)), {in, wt});
}

bool Convolution::is_equivalent(const Primitive& o) const {
  auto q = dynamic_cast<const Convolution*>(&o);
  return q && q->p_ == p_;
}

std::vector<Shape> Convolution::output_shapes(const V& in) { return {conv_out_shape(in[0].shape(), in[1].shape(), p_)}; }

V Convolution::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  const Array &in = primals[0], &wt = primals[1], &dy = cot[0];
  const int nd = in.ndim() - 2, G = p_.groups;
  const Stream s = stream();
  V grads;
  for (int a : argnums) {
    if (a == 0) {
      // dx[i] = sum_k dy_dil[i*id + k*kd - ((K-1)*kd - lo)] . w[flipped k]^T: a convolution of dy dilated by the
      // stride, strided by the input dilation, with the kernel flipped and its channels group-transposed.
      ConvParams q;
      q.stride = p_.input_dilation, q.kernel_dilation = p_.kernel_dilation, q.input_dilation = p_.stride;
      q.groups = G, q.flip = !p_.flip;
      for (int i = 0; i < nd; i++) {
        int kspan = (int)(wt.shape(i + 1) - 1) * p_.kernel_dilation[i];
        q.padding_lo.push_back(kspan - p_.padding_lo[i]);
        q.padding_hi.push_back((int)((in.shape(i + 1) - 1) * p_.input_dilation[i] + p_.padding_lo[i] -
                                     (dy.shape(i + 1) - 1) * p_.stride[i]));
      }
      grads.push_back(conv_node(dy, group_transpose_weight(wt, G, s), q, s));
    } else {
      // dw[o, k, c] = sum_{n, o'} dy[n, o', o] x_dil[n, o'*stride + k*kd - lo, c]: a convolution over the spatial
      // dims with batch and channels exchanged (x as (Cg, S, G*N), dy as (O, S', N)), strided by kd.
      ConvParams q;
      q.stride = p_.kernel_dilation, q.kernel_dilation = p_.stride, q.input_dilation = p_.input_dilation;
      q.groups = G, q.flip = false, q.padding_lo = p_.padding_lo;
      for (int i = 0; i < nd; i++) {
        int64_t span = dilated(in.shape(i + 1), p_.input_dilation[i]) + p_.padding_lo[i];
        int64_t need = (wt.shape(i + 1) - 1) * p_.kernel_dilation[i] + (dy.shape(i + 1) - 1) * p_.stride[i] + 1;
        q.padding_hi.push_back((int)(need - span));
      }
      Array xt = group_transpose_input(in, G, s);
      Array dyt = swapaxes(dy, 0, dy.ndim() - 1, s);  // (O, S'..., N)
      Array g = conv_node(xt, dyt, q, s);              // (Cg, K..., O)
      g = swapaxes(g, 0, g.ndim() - 1, s);             // (O, K..., Cg)
      if (p_.flip) g = flip_spatial(g, nd, s);
      grads.push_back(g);
    }
  }
  return grads;
}

V Convolution::jvp(const V& primals, const V& tan, const std::vector<int>& argnums) {
  // Bilinear: d(x * w) = dx * w + x * dw.
  std::optional<Array> r;
  for (size_t i = 0; i < argnums.size(); i++) {
    Array t = argnums[i] == 0 ? conv_node(tan[i], primals[1], p_, stream()) : conv_node(primals[0], tan[i], p_, stream());
    r = r ? add(*r, t, stream()) : t;
  }
  return {*r};
}

std::pair<V, std::vector<int>> Convolution::vmap(const V& inputs, const std::vector<int>& axes) {
  const Stream s = stream();
  Array x = inputs[0], w = inputs[1];
  const int nd = x.ndim() - 3 + (axes[0] < 0);  // spatial dims of one item
  if (axes[1] < 0) {
    // Only the input is mapped: fold the batch axis into N.
    x = batch_to_front(x, axes[0]);
    int64_t B = x.shape(0), N = x.shape(1);
    Shape sh(x.shape().begin() + 1, x.shape().end());
    sh[0] = B * N;
    Array y = conv_node(reshape(x, sh, s), w, p_, s);
    Shape ys = y.shape();
    ys[0] = N;
    ys.insert(ys.begin(), B);
    return {{reshape(y, ys, s)}, {0}};
  }
  // The weight is mapped: every batch item becomes its own set of groups, x (N, S, B*C) and w (B*O, K, Cg).
  int64_t B = w.shape(axes[1]);
  w = batch_to_front(w, axes[1]);
  x = batch_to_front(x, axes[0], B);  // (B, N, S..., C)
  std::vector<int> perm;
  for (int i = 1; i <= nd + 1; i++) perm.push_back(i);
  perm.push_back(0), perm.push_back(nd + 2);
  x = transpose(x, perm, s);  // (N, S..., B, C)
  Shape xs(x.shape().begin(), x.shape().end() - 2);
  xs.push_back(B * x.shape(-1));
  x = reshape(x, xs, s);
  Shape ws(w.shape().begin() + 1, w.shape().end());
  ws[0] *= B;
  w = reshape(w, ws, s);
  ConvParams q = p_;
  q.groups *= (int)B;
  Array y = conv_node(x, w, q, s);  // (N, S'..., B*O)
  Shape ys(y.shape().begin(), y.shape().end() - 1);
  ys.push_back(B), ys.push_back(y.shape(-1) / B);
  return {{reshape(y, ys, s)}, {nd + 1}};
}

}  // namespace mlx
