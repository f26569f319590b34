#include "manip.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "../primitives/manip.h"
#include "binary.h"
#include "creation.h"
#include "indexing.h"
#include "matmul.h"
#include "reduce.h"
#include "shape.h"
#include "sort.h"

namespace mlx {

namespace {

[[noreturn]] void fail(ErrorCode c, const std::string& m) { throw_error(c, m); }

// An evaluated int32 index vector built on the host (small: one entry per output row/column).
template <typename F> Array host_indices(int64_t n, F f) {
  Array out = Array::empty({n}, Dtype::int32);
  auto* p = out.data<int32_t>();
  for (int64_t i = 0; i < n; i++) p[i] = (int32_t)f(i);
  return out;
}

int64_t pos_mod(int64_t a, int64_t n) { int64_t r = a % n; return r < 0 ? r + n : r; }

}  // namespace

// ---- pad ----
Array pad(const Array& a, const std::vector<std::pair<int64_t, int64_t>>& widths, const Array& value,
          const std::string& mode, StreamOrDevice s) {
  int nd = a.ndim();
  if (widths.size() != 1 && (int)widths.size() != nd)
    fail(ErrorCode::shape, "[pad] Invalid number of padding sizes passed to pad with axes of size " +
                               std::to_string(nd));
  std::vector<std::pair<int64_t, int64_t>> w(nd);
  for (int i = 0; i < nd; i++) {
    w[i] = widths.size() == 1 ? widths[0] : widths[i];
    if (w[i].first < 0 || w[i].second < 0)
      fail(ErrorCode::invalid_argument, "[pad] Invalid padding size (" +
                                            std::to_string(std::min(w[i].first, w[i].second)) +
                                            ") for axis " + std::to_string(i) + ". Padding sizes must be non-negative");
  }
  if (mode != "constant" && mode != "edge" && mode != "reflect" && mode != "symmetric")
    fail(ErrorCode::invalid_argument, "[pad] Invalid padding mode (" + mode + ") passed to pad");
  if (value.size() != 1) fail(ErrorCode::shape, "[pad] The padding value must be a scalar.");
  Shape out_shape = a.shape();
  for (int i = 0; i < nd; i++) out_shape[i] += w[i].first + w[i].second;
  // Empty inputs have no edge to copy: MLX pads them with the constant.
  if (mode == "constant" || a.size() == 0) {
    Array v = astype(reshape(value, {}, s), a.dtype(), s);
    bool any = false;
    for (auto& p : w) any |= p.first || p.second;
    if (!any) return a;
    Array base = full(out_shape, v, a.dtype(), s);
    Shape start(nd), stop(nd), step(nd, 1);
    for (int i = 0; i < nd; i++) start[i] = w[i].first, stop[i] = w[i].first + a.shape(i);
    return slice_update(base, a, start, stop, step, s);
  }
  // edge / reflect / symmetric: per padded axis, concatenate slices of the edges (one copy, and
  // slices/concatenate have every transform rule); widths past one reflection fall back to take.
  Array x = a;
  for (int ax = 0; ax < nd; ax++) {
    auto [lo, hi] = w[ax];
    if (!lo && !hi) continue;
    int64_t n = a.shape(ax);
    auto part = [&](int64_t b, int64_t e, int64_t st) {  // x[b:e:st] along ax; e < 0 means "past index 0"
      Shape start(nd, 0), stop = x.shape(), step(nd, 1);
      start[ax] = b, stop[ax] = e < 0 ? -n - 1 : e, step[ax] = st;
      return slice(x, start, stop, step, s);
    };
    bool fits = mode == "edge" || (mode == "reflect" ? n > 1 && lo < n && hi < n : lo <= n && hi <= n);
    if (fits) {
      std::vector<Array> parts;
      if (mode == "edge") {
        Shape bl = x.shape(), bh = x.shape();
        bl[ax] = lo, bh[ax] = hi;
        if (lo) parts.push_back(broadcast_to(part(0, 1, 1), bl, s));
        parts.push_back(x);
        if (hi) parts.push_back(broadcast_to(part(n - 1, n, 1), bh, s));
      } else if (mode == "reflect") {
        if (lo) parts.push_back(part(lo, 0, -1));
        parts.push_back(x);
        if (hi) parts.push_back(part(n - 2, n - 2 - hi, -1));
      } else {
        if (lo) parts.push_back(part(lo - 1, -1, -1));
        parts.push_back(x);
        if (hi) parts.push_back(part(n - 1, n - 1 - hi, -1));
      }
      x = concatenate(parts, ax, s);
      continue;
    }
    Array idx = host_indices(n + lo + hi, [&](int64_t i) -> int64_t {
      int64_t j = i - lo;
      if (mode == "edge") return std::clamp<int64_t>(j, 0, n - 1);
      if (mode == "reflect") {
        if (n == 1) return 0;
        int64_t m = pos_mod(j, 2 * (n - 1));
        return m >= n ? 2 * (n - 1) - m : m;
      }
      int64_t m = pos_mod(j, 2 * n);  // symmetric: the edge value repeats
      return m >= n ? 2 * n - 1 - m : m;
    });
    x = take(x, idx, ax, s);
  }
  return x;
}

// ---- tile / repeat / roll / flip ----
Array tile(const Array& a, std::vector<int64_t> reps, StreamOrDevice s) {
  for (auto r : reps)
    if (r < 0) fail(ErrorCode::invalid_argument, "[tile] Negative repetitions are not allowed.");
  int nd = std::max<int>(a.ndim(), (int)reps.size());
  reps.insert(reps.begin(), nd - reps.size(), 1);
  Shape ash = a.shape();
  ash.insert(ash.begin(), nd - ash.size(), 1);
  Shape expand, bshape, final_shape;
  for (int i = 0; i < nd; i++) {
    expand.push_back(1), expand.push_back(ash[i]);
    bshape.push_back(reps[i]), bshape.push_back(ash[i]);
    final_shape.push_back(reps[i] * ash[i]);
  }
  return reshape(broadcast_to(reshape(a, expand, s), bshape, s), final_shape, s);
}

Array repeat(const Array& a, int64_t repeats, std::optional<int> axis, StreamOrDevice s) {
  if (repeats < 0) fail(ErrorCode::invalid_argument, "[repeat] Number of repeats cannot be negative");
  if (!axis) return repeat(flatten(a, 0, -1, s), repeats, 0, s);
  if (*axis >= a.ndim() || *axis < -a.ndim())
    fail(ErrorCode::index, "[repeat] Axis " + std::to_string(*axis) + " is out of bounds for array with " +
                               std::to_string(a.ndim()) + " dimensions.");
  int ax = *axis < 0 ? *axis + a.ndim() : *axis;
  Shape bshape = a.shape(), final_shape = a.shape();
  bshape.insert(bshape.begin() + ax + 1, repeats);
  final_shape[ax] *= repeats;
  return reshape(broadcast_to(expand_dims(a, {ax + 1}, s), bshape, s), final_shape, s);
}

Array roll(const Array& a, const std::vector<int64_t>& shifts, const std::optional<std::vector<int>>& axes,
           StreamOrDevice s) {
  if (!axes) {
    int64_t total = 0;
    for (auto v : shifts) total += v;
    Array f = flatten(a, 0, -1, s);
    return reshape(roll(f, {total}, std::vector<int>{0}, s), a.shape(), s);
  }
  if (shifts.size() != 1 && shifts.size() < axes->size())
    fail(ErrorCode::invalid_argument, "[roll] Shift and axes must have the same size (got " +
                                          std::to_string(shifts.size()) + " and " + std::to_string(axes->size()) + ").");
  Array x = a;
  for (size_t i = 0; i < axes->size(); i++) {
    int ax0 = (*axes)[i];
    if (ax0 >= a.ndim() || ax0 < -a.ndim())
      fail(ErrorCode::index, "[roll] Invalid axis " + std::to_string(ax0) + " for array with " +
                                 std::to_string(a.ndim()) + " dimensions.");
    int ax = ax0 < 0 ? ax0 + a.ndim() : ax0;
    int64_t n = a.shape(ax);
    if (n == 0) continue;
    int64_t k = pos_mod(shifts.size() == 1 ? shifts[0] : shifts[i], n);
    if (k == 0) continue;
    Shape st(a.ndim(), 0), sp = x.shape(), step(a.ndim(), 1);
    Shape st2 = st, sp2 = sp;
    st[ax] = n - k;        // the last k elements come first
    sp2[ax] = n - k;
    x = concatenate({slice(x, st, sp, step, s), slice(x, st2, sp2, step, s)}, ax, s);
  }
  return x;
}

Array flip(const Array& a, const std::optional<std::vector<int>>& axes, StreamOrDevice s) {
  std::vector<int> ax;
  if (axes) ax = normalize_axes(*axes, a.ndim(), "flip");
  else { ax.resize(a.ndim()); std::iota(ax.begin(), ax.end(), 0); }
  if (ax.empty()) return a;
  Shape start(a.ndim(), 0), stop = a.shape(), step(a.ndim(), 1);
  for (int i : ax) {
    int64_t n = a.shape(i);
    start[i] = n - 1, stop[i] = -n - 1, step[i] = -1;  // Python slice [::-1]
  }
  return slice(a, start, stop, step, s);
}

// ---- diagonals and triangles ----
Array diagonal(const Array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
  int nd = a.ndim();
  if (nd < 2)
    fail(ErrorCode::shape, "[diagonal] Array must have at least two dimensions, but got " + std::to_string(nd) +
                               " dimensions.");
  int ax1 = normalize_axis(axis1, nd, "diagonal"), ax2 = normalize_axis(axis2, nd, "diagonal");
  if (ax1 == ax2) fail(ErrorCode::invalid_argument, "[diagonal] axis1 and axis2 cannot be the same axis");
  int64_t n1 = a.shape(ax1), n2 = a.shape(ax2);
  int64_t d = std::max<int64_t>(0, offset >= 0 ? std::min(n1, n2 - offset) : std::min(n1 + offset, n2));
  Shape rest;
  for (int i = 0; i < nd; i++)
    if (i != ax1 && i != ax2) rest.push_back(a.shape(i));
  if (d == 0) {
    rest.push_back(0);
    return zeros(rest, a.dtype(), s);
  }
  int64_t r0 = std::max(0, -offset), c0 = std::max(0, offset);
  Array i1 = host_indices(d, [&](int64_t i) { return i + r0; });
  Array i2 = host_indices(d, [&](int64_t i) { return i + c0; });
  Shape sizes = a.shape();
  sizes[ax1] = 1, sizes[ax2] = 1;
  Array g = gather(a, {i1, i2}, {ax1, ax2}, sizes, s);  // [d] + sizes
  g = squeeze(g, {ax1 + 1, ax2 + 1}, s);                // [d] + rest
  return moveaxis(g, 0, -1, s);
}

Array diag(const Array& a, int k, StreamOrDevice s) {
  if (a.ndim() == 2) return diagonal(a, k, 0, 1, s);
  if (a.ndim() != 1)
    fail(ErrorCode::shape, "[diag] array must be 1-D or 2-D, got array with " + std::to_string(a.ndim()) +
                               " dimensions.");
  int64_t len = a.shape(0), n = len + std::abs(k);
  Array z = zeros({n, n}, a.dtype(), s);
  if (len == 0) return z;
  int64_t r0 = std::max(0, -k), c0 = std::max(0, k);
  Array ri = host_indices(len, [&](int64_t i) { return i + r0; });
  Array ci = host_indices(len, [&](int64_t i) { return i + c0; });
  return scatter(z, {ri, ci}, reshape(a, {len, 1, 1}, s), {0, 1}, ScatterReduce::none, s);
}

Array trace(const Array& a, int offset, int axis1, int axis2, std::optional<Dtype> dt, StreamOrDevice s) {
  Array d = diagonal(a, offset, axis1, axis2, s);
  if (dt) d = astype(d, *dt, s);
  return sum(d, std::vector<int>{-1}, false, s);
}

static Array triangle(const Array& a, int k, bool lower, const char* name, StreamOrDevice s) {
  if (a.ndim() < 2) fail(ErrorCode::shape, std::string("[") + name + "] array must be at least 2-D");
  int64_t n = a.shape(-2), m = a.shape(-1);
  // tril keeps j <= i + k (tri(k)); triu keeps j >= i + k, i.e. not tri(k - 1).
  Array mask = tri(n, m, lower ? k : k - 1, Dtype::bool_, s);
  Array z = zeros({}, a.dtype(), s);
  return lower ? where(mask, a, z, s) : where(mask, z, a, s);
}
Array tril(const Array& a, int k, StreamOrDevice s) { return triangle(a, k, true, "tril", s); }
Array triu(const Array& a, int k, StreamOrDevice s) { return triangle(a, k, false, "triu", s); }

// ---- grids and dimension helpers ----
std::vector<Array> meshgrid(const std::vector<Array>& arrays, bool sparse, const std::string& indexing,
                            StreamOrDevice s) {
  if (indexing != "xy" && indexing != "ij")
    fail(ErrorCode::invalid_argument, "[meshgrid] Invalid indexing value. Valid values are 'xy' and 'ij'.");
  int n = (int)arrays.size();
  if (n == 0) return {};
  std::vector<Array> flat;
  for (auto& x : arrays) flat.push_back(flatten(x, 0, -1, s));  // MLX flattens N-d inputs
  std::vector<Array> out;
  Shape full_shape;
  for (auto& x : flat) full_shape.push_back(x.size());
  if (indexing == "xy" && n > 1) std::swap(full_shape[0], full_shape[1]);
  for (int i = 0; i < n; i++) {
    Shape sh(n, 1);
    int pos = i;
    if (indexing == "xy" && n > 1 && i < 2) pos = 1 - i;
    sh[pos] = flat[i].size();
    Array r = reshape(flat[i], sh, s);
    out.push_back(sparse ? r : broadcast_to(r, full_shape, s));
  }
  return out;
}

Array atleast_nd(const Array& a, int n, StreamOrDevice s) {
  if (a.ndim() >= n) return a;
  if (n == 1) return reshape(a, {1}, s);
  if (n == 2) return a.ndim() == 0 ? reshape(a, {1, 1}, s) : expand_dims(a, {0}, s);
  // 3-D: () -> (1,1,1), (n,) -> (1,n,1), (m,n) -> (m,n,1)
  if (a.ndim() == 0) return reshape(a, {1, 1, 1}, s);
  if (a.ndim() == 1) return expand_dims(a, {0, 2}, s);
  return expand_dims(a, {2}, s);
}

std::vector<Array> unstack(const Array& a, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) fail(ErrorCode::shape, "[unstack] No axis to unstack in a 0-d array.");
  int ax = normalize_axis(axis, a.ndim(), "unstack");
  std::vector<Array> out;
  int64_t n = a.shape(ax);
  if (n == 0) return out;
  for (auto& p : split(a, (int)n, ax, s)) out.push_back(squeeze(p, {ax}, s));
  return out;
}

// ---- views ----
Array as_strided(const Array& a, Shape shape, Strides strides, int64_t offset, StreamOrDevice s) {
  if (shape.size() != strides.size())
    fail(ErrorCode::shape, "[as_strided] shape and strides must have the same length (got " +
                               std::to_string(shape.size()) + " and " + std::to_string(strides.size()) + ").");
  int64_t size = shape_size(shape);
  // Unlike MLX, reject views that reach outside the input: they would read foreign memory.
  if (size > 0) {
    int64_t lo = offset, hi = offset;
    for (size_t i = 0; i < shape.size(); i++) {
      int64_t span = (shape[i] - 1) * strides[i];
      (span < 0 ? lo : hi) += span;
    }
    if (lo < 0 || hi >= a.size())
      fail(ErrorCode::index, "[as_strided] The view reaches elements [" + std::to_string(lo) + ", " +
                                 std::to_string(hi) + "] outside an input of " + std::to_string(a.size()) +
                                 " elements.");
  }
  Array f = flatten(a, 0, -1, s);
  return Array(std::move(shape), a.dtype(), std::make_shared<AsStrided>(to_stream(s), shape, strides, offset), {f});
}

Array view(const Array& a, Dtype dt, StreamOrDevice s) {
  if (a.dtype() == dt) return a;
  int ib = dtype_size(a.dtype()), ob = dtype_size(dt);
  Shape shape = a.shape();
  if (ib != ob) {
    if (a.ndim() == 0)
      fail(ErrorCode::shape, "[view] Changing the type of a scalar is only allowed for types with the same size.");
    if (ib < ob) {
      if ((shape.back() * ib) % ob != 0)
        fail(ErrorCode::shape, "[view] When viewing as a larger dtype, the size in bytes of the last axis must be "
                               "a multiple of the requested type size.");
      shape.back() = shape.back() * ib / ob;
    } else {
      shape.back() = shape.back() * (ib / ob);
    }
  }
  // Bytes viewed as bool must read as 0/1 everywhere: normalise them (a copy, not a view).
  if (dt == Dtype::bool_) return not_equal(view(a, Dtype::uint8, s), Array::scalar_int(0, Dtype::uint8), s);
  return Array(std::move(shape), dt, std::make_shared<View>(to_stream(s), dt), {a});
}

// ---- products ----
Array kron(const Array& a, const Array& b, StreamOrDevice s) {
  if (a.size() == 0 || b.size() == 0) fail(ErrorCode::shape, "[kron] Input arrays cannot be empty.");
  int nd = std::max(a.ndim(), b.ndim());
  Shape as = a.shape(), bs = b.shape();
  as.insert(as.begin(), nd - as.size(), 1);
  bs.insert(bs.begin(), nd - bs.size(), 1);
  Shape ae, be, out;
  for (int i = 0; i < nd; i++) {
    ae.push_back(as[i]), ae.push_back(1);
    be.push_back(1), be.push_back(bs[i]);
    out.push_back(as[i] * bs[i]);
  }
  return reshape(multiply(reshape(a, ae, s), reshape(b, be, s), s), out, s);
}

Array outer(const Array& a, const Array& b, StreamOrDevice s) {
  return multiply(reshape(a, {-1, 1}, s), flatten(b, 0, -1, s), s);
}

Array tensordot(const Array& a, const Array& b, const std::vector<int>& axes_a, const std::vector<int>& axes_b,
                StreamOrDevice s) {
  if (axes_a.size() != axes_b.size())
    fail(ErrorCode::invalid_argument, "[tensordot] axes must have the same number of elements for a and b.");
  std::vector<int> ca, cb;
  for (size_t i = 0; i < axes_a.size(); i++) {
    int x = normalize_axis(axes_a[i], a.ndim(), "tensordot"), y = normalize_axis(axes_b[i], b.ndim(), "tensordot");
    if (a.shape(x) != b.shape(y))
      fail(ErrorCode::shape, "[tensordot] a and b must have the same shape on the contracted axes.");
    ca.push_back(x), cb.push_back(y);
  }
  std::vector<int> fa, fb;
  Shape out;
  int64_t m = 1, n = 1, k = 1;
  for (int i = 0; i < a.ndim(); i++)
    if (std::find(ca.begin(), ca.end(), i) == ca.end()) fa.push_back(i), out.push_back(a.shape(i)), m *= a.shape(i);
  for (int i = 0; i < b.ndim(); i++)
    if (std::find(cb.begin(), cb.end(), i) == cb.end()) fb.push_back(i), out.push_back(b.shape(i)), n *= b.shape(i);
  for (int x : ca) k *= a.shape(x);
  std::vector<int> pa = fa, pb = cb;
  pa.insert(pa.end(), ca.begin(), ca.end());
  pb.insert(pb.end(), fb.begin(), fb.end());
  Array am = reshape(transpose(a, pa, s), {m, k}, s), bm = reshape(transpose(b, pb, s), {k, n}, s);
  return reshape(matmul(am, bm, s), out, s);
}

Array tensordot(const Array& a, const Array& b, int axes, StreamOrDevice s) {
  if (axes < 0 || axes > a.ndim() || axes > b.ndim())
    fail(ErrorCode::invalid_argument, "[tensordot] axis must be less than the number of dimensions of a and b.");
  std::vector<int> xa, xb;
  for (int i = 0; i < axes; i++) xa.push_back(a.ndim() - axes + i), xb.push_back(i);
  return tensordot(a, b, xa, xb, s);
}

Array inner(const Array& a, const Array& b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) return multiply(a, b, s);
  if (a.shape(-1) != b.shape(-1))
    fail(ErrorCode::shape, "[inner] a and b must have the same last dimension (got " + shape_str(a.shape()) +
                               " and " + shape_str(b.shape()) + ").");
  return tensordot(a, b, {-1}, {-1}, s);
}

// ---- Hadamard ----
Array hadamard_transform(const Array& a, std::optional<float> scale, StreamOrDevice s) {
  if (a.size() == 0) fail(ErrorCode::shape, "[hadamard_transform] Does not support empty arrays.");
  int64_t n = a.ndim() ? a.shape(-1) : 1;
  int64_t p = n;
  while (p % 2 == 0) p /= 2;
  if (p != 1 && p != 3 && p != 5 && p != 7)
    fail(ErrorCode::invalid_argument, "[hadamard] Only supports n = m*2^k where m in (1, 12, 20, 28).");
  int64_t m = p == 1 ? 1 : p * 4;
  if (n % m != 0)
    fail(ErrorCode::invalid_argument, "[hadamard] Only supports n = m*2^k where m in (1, 12, 20, 28).");
  float sc = scale ? *scale : 1.0f / std::sqrt((float)n);
  Dtype dt = is_floating(a.dtype()) ? a.dtype() : Dtype::float32;
  Array x = dt != a.dtype() ? astype(a, dt, s) : a;
  return Array(x.shape(), dt, std::make_shared<Hadamard>(to_stream(s), sc), {x});
}

// ---- median ----
Array median(const Array& a, const std::optional<std::vector<int>>& axes, bool keepdims, StreamOrDevice s) {
  std::vector<int> ax;
  if (axes) ax = normalize_axes(*axes, a.ndim(), "median");
  else { ax.resize(a.ndim()); std::iota(ax.begin(), ax.end(), 0); }
  Dtype dt = is_floating(a.dtype()) ? a.dtype() : Dtype::float32;
  // Move the reduced axes last and merge them.
  std::vector<int> perm;
  Shape kept, keep_shape = a.shape();
  for (int i = 0; i < a.ndim(); i++)
    if (std::find(ax.begin(), ax.end(), i) == ax.end()) perm.push_back(i), kept.push_back(a.shape(i));
  int64_t n = 1;
  for (int i : ax) perm.push_back(i), n *= a.shape(i), keep_shape[i] = 1;
  if (n == 0) fail(ErrorCode::shape, "[median] Cannot take median along empty axis.");
  Shape flat = kept;
  flat.push_back(n);
  Array x = reshape(transpose(a, perm, s), flat, s);
  int64_t h = n / 2;
  // Partition puts the order statistic at h; for even n the other middle is the max below it.
  Array part = partition(x, (int)h, -1, s);
  int fd = (int)flat.size();
  Shape st(fd, 0), sp = flat, step(fd, 1);
  st.back() = h, sp.back() = h + 1;
  Array mid = astype(slice(part, st, sp, step, s), dt, s);
  if (n % 2 == 0) {
    Shape st2(fd, 0), sp2 = flat;
    sp2.back() = h;
    Array lo = astype(max(slice(part, st2, sp2, step, s), std::vector<int>{-1}, true, s), dt, s);
    mid = multiply(add(mid, lo, s), Array::scalar(0.5, dt), s);
  }
  return reshape(mid, keepdims ? keep_shape : kept, s);
}

}  // namespace mlx
