#include "indexing.h"

#include "../ops/binary.h"
#include "../ops/indexing.h"
#include "../ops/shape.h"

namespace mlx {

template <typename P> static const P* same(const Primitive& o) { return dynamic_cast<const P*>(&o); }

const char* Scatter::name() const {
  switch (reduce_) {
    case ScatterReduce::sum: return "Scatter Sum";
    case ScatterReduce::prod: return "Scatter Prod";
    case ScatterReduce::max: return "Scatter Max";
    case ScatterReduce::min: return "Scatter Min";
    default: return "Scatter";
  }
}

bool Gather::is_equivalent(const Primitive& o) const {
  auto p = same<Gather>(o);
  return p && p->axes_ == axes_ && p->slice_sizes_ == slice_sizes_;
}
bool Scatter::is_equivalent(const Primitive& o) const {
  auto p = same<Scatter>(o);
  return p && p->reduce_ == reduce_ && p->axes_ == axes_;
}
bool GatherAxis::is_equivalent(const Primitive& o) const { auto p = same<GatherAxis>(o); return p && p->axis_ == axis_; }
bool ScatterAxis::is_equivalent(const Primitive& o) const {
  auto p = same<ScatterAxis>(o);
  return p && p->reduce_ == reduce_ && p->axis_ == axis_;
}
bool MaskedScatter::is_equivalent(const Primitive& o) const { return (bool)same<MaskedScatter>(o); }
bool IndexUpdateUnary::is_equivalent(const Primitive& o) const { auto p = same<IndexUpdateUnary>(o); return p && p->op_ == op_; }

namespace {
using V = std::vector<Array>;
Array zeros(const Shape& shape, Dtype dt, const Stream& s) { return full(shape, Array::scalar(0.0, dt), dt, s); }
[[noreturn]] void no_index_grad(const char* op) {
  throw_error(ErrorCode::invalid_argument, std::string("[") + op + "] Cannot calculate VJP with respect to indices.");
}
}  // namespace

// d/da gather(a) = scatter-add of the cotangent into zeros (repeated indices accumulate).
V Gather::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  V out;
  V idx(primals.begin() + 1, primals.end());
  for (int a : argnums) {
    if (a != 0) no_index_grad("gather");
    out.push_back(scatter(zeros(primals[0].shape(), cot[0].dtype(), stream()), idx, cot[0], axes_,
                          ScatterReduce::sum, stream()));
  }
  return out;
}
V Gather::jvp(const V& primals, const V& tan, const std::vector<int>& argnums) {
  if (argnums.size() != 1 || argnums[0] != 0) no_index_grad("gather");
  V idx(primals.begin() + 1, primals.end());
  return {gather(tan[0], idx, axes_, slice_sizes_, stream())};
}

V Scatter::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V& outputs) {
  check(reduce_ != ScatterReduce::prod, ErrorCode::not_implemented,
        std::string("[") + name() + "] VJP is not implemented for multiplying scatters.");
  int nidx = (int)primals.size() - 2;
  V idx(primals.begin() + 1, primals.end() - 1);
  const Array& upd = primals.back();
  const bool extremum = reduce_ == ScatterReduce::max || reduce_ == ScatterReduce::min;
  V out;
  for (int a : argnums) {
    if (a == 0 && extremum) {
      // The cotangent flows to the entries of `a` that survived (MLX's rule: ties go to both).
      out.push_back(where(equal(outputs[0], primals[0], false, stream()), cot[0],
                          Array::scalar(0.0, cot[0].dtype()), stream()));
    } else if (a == 0) {
      if (reduce_ == ScatterReduce::sum) out.push_back(cot[0]);
      else out.push_back(scatter(cot[0], idx, zeros(upd.shape(), cot[0].dtype(), stream()), axes_,
                                 ScatterReduce::none, stream()));
    } else if (a == nidx + 1) {
      int ind = upd.ndim() - primals[0].ndim();
      Shape window(upd.shape().begin() + ind, upd.shape().end());
      Array g = gather(cot[0], idx, axes_, window, stream());
      if (extremum) g = multiply(g, equal(gather(outputs[0], idx, axes_, window, stream()), upd, false, stream()), stream());
      out.push_back(g);
    } else {
      no_index_grad("scatter");
    }
  }
  return out;
}
V Scatter::jvp(const V& primals, const V& tan, const std::vector<int>& argnums) {
  check(reduce_ == ScatterReduce::none || reduce_ == ScatterReduce::sum, ErrorCode::not_implemented,
        std::string("[") + name() + "] JVP is implemented only for plain and summing scatters.");
  int nidx = (int)primals.size() - 2;
  V idx(primals.begin() + 1, primals.end() - 1);
  Array ta, tu;
  for (size_t k = 0; k < argnums.size(); k++) {
    if (argnums[k] == 0) ta = tan[k];
    else if (argnums[k] == nidx + 1) tu = tan[k];
    else no_index_grad("scatter");
  }
  const Array& upd = primals.back();
  if (!ta.valid()) ta = zeros(primals[0].shape(), primals[0].dtype(), stream());
  if (!tu.valid()) tu = zeros(upd.shape(), upd.dtype(), stream());
  return {scatter(ta, idx, tu, axes_, reduce_, stream())};
}

V GatherAxis::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  V out;
  for (int a : argnums) {
    if (a != 0) no_index_grad("take_along_axis");
    out.push_back(scatter_add_axis(zeros(primals[0].shape(), cot[0].dtype(), stream()), primals[1], cot[0], axis_,
                                   stream()));
  }
  return out;
}
V GatherAxis::jvp(const V& primals, const V& tan, const std::vector<int>& argnums) {
  if (argnums.size() != 1 || argnums[0] != 0) no_index_grad("take_along_axis");
  return {Array(primals[1].shape(), tan[0].dtype(), std::make_shared<GatherAxis>(stream(), axis_), {tan[0], primals[1]})};
}

V ScatterAxis::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  V out;
  const Array& idx = primals[1];
  for (int a : argnums) {
    if (a == 0) {
      if (reduce_ == ScatterReduce::sum) out.push_back(cot[0]);
      else out.push_back(put_along_axis(cot[0], idx, zeros(idx.shape(), cot[0].dtype(), stream()), axis_, stream()));
    } else if (a == 2) {
      out.push_back(take_along_axis(cot[0], idx, axis_, stream()));
    } else {
      no_index_grad("put_along_axis");
    }
  }
  return out;
}
V ScatterAxis::jvp(const V& primals, const V& tan, const std::vector<int>& argnums) {
  Array ta, tu;
  for (size_t k = 0; k < argnums.size(); k++) {
    if (argnums[k] == 0) ta = tan[k];
    else if (argnums[k] == 2) tu = tan[k];
    else no_index_grad("put_along_axis");
  }
  if (!ta.valid()) ta = zeros(primals[0].shape(), primals[0].dtype(), stream());
  if (!tu.valid()) tu = zeros(primals[2].shape(), primals[2].dtype(), stream());
  return {Array(primals[0].shape(), ta.dtype(), std::make_shared<ScatterAxis>(stream(), reduce_, axis_),
                {ta, primals[1], astype(tu, ta.dtype(), stream())})};
}

V IndexUpdateUnary::vjp(const V& primals, const V& cot, const std::vector<int>&, const V&) {
  check(op_ == negative, ErrorCode::not_implemented, "[Reciprocal] VJP is not implemented for this helper.");
  return {Array(cot[0].shape(), cot[0].dtype(), std::make_shared<IndexUpdateUnary>(stream(), negative), {cot[0]})};
}

}  // namespace mlx

// ---- vmap rules and output shapes ----
#include "../ops/creation.h"
#include "../ops/scan.h"
#include "../ops/unary.h"
#include "vmap_util.h"

namespace mlx {

namespace {
using VM = std::pair<std::vector<Array>, std::vector<int>>;

bool any_mapped(const std::vector<int>& ax, size_t begin, size_t end) {
  for (size_t i = begin; i < end; i++)
    if (ax[i] >= 0) return true;
  return false;
}
// 0..B-1 along axis 0 of an array with `ndim` dims (the index that pairs batch entries).
Array batch_iota(int64_t B, int ndim, Stream s) {
  Shape sh(ndim, 1);
  sh[0] = B;
  return reshape(arange(0, (double)B, 1, Dtype::int32, s), sh, s);
}
}  // namespace

std::vector<Shape> Gather::output_shapes(const V& in) {
  Shape out = in.size() > 1 ? in[1].shape() : Shape{};
  out.insert(out.end(), slice_sizes_.begin(), slice_sizes_.end());
  return {out};
}
std::vector<Shape> Scatter::output_shapes(const V& in) { return {in[0].shape()}; }
std::vector<Shape> GatherAxis::output_shapes(const V& in) { return {in[1].shape()}; }
std::vector<Shape> ScatterAxis::output_shapes(const V& in) { return {in[0].shape()}; }
std::vector<Shape> MaskedScatter::output_shapes(const V& in) { return {in[0].shape()}; }

// Unmapped indices: the batch becomes one more full-size slice axis of the source (output axis
// idx_ndim). Mapped indices: indices go batch-first; a mapped source also gets an iota index on
// its batch axis so entry b reads from source b.
VM Gather::vmap(const V& in, const std::vector<int>& ax) {
  Stream s = stream();
  const size_t k = in.size() - 1;
  const bool src_mapped = ax[0] >= 0, idx_mapped = any_mapped(ax, 1, in.size());
  V idx(in.begin() + 1, in.end());
  if (!src_mapped && !idx_mapped) return {{gather(in[0], idx, axes_, slice_sizes_, s)}, {-1}};
  std::vector<int> axes = axes_;
  Shape sizes = slice_sizes_;
  if (!idx_mapped) {
    Array x = moveaxis(in[0], ax[0], 0, s);
    for (int& a : axes) a++;
    sizes.insert(sizes.begin(), x.shape(0));
    int idx_ndim = k ? idx[0].ndim() : 0;
    return {{gather(x, idx, axes, sizes, s)}, {idx_ndim}};
  }
  for (size_t i = 0; i < k; i++) idx[i] = batch_to_front(idx[i], ax[i + 1]);
  if (!src_mapped) return {{gather(in[0], idx, axes_, slice_sizes_, s)}, {0}};
  Array x = moveaxis(in[0], ax[0], 0, s);
  int idx_ndim = 0;
  for (auto& i : idx) idx_ndim = std::max(idx_ndim, i.ndim());
  for (int& a : axes) a++;
  axes.push_back(0);
  sizes.insert(sizes.begin(), 1);
  idx.push_back(batch_iota(x.shape(0), idx_ndim, s));
  return {{squeeze(gather(x, idx, axes, sizes, s), {idx_ndim}, s)}, {0}};
}

// The output is the (batched) source, batch-first. Unmapped indices: the batch is a full window
// axis of the updates. Mapped indices: an iota index on the source's batch axis keeps every
// batch entry's updates in its own slab.
VM Scatter::vmap(const V& in, const std::vector<int>& ax) {
  Stream s = stream();
  const size_t nidx = in.size() - 2;
  V idx(in.begin() + 1, in.end() - 1);
  const Array& upd = in.back();
  const int ua = ax.back();
  if (!any_mapped(ax, 0, in.size())) return {{scatter(in[0], idx, upd, axes_, reduce_, s)}, {-1}};
  const int64_t B = batch_size(in, ax);
  Array x = batch_to_front(in[0], ax[0], B);  // the kernel copies a broadcast source itself
  const int a_ndim = in[0].ndim() - (ax[0] >= 0 ? 1 : 0);
  const int idx_ndim = upd.ndim() - (ua >= 0 ? 1 : 0) - a_ndim;
  std::vector<int> axes = axes_;
  for (int& a : axes) a++;
  if (!any_mapped(ax, 1, 1 + nidx)) {
    Array u;
    if (ua >= 0) {
      u = moveaxis(upd, ua, idx_ndim, s);
    } else {
      u = expand_dims(upd, {idx_ndim}, s);
      Shape sh = u.shape();
      sh[idx_ndim] = B;
      u = broadcast_to(u, sh, s);
    }
    return {{scatter(x, idx, u, axes, reduce_, s)}, {0}};
  }
  for (size_t i = 0; i < nidx; i++) idx[i] = batch_to_front(idx[i], ax[i + 1]);
  idx.push_back(batch_iota(B, idx_ndim + 1, s));
  axes.push_back(0);
  Array u = expand_dims(batch_to_front(upd, ua), {idx_ndim + 1}, s);  // (B|1, idx..., 1, window...)
  Shape ishape = broadcast_arrays(idx, s)[0].shape();
  Shape ush = ishape;
  ush.insert(ush.end(), u.shape().begin() + idx_ndim + 1, u.shape().end());
  return {{scatter(x, idx, broadcast_to(u, ush, s), axes, reduce_, s)}, {0}};
}

VM GatherAxis::vmap(const V& in, const std::vector<int>& ax) {
  if (ax[0] < 0 && ax[1] < 0) return {{take_along_axis(in[0], in[1], axis_, stream())}, {-1}};
  Array x = batch_to_front(in[0], ax[0]), idx = batch_to_front(in[1], ax[1]);
  return {{take_along_axis(x, idx, axis_ + 1, stream())}, {0}};
}

VM ScatterAxis::vmap(const V& in, const std::vector<int>& ax) {
  Stream s = stream();
  auto op = reduce_ == ScatterReduce::sum ? scatter_add_axis
                                          : static_cast<Array (*)(const Array&, const Array&, const Array&, int,
                                                                  StreamOrDevice)>(put_along_axis);
  if (ax[0] < 0 && ax[1] < 0 && ax[2] < 0) return {{op(in[0], in[1], in[2], axis_, s)}, {-1}};
  const int64_t B = batch_size(in, ax);
  Array x = batch_to_front(in[0], ax[0], B);
  return {{op(x, batch_to_front(in[1], ax[1]), batch_to_front(in[2], ax[2]), axis_ + 1, s)}, {0}};
}

// d/da: the cotangent where the mask is false. d/dsrc: row i of src receives the cotangent at
// the i-th selected position (a scatter-add by running count; unselected positions add zero).
V MaskedScatter::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  Stream s = stream();
  const Array &a = primals[0], &mask = primals[1], &src = primals[2];
  const Array& c = cot[0];
  const int r = a.ndim() - mask.ndim();
  Shape mshape = mask.shape();
  mshape.insert(mshape.end(), r, 1);
  Array m = reshape(mask, mshape, s);
  V out;
  for (int arg : argnums) {
    if (arg == 0) {
      out.push_back(where(m, Array::scalar(0.0, c.dtype()), c, s));
    } else if (arg == 1) {
      out.push_back(zeros_like(mask, s));
    } else if (src.shape(0) == 0 || mask.size() == 0) {
      out.push_back(zeros(src.shape(), c.dtype(), s));
    } else {
      Array keep = reshape(mask, {mask.size()}, s);
      Array row = where(keep, subtract(cumsum(keep, 0, false, true, s), Array::scalar_int(1, Dtype::int32), s),
                        Array::scalar_int(0, Dtype::int32), s);
      Shape flat{mask.size(), 1};
      flat.insert(flat.end(), a.shape().begin() + mask.ndim(), a.shape().end());
      Shape kshape(flat.size(), 1);
      kshape[0] = mask.size();
      Array u = multiply(reshape(c, flat, s), reshape(keep, kshape, s), s);
      out.push_back(scatter(zeros(src.shape(), c.dtype(), s), {row}, u, {0}, ScatterReduce::sum, s));
    }
  }
  return out;
}

V MaskedScatter::jvp(const V& primals, const V& tan, const std::vector<int>& argnums) {
  Array ta, ts;
  for (size_t k = 0; k < argnums.size(); k++) {
    if (argnums[k] == 0) ta = tan[k];
    else if (argnums[k] == 2) ts = tan[k];
  }
  const Array &a = primals[0], &src = primals[2];
  if (!ta.valid()) ta = zeros(a.shape(), a.dtype(), stream());
  if (!ts.valid()) ts = zeros(src.shape(), ta.dtype(), stream());
  return {Array(a.shape(), ta.dtype(), std::make_shared<MaskedScatter>(stream()),
                {ta, primals[1], astype(ts, ta.dtype(), stream())})};
}

// Per batch entry b, position p takes src[b, (running count of the mask up to p) - 1]: a
// take_along_axis over the rows, then a select (the batched rows cannot be concatenated, since
// each entry consumes its own number of rows).
VM MaskedScatter::vmap(const V& in, const std::vector<int>& ax) {
  Stream s = stream();
  if (ax[0] < 0 && ax[1] < 0 && ax[2] < 0)
    return {{Array(in[0].shape(), in[0].dtype(), std::make_shared<MaskedScatter>(s), in)}, {-1}};
  const int64_t B = batch_size(in, ax);
  Array a = batch_to_front(in[0], ax[0], B), mask = batch_to_front(in[1], ax[1], B),
        src = batch_to_front(in[2], ax[2], B);
  const int r = a.ndim() - mask.ndim();
  const int64_t M = mask.size() / B;
  if (src.shape(1) == 0 || M == 0) return {{a}, {0}};
  Array keep = reshape(mask, {B, M}, s);
  Array row = where(keep, subtract(cumsum(keep, 1, false, true, s), Array::scalar_int(1, Dtype::int32), s),
                    Array::scalar_int(0, Dtype::int32), s);
  Shape rshape{B, M};
  rshape.insert(rshape.end(), r, 1);
  Array g = take_along_axis(src, reshape(row, rshape, s), 1, s);
  Shape mshape = mask.shape();
  mshape.insert(mshape.end(), r, 1);
  return {{where(reshape(mask, mshape, s), reshape(g, a.shape(), s), a, s)}, {0}};
}

}  // namespace mlx
