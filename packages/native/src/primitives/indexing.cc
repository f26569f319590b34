#include "indexing.h"

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

V Scatter::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  check(reduce_ == ScatterReduce::none || reduce_ == ScatterReduce::sum, ErrorCode::not_implemented,
        std::string("[") + name() + "] VJP is implemented only for plain and summing scatters.");
  int nidx = (int)primals.size() - 2;
  V idx(primals.begin() + 1, primals.end() - 1);
  const Array& upd = primals.back();
  V out;
  for (int a : argnums) {
    if (a == 0) {
      if (reduce_ == ScatterReduce::sum) out.push_back(cot[0]);
      else out.push_back(scatter(cot[0], idx, zeros(upd.shape(), cot[0].dtype(), stream()), axes_,
                                 ScatterReduce::none, stream()));
    } else if (a == nidx + 1) {
      int ind = upd.ndim() - primals[0].ndim();
      Shape window(upd.shape().begin() + ind, upd.shape().end());
      Array g = gather(cot[0], idx, axes_, window, stream());
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
