#include "indexing.h"

#include <algorithm>
#include <numeric>

#include "shape.h"

namespace mlx {

namespace {

std::string op_msg(const char* op, const std::string& m) { return std::string("[") + op + "] " + m; }

void check_index_dtype(const Array& idx, const char* op) {
  if (!is_integral(idx.dtype()))
    throw_error(ErrorCode::dtype, op_msg(op, std::string("Got indices with invalid dtype ") + dtype_name(idx.dtype()) +
                                                 ". Indices must be integral."));
}

// An evaluated 1-D integer array start, start+step, ... (len entries).
Array iota_index(int64_t start, int64_t step, int64_t len) {
  bool small = std::max(std::abs(start), std::abs(start + step * len)) < (int64_t(1) << 31);
  Array out = Array::empty({len}, small ? Dtype::int32 : Dtype::int64);
  if (small) { auto* p = out.data<int32_t>(); for (int64_t i = 0; i < len; i++) p[i] = (int32_t)(start + i * step); }
  else { auto* p = out.data<int64_t>(); for (int64_t i = 0; i < len; i++) p[i] = start + i * step; }
  return out;
}

Array scalar_index(int64_t v) {
  return v < (int64_t(1) << 31) ? Array::scalar_int(v, Dtype::int32) : Array::scalar_int(v, Dtype::int64);
}

Array unary_update(const Array& v, IndexUpdateUnary::Op op, StreamOrDevice s) {
  Dtype dt = v.dtype();
  if (op == IndexUpdateUnary::negative) {
    check(dt != Dtype::bool_, ErrorCode::dtype, "[negative] The argument cannot be boolean.");
  } else if (!is_inexact(dt)) {
    dt = Dtype::float32;
  }
  return Array(v.shape(), dt, std::make_shared<IndexUpdateUnary>(to_stream(s), op), {v});
}

}  // namespace

Array gather(const Array& a, const std::vector<Array>& indices, const std::vector<int>& axes_in,
             const Shape& slice_sizes, StreamOrDevice s) {
  check(indices.size() == axes_in.size(), ErrorCode::invalid_argument, "[gather] Must have as many indices as axes.");
  check((int)slice_sizes.size() == a.ndim(), ErrorCode::shape,
        "[gather] Got slice_sizes with " + std::to_string(slice_sizes.size()) + " entries for array with " +
            std::to_string(a.ndim()) + " dimensions.");
  std::vector<int> axes;
  for (int ax : axes_in) {
    int n = normalize_axis(ax, a.ndim(), "gather");
    check(std::find(axes.begin(), axes.end(), n) == axes.end(), ErrorCode::invalid_argument,
          "[gather] Repeated axes are not allowed.");
    axes.push_back(n);
  }
  for (int i = 0; i < a.ndim(); i++)
    check(slice_sizes[i] >= 0 && slice_sizes[i] <= a.shape(i), ErrorCode::shape,
          "[gather] Slice sizes must be in [0, a.shape(i)]. Got " + shape_str(slice_sizes) + " for array of shape " +
              shape_str(a.shape()) + ".");
  for (auto& i : indices) check_index_dtype(i, "gather");
  auto idx = broadcast_arrays(indices, s);
  Shape out = idx.empty() ? Shape{} : idx[0].shape();
  int64_t n_idx = shape_size(out);
  if (n_idx > 0 && shape_size(slice_sizes) > 0)
    for (int ax : axes)
      check(a.shape(ax) > 0, ErrorCode::index, "[gather] Cannot index into an empty axis.");
  out.insert(out.end(), slice_sizes.begin(), slice_sizes.end());
  std::vector<Array> inputs{a};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  return Array(out, a.dtype(), std::make_shared<Gather>(to_stream(s), axes, slice_sizes), inputs);
}

Array scatter(const Array& a, const std::vector<Array>& indices, const Array& updates, const std::vector<int>& axes_in,
              ScatterReduce reduce, StreamOrDevice s) {
  check(indices.size() == axes_in.size(), ErrorCode::invalid_argument, "[scatter] Must have as many indices as axes.");
  std::vector<int> axes;
  for (int ax : axes_in) {
    int n = normalize_axis(ax, a.ndim(), "scatter");
    check(std::find(axes.begin(), axes.end(), n) == axes.end(), ErrorCode::invalid_argument,
          "[scatter] Repeated axes are not allowed.");
    axes.push_back(n);
  }
  for (auto& i : indices) check_index_dtype(i, "scatter");
  auto idx = broadcast_arrays(indices, s);
  Shape ishape = idx.empty() ? Shape{} : idx[0].shape();
  int ind = (int)ishape.size();
  check(updates.ndim() == ind + a.ndim(), ErrorCode::shape,
        "[scatter] Updates with " + std::to_string(updates.ndim()) + " dimensions do not match the sum of the array (" +
            std::to_string(a.ndim()) + ") and indices (" + std::to_string(ind) + ") dimensions.");
  for (int i = 0; i < ind; i++)
    check(updates.shape(i) == ishape[i], ErrorCode::shape,
          "[scatter] Updates shape " + shape_str(updates.shape()) + " does not start with the indices shape " +
              shape_str(ishape) + ".");
  for (int i = 0; i < a.ndim(); i++)
    check(updates.shape(ind + i) <= a.shape(i), ErrorCode::shape,
          "[scatter] Update window " + shape_str(updates.shape()) + " is larger than the array " +
              shape_str(a.shape()) + ".");
  std::vector<Array> inputs{a};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  inputs.push_back(astype(updates, a.dtype(), s));
  return Array(a.shape(), a.dtype(), std::make_shared<Scatter>(to_stream(s), reduce, axes), inputs);
}

Array take(const Array& a, const Array& indices, int axis_in, StreamOrDevice s) {
  check(axis_in >= -a.ndim() && axis_in < a.ndim(), ErrorCode::shape,
        "[take] Received invalid axis " + std::to_string(axis_in) + " for array with " + std::to_string(a.ndim()) +
            " dimensions.");
  check_index_dtype(indices, "take");
  check(!(a.size() == 0 && indices.size() != 0), ErrorCode::index,
        "[take] Cannot do a non-empty take from an array with zero elements.");
  int axis = axis_in < 0 ? axis_in + a.ndim() : axis_in;
  Shape sizes = a.shape();
  sizes[axis] = std::min<int64_t>(1, a.shape(axis));
  Array out = gather(a, {indices}, {axis}, sizes, s);  // idx dims + a dims (1 at axis)
  int ind = indices.ndim();
  if (axis != 0) {
    // Move the index dims to where `axis` was.
    std::vector<int> perm;
    for (int i = 0; i < axis; i++) perm.push_back(ind + i);
    for (int i = 0; i < ind; i++) perm.push_back(i);
    for (int i = ind + axis; i < out.ndim(); i++) perm.push_back(i);
    out = transpose(out, perm, s);
  }
  if (sizes[axis] == 0) {  // empty axis (and so empty indices): nothing to squeeze, reshape instead
    Shape fs(a.shape().begin(), a.shape().begin() + axis);
    fs.insert(fs.end(), indices.shape().begin(), indices.shape().end());
    fs.insert(fs.end(), a.shape().begin() + axis + 1, a.shape().end());
    return reshape(out, fs, s);
  }
  return squeeze(out, {ind + axis}, s);
}

Array take(const Array& a, const Array& indices, StreamOrDevice s) { return take(reshape(a, {-1}, s), indices, 0, s); }

namespace {
// Broadcasts `x` against `like` on every dimension except `axis` (which keeps x's size).
Shape shape_except_axis(const Shape& x, const Shape& like, int axis) {
  Shape a = x, b = like;
  a[axis] = 1;
  b[axis] = 1;
  Shape out = broadcast_shapes(a, b);
  out[axis] = x[axis];
  return out;
}
}  // namespace

Array take_along_axis(const Array& a, const Array& indices, int axis_in, StreamOrDevice s) {
  check(axis_in >= -a.ndim() && axis_in < a.ndim(), ErrorCode::shape,
        "[take_along_axis] Received invalid axis for array with " + std::to_string(a.ndim()) + " dimensions.");
  check(indices.ndim() == a.ndim(), ErrorCode::shape,
        "[take_along_axis] Indices of dimension " + std::to_string(indices.ndim()) +
            " does not match array of dimension " + std::to_string(a.ndim()) + ".");
  check_index_dtype(indices, "take_along_axis");
  int axis = axis_in < 0 ? axis_in + a.ndim() : axis_in;
  Array idx = broadcast_to(indices, shape_except_axis(indices.shape(), a.shape(), axis), s);
  Array src = broadcast_to(a, shape_except_axis(a.shape(), idx.shape(), axis), s);
  if (idx.size() > 0)
    check(src.shape(axis) > 0, ErrorCode::index, "[take_along_axis] Cannot index into an empty axis.");
  return Array(idx.shape(), a.dtype(), std::make_shared<GatherAxis>(to_stream(s), axis), {src, idx});
}

Array take_along_axis(const Array& a, const Array& indices, StreamOrDevice s) {
  return take_along_axis(reshape(a, {-1}, s), reshape(indices, {-1}, s), 0, s);
}

namespace {
Array scatter_axis(const Array& a, const Array& indices, const Array& values, int axis_in, ScatterReduce r,
                   const char* op, StreamOrDevice s) {
  check(axis_in >= -a.ndim() && axis_in < a.ndim(), ErrorCode::shape,
        op_msg(op, "Received invalid axis for array with " + std::to_string(a.ndim()) + " dimensions."));
  check(indices.ndim() == a.ndim(), ErrorCode::shape,
        op_msg(op, "Indices of dimension " + std::to_string(indices.ndim()) + " does not match array of dimension " +
                       std::to_string(a.ndim()) + "."));
  check_index_dtype(indices, op);
  int axis = axis_in < 0 ? axis_in + a.ndim() : axis_in;
  Shape target = broadcast_shapes(indices.shape(), values.shape());
  check(target.size() == (size_t)a.ndim(), ErrorCode::shape,
        op_msg(op, "Values of shape " + shape_str(values.shape()) + " have too many dimensions."));
  Shape t2 = shape_except_axis(target, a.shape(), axis);
  for (int i = 0; i < a.ndim(); i++)
    check(i == axis || t2[i] == a.shape(i), ErrorCode::shape,
          op_msg(op, "Indices and values of shape " + shape_str(target) + " do not match the array of shape " +
                         shape_str(a.shape()) + " outside the axis."));
  Array idx = broadcast_to(indices, t2, s);
  Array upd = broadcast_to(astype(values, a.dtype(), s), t2, s);
  if (idx.size() > 0) check(a.shape(axis) > 0, ErrorCode::index, op_msg(op, "Cannot index into an empty axis."));
  return Array(a.shape(), a.dtype(), std::make_shared<ScatterAxis>(to_stream(s), r, axis), {a, idx, upd});
}
}  // namespace

Array put_along_axis(const Array& a, const Array& indices, const Array& values, int axis, StreamOrDevice s) {
  return scatter_axis(a, indices, values, axis, ScatterReduce::none, "put_along_axis", s);
}
Array put_along_axis(const Array& a, const Array& indices, const Array& values, StreamOrDevice s) {
  Array flat = put_along_axis(reshape(a, {-1}, s), reshape(indices, {-1}, s), reshape(values, {-1}, s), 0, s);
  return reshape(flat, a.shape(), s);
}
Array scatter_add_axis(const Array& a, const Array& indices, const Array& values, int axis, StreamOrDevice s) {
  return scatter_axis(a, indices, values, axis, ScatterReduce::sum, "scatter_add_axis", s);
}

namespace {
// Splits a 1-D (or scalar) start array into one 0-d index per axis.
std::vector<Array> start_indices(const Array& start, std::vector<int>& axes, int ndim, const char* op, StreamOrDevice s) {
  check(is_integral(start.dtype()), ErrorCode::dtype,
        op_msg(op, std::string("Start indices must be integers, got type ") + dtype_name(start.dtype()) + "."));
  check(start.ndim() <= 1 && start.size() == (int64_t)axes.size(), ErrorCode::shape,
        op_msg(op, "Expected one start index per axis: got " + std::to_string(start.size()) + " starts for " +
                       std::to_string(axes.size()) + " axes."));
  std::vector<Array> idx;
  Array flat = reshape(start, {(int64_t)axes.size()}, s);
  for (size_t i = 0; i < axes.size(); i++) {
    axes[i] = normalize_axis(axes[i], ndim, op);
    idx.push_back(reshape(mlx::slice(flat, {(int64_t)i}, {(int64_t)i + 1}, {1}, s), {}, s));
  }
  return idx;
}
}  // namespace

Array slice(const Array& a, const Array& start, std::vector<int> axes, const Shape& slice_size, StreamOrDevice s) {
  auto idx = start_indices(start, axes, a.ndim(), "slice", s);
  return gather(a, idx, axes, slice_size, s);
}

Array slice_update(const Array& src, const Array& update, const Array& start, std::vector<int> axes, StreamOrDevice s) {
  auto idx = start_indices(start, axes, src.ndim(), "slice_update", s);
  check(update.ndim() <= src.ndim(), ErrorCode::shape, "[slice_update] The update has more dimensions than the array.");
  Shape us(src.ndim() - update.ndim(), 1);
  us.insert(us.end(), update.shape().begin(), update.shape().end());
  return scatter(src, idx, reshape(update, us, s), axes, ScatterReduce::none, s);
}

Array masked_scatter(const Array& a, const Array& mask, const Array& src_in, StreamOrDevice s) {
  check(mask.dtype() == Dtype::bool_, ErrorCode::dtype, "[masked_scatter] The mask has to be boolean.");
  bool prefix = mask.ndim() <= a.ndim() && std::equal(mask.shape().begin(), mask.shape().end(), a.shape().begin());
  if (!prefix)
    throw_error(ErrorCode::shape, "[masked_scatter] The boolean mask should have the same shape as the beginning of "
                                  "the indexed array but the mask has shape " + shape_str(mask.shape()) +
                                      " and the array has shape " + shape_str(a.shape()));
  int r = a.ndim() - mask.ndim();
  Shape trailing(a.shape().begin() + mask.ndim(), a.shape().end());
  Array src = astype(src_in, a.dtype(), s);
  Shape target{mask.size()};
  if (src.ndim() <= r) {
    // A value that fits the trailing dims is written at every selected position.
    Shape one(r + 1 - src.ndim(), 1);
    one.insert(one.end(), src.shape().begin(), src.shape().end());
    src = reshape(src, one, s);
  } else if (src.ndim() == r + 1) {
    target[0] = src.shape(0);
  } else {
    throw_error(ErrorCode::shape, "[masked_scatter] Value array shape must be broadcastable with the last " +
                                      std::to_string(r) + " dimensions of the input.");
  }
  target.insert(target.end(), trailing.begin(), trailing.end());
  src = broadcast_to(src, target, s);
  return Array(a.shape(), a.dtype(), std::make_shared<MaskedScatter>(to_stream(s)), {a, mask, src});
}


// ---- advanced indexing ----
namespace {

struct Expanded {
  std::vector<IndexEntry> entries;  // ellipsis expanded, padded with full slices; Nones kept
  bool has_array = false;
};

bool is_adv(const IndexEntry& e) { return e.kind == IndexEntry::integer || e.kind == IndexEntry::array; }

Expanded expand(const Array& a, const std::vector<IndexEntry>& in, const char* op) {
  int ellipses = 0, consumed = 0;
  Expanded ex;
  for (auto& e : in) {
    if (e.kind == IndexEntry::ellipsis) ellipses++;
    else if (e.kind != IndexEntry::newaxis) consumed++;
    if (e.kind == IndexEntry::array) {
      ex.has_array = true;
      check(e.arr.valid(), ErrorCode::invalid_argument, op_msg(op, "Invalid array index."));
    }
  }
  check(ellipses <= 1, ErrorCode::index, op_msg(op, "An index can only have a single ellipsis (...)."));
  check(consumed <= a.ndim(), ErrorCode::index,
        op_msg(op, "Too many indices for array with " + std::to_string(a.ndim()) + " dimensions."));
  for (auto& e : in) {
    if (e.kind == IndexEntry::ellipsis) {
      for (int k = 0; k < a.ndim() - consumed; k++) ex.entries.push_back(IndexEntry{});
    } else {
      ex.entries.push_back(e);
    }
  }
  for (int k = ellipses ? a.ndim() : consumed; k < a.ndim(); k++) ex.entries.push_back(IndexEntry{});
  // Validate per axis: integers in range (wrapped here), arrays integral, slices with nonzero step.
  int axis = 0;
  for (auto& e : ex.entries) {
    if (e.kind == IndexEntry::newaxis) continue;
    int64_t n = a.shape(axis);
    if (e.kind == IndexEntry::integer) {
      int64_t v = e.value < 0 ? e.value + n : e.value;
      check(v >= 0 && v < n, ErrorCode::index,
            op_msg(op, "Index " + std::to_string(e.value) + " is out of bounds for axis " + std::to_string(axis) +
                           " with size " + std::to_string(n) + "."));
      e.value = v;
    } else if (e.kind == IndexEntry::array) {
      if (e.arr.dtype() == Dtype::bool_)
        throw_error(ErrorCode::invalid_argument, op_msg(op, "Boolean indices are not supported here (MLX supports "
                                                            "them only as the single index of an assignment)."));
      check_index_dtype(e.arr, op);
    } else if (e.kind == IndexEntry::slice) {
      check(e.step.value_or(1) != 0, ErrorCode::index, op_msg(op, "Slice step cannot be zero."));
    }
    axis++;
  }
  return ex;
}

// Python's slice.indices: start, step and length of a slice over an axis of size n.
struct SliceSpec { int64_t start, step, len; };
SliceSpec slice_spec(const IndexEntry& e, int64_t n) {
  int64_t st = e.step.value_or(1);
  auto clamp = [&](int64_t v, bool is_start) {
    if (v < 0) v += n;
    if (st > 0) return std::clamp<int64_t>(v, 0, n);
    return std::clamp<int64_t>(v, -1, n - 1);
  };
  int64_t b = e.start ? clamp(*e.start, true) : (st > 0 ? 0 : n - 1);
  int64_t en = e.stop ? clamp(*e.stop, false) : (st > 0 ? n : -1);
  int64_t len = st > 0 ? (en > b ? (en - b + st - 1) / st : 0) : (b > en ? (b - en - st - 1) / (-st) : 0);
  return {len > 0 ? b : 0, st, len};
}

bool is_full(const IndexEntry& e, int64_t n) {
  if (e.kind != IndexEntry::slice) return false;
  auto sp = slice_spec(e, n);
  return sp.step == 1 && sp.start == 0 && sp.len == n;
}

// MLX: the advanced-index dims go first when advanced indices are separated by a slice or None.
bool gather_first(const std::vector<IndexEntry>& entries) {
  bool have_adv = false, gap = false;
  for (auto& e : entries) {
    if (is_adv(e)) {
      if (have_adv && gap) return true;
      have_adv = true;
    } else {
      gap = gap || have_adv;
    }
  }
  return false;
}

// Basic indexing only: slice + reshape (views).
Array basic_get(const Array& a, const std::vector<IndexEntry>& entries, StreamOrDevice s) {
  Shape start, stop, step, shape;
  int axis = 0;
  for (auto& e : entries) {
    if (e.kind == IndexEntry::newaxis) { shape.push_back(1); continue; }
    int64_t n = a.shape(axis++);
    if (e.kind == IndexEntry::integer) {
      start.push_back(e.value); stop.push_back(e.value + 1); step.push_back(1);
    } else {
      auto sp = slice_spec(e, n);
      start.push_back(sp.start); stop.push_back(sp.start + sp.step * sp.len); step.push_back(sp.step);
      if (sp.step < 0 && sp.len == 0) stop.back() = sp.start;
      shape.push_back(sp.len);
    }
  }
  // slice() re-normalises Python style: a negative stop of -1 would wrap, so pass stop as an
  // absolute bound that stays negative-free where possible.
  for (size_t i = 0; i < start.size(); i++)
    if (stop[i] < 0) stop[i] = -(a.shape((int)i)) - 1;
  return reshape(mlx::slice(a, start, stop, step, s), shape, s);
}

// Index arrays (one per indexed axis) shaped to broadcast into the result layout, for the
// entries before `end`. Returns the result-layout shape of those entries in `rshape`.
struct Plan {
  std::vector<Array> idx;
  std::vector<int> axes;
  Shape rshape;
};

Plan plan_indices(const Array& a, const std::vector<IndexEntry>& entries, size_t end, bool all_slices_indexed,
                  StreamOrDevice s) {
  bool first = gather_first(entries);
  // Broadcast shape of the advanced indices.
  Shape bshape;
  for (size_t i = 0; i < end; i++)
    if (entries[i].kind == IndexEntry::array) bshape = broadcast_shapes(bshape, entries[i].arr.shape());
  int nb = (int)bshape.size();
  bool any_adv = false;
  for (size_t i = 0; i < end; i++) any_adv = any_adv || is_adv(entries[i]);
  // Result positions: B block and one dim per slice / None.
  Plan p;
  int bpos = -1;
  std::vector<int> pos(end, -1);
  if (first && any_adv) { bpos = 0; p.rshape = bshape; }
  int axis = 0;
  for (size_t i = 0; i < end; i++) {
    auto& e = entries[i];
    if (is_adv(e)) {
      if (bpos < 0) { bpos = (int)p.rshape.size(); p.rshape.insert(p.rshape.end(), bshape.begin(), bshape.end()); }
    } else if (e.kind == IndexEntry::newaxis) {
      p.rshape.push_back(1);
    } else {
      pos[i] = (int)p.rshape.size();
      p.rshape.push_back(slice_spec(e, a.shape(axis)).len);
    }
    if (e.kind != IndexEntry::newaxis) axis++;
  }
  int rn = (int)p.rshape.size();
  axis = 0;
  for (size_t i = 0; i < end; i++) {
    auto& e = entries[i];
    if (e.kind == IndexEntry::newaxis) continue;
    Shape sh(rn, 1);
    Array ix;
    if (e.kind == IndexEntry::array || e.kind == IndexEntry::integer) {
      ix = e.kind == IndexEntry::array ? e.arr : scalar_index(e.value);
      int off = bpos + nb - ix.ndim();
      for (int d = 0; d < ix.ndim(); d++) sh[off + d] = ix.shape(d);
      p.idx.push_back(reshape(ix, sh, s));
      p.axes.push_back(axis);
    } else if (all_slices_indexed || !is_full(e, a.shape(axis))) {
      auto sp = slice_spec(e, a.shape(axis));
      sh[pos[i]] = sp.len;
      p.idx.push_back(reshape(iota_index(sp.start, sp.step, sp.len), sh, s));
      p.axes.push_back(axis);
    }
    axis++;
  }
  return p;
}

// MLX drops leading singleton dims of the update before broadcasting it to the indexed shape
// (only as many as needed here, which gives the same values with fewer graph nodes).
Array fit_update(Array v, const Shape& target, StreamOrDevice s) {
  int k = 0;
  while (v.ndim() - k > (int)target.size() && v.shape(k) == 1) k++;
  if (k > 0) v = reshape(v, Shape(v.shape().begin() + k, v.shape().end()), s);
  return broadcast_to(v, target, s);
}

}  // namespace

Array get_item(const Array& a, const std::vector<IndexEntry>& in, StreamOrDevice s) {
  auto ex = expand(a, in, "index");
  if (!ex.has_array) return basic_get(a, ex.entries, s);
  // Slices are applied as views first; the gather then only covers the advanced axes.
  std::vector<IndexEntry> rest;  // entries of the sliced view: slices become full
  Shape start, stop, step;
  int axis = 0;
  for (auto& e : ex.entries) {
    if (e.kind == IndexEntry::newaxis) { rest.push_back(e); continue; }
    int64_t n = a.shape(axis++);
    if (e.kind == IndexEntry::slice) {
      auto sp = slice_spec(e, n);
      start.push_back(sp.start); stop.push_back(sp.start + sp.step * sp.len); step.push_back(sp.step);
      if (stop.back() < 0) stop.back() = -n - 1;
      rest.push_back(IndexEntry{});
    } else {
      start.push_back(0); stop.push_back(n); step.push_back(1);
      rest.push_back(e);
    }
  }
  Array v = mlx::slice(a, start, stop, step, s);
  Plan p = plan_indices(v, rest, rest.size(), false, s);
  // Gather over the advanced axes: output = broadcast(p.idx) + window; the window keeps the
  // sliced dims (full) and has 1 at the advanced axes.
  Shape sizes = v.shape();
  for (int ax : p.axes) sizes[ax] = 1;
  // The index arrays are laid out for the final result (rank rn); gather wants only the
  // B block, so squeeze the slice/None dims out first.
  bool first = gather_first(rest);
  Shape bshape;
  for (auto& e : rest) if (e.kind == IndexEntry::array) bshape = broadcast_shapes(bshape, e.arr.shape());
  int nb = (int)bshape.size();
  int bpos = 0;
  if (!first) {
    for (auto& e : rest) { if (is_adv(e)) break; bpos++; }
  }
  std::vector<Array> gidx;
  for (auto& ix : p.idx) {
    Shape sh(ix.shape().begin() + bpos, ix.shape().begin() + bpos + nb);
    gidx.push_back(reshape(ix, sh, s));
  }
  Array g = gather(v, gidx, p.axes, sizes, s);  // B + v dims (1 at adv axes)
  Shape gs = bshape;
  for (int d = 0; d < v.ndim(); d++)
    if (std::find(p.axes.begin(), p.axes.end(), d) == p.axes.end()) gs.push_back(v.shape(d));
  g = reshape(g, gs, s);
  // Move B to its position (after the dims of the entries before the first advanced index).
  if (bpos > 0 && nb > 0) {
    int lead = 0;  // slice dims before the B block
    for (int i = 0; i < bpos; i++) lead += rest[i].kind == IndexEntry::slice;
    std::vector<int> perm;
    for (int i = 0; i < lead; i++) perm.push_back(nb + i);
    for (int i = 0; i < nb; i++) perm.push_back(i);
    for (int i = nb + lead; i < g.ndim(); i++) perm.push_back(i);
    g = transpose(g, perm, s);
  }
  return reshape(g, p.rshape, s);
}

Array update_item(const Array& a, const std::vector<IndexEntry>& in, const Array& v_in, UpdateOp op,
                  StreamOrDevice s) {
  const char* name = op == UpdateOp::set ? "index_put" : "at";
  // a[mask] = v: MLX's boolean-mask assignment.
  if (in.size() == 1 && in[0].kind == IndexEntry::array && in[0].arr.valid() && in[0].arr.dtype() == Dtype::bool_) {
    check(op == UpdateOp::set, ErrorCode::invalid_argument,
          op_msg(name, "Boolean masks are only supported for plain assignment."));
    return masked_scatter(a, in[0].arr, v_in, s);
  }
  auto ex = expand(a, in, name);
  Array v = v_in;
  ScatterReduce r = ScatterReduce::none;
  switch (op) {
    case UpdateOp::set: break;
    case UpdateOp::add: r = ScatterReduce::sum; break;
    case UpdateOp::subtract: r = ScatterReduce::sum; v = unary_update(v, IndexUpdateUnary::negative, s); break;
    case UpdateOp::multiply: r = ScatterReduce::prod; break;
    case UpdateOp::divide: r = ScatterReduce::prod; v = unary_update(v, IndexUpdateUnary::reciprocal, s); break;
    case UpdateOp::maximum: r = ScatterReduce::max; break;
    case UpdateOp::minimum: r = ScatterReduce::min; break;
  }
  if (!ex.has_array && op == UpdateOp::set) {
    Shape start, stop, step, rshape, sliced;
    int axis = 0;
    for (auto& e : ex.entries) {
      if (e.kind == IndexEntry::newaxis) { rshape.push_back(1); continue; }
      int64_t n = a.shape(axis++);
      if (e.kind == IndexEntry::integer) {
        start.push_back(e.value); stop.push_back(e.value + 1); step.push_back(1); sliced.push_back(1);
      } else {
        auto sp = slice_spec(e, n);
        start.push_back(sp.start); stop.push_back(sp.start + sp.step * sp.len); step.push_back(sp.step);
        if (stop.back() < 0) stop.back() = -n - 1;
        rshape.push_back(sp.len); sliced.push_back(sp.len);
      }
    }
    Array upd = reshape(fit_update(v, rshape, s), sliced, s);
    return mlx::slice_update(a, upd, start, stop, step, s);
  }
  // Entries after the last non-full one (all full slices, no None) stay as the update window.
  size_t end = ex.entries.size();
  {
    int axis = a.ndim();
    while (end > 0) {
      auto& e = ex.entries[end - 1];
      if (e.kind != IndexEntry::slice || !is_full(e, a.shape(axis - 1))) break;
      end--;
      axis--;
    }
  }
  Plan p = plan_indices(a, ex.entries, end, true, s);
  int ntrail = (int)(ex.entries.size() - end);
  Shape full = p.rshape;
  for (int d = a.ndim() - ntrail; d < a.ndim(); d++) full.push_back(a.shape(d));
  Array vb = fit_update(v, full, s);
  if (shape_size(full) == 0) return a;
  // Broadcast every index to rshape so the scatter iterates the result positions.
  for (auto& ix : p.idx) ix = broadcast_to(ix, p.rshape, s);
  Shape us = p.rshape;
  for (int d = 0; d < a.ndim() - ntrail; d++) us.push_back(1);
  for (int d = a.ndim() - ntrail; d < a.ndim(); d++) us.push_back(a.shape(d));
  return scatter(a, p.idx, reshape(vb, us, s), p.axes, r, s);
}

}  // namespace mlx
