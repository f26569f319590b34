#include "random.h"

#include <chrono>
#include <mutex>

#include "../primitives/random.h"
#include "shape.h"

namespace mlx::random {

namespace {

using RT = RandomTransform;

// The global key sequence. Splitting a concrete key needs only two hashes, so the state stays a
// plain pair of words (no lazy graph grows across calls) and each call returns a constant key.
struct KeyState {
  std::mutex m;
  uint32_t k[2];
  KeyState() {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch()).count();
    k[0] = (uint32_t)((uint64_t)ms >> 32), k[1] = (uint32_t)ms;
  }
};
KeyState& state() {
  static KeyState s;
  return s;
}

Array make_key(uint32_t a, uint32_t b) {
  Array k = Array::empty({2}, Dtype::uint32);
  k.data<uint32_t>()[0] = a;
  k.data<uint32_t>()[1] = b;
  return k;
}

Array resolve(const Key& key) { return key ? *key : next_key(); }

Array transform(RT::Kind kind, const Shape& shape, Dtype dt, std::vector<Array> inputs, StreamOrDevice s,
                bool has_scale = false, bool has_loc = false, float scale = 1, float loc = 0) {
  auto st = to_stream(s);
  return Array(shape, dt, std::make_shared<RT>(st, kind, dt, has_scale, has_loc, scale, loc), std::move(inputs));
}

void check_float(Dtype dt, const char* msg) {
  check(is_floating(dt), ErrorCode::dtype, msg);
}

// uniform()'s shape rule: the broadcast of shape with low/high must be shape itself.
void check_bounds_shape(const char* op, const Shape& shape, const Array& lo, const Array& hi) {
  Shape b = broadcast_shapes(shape, broadcast_shapes(lo.shape(), hi.shape()));
  if (b != shape)
    throw_error(ErrorCode::shape, std::string("[") + op + "] Cannot generate random values of shape " +
                                      shape_str(shape) + " from broadcasted shape " + shape_str(b) + ".");
}

void check_half_or_single(Dtype dt) {
  check(dt != Dtype::float64, ErrorCode::dtype, "[uniform] Unsupported type.");
}

}  // namespace

Array key(uint64_t seed) { return make_key((uint32_t)(seed >> 32), (uint32_t)seed); }

void seed(uint64_t s) {
  auto& st = state();
  std::lock_guard<std::mutex> g(st.m);
  st.k[0] = (uint32_t)(s >> 32), st.k[1] = (uint32_t)s;
}

// split(key) is bits({2, 2}): words (w0, w2) = hash(0, 2), (w1, w3) = hash(1, 3); MLX keeps row 0.
Array next_key() {
  auto& st = state();
  std::lock_guard<std::mutex> g(st.m);
  uint32_t w0, w1, w2, w3;
  threefry2x32(st.k[0], st.k[1], 0, 2, w0, w2);
  threefry2x32(st.k[0], st.k[1], 1, 3, w1, w3);
  st.k[0] = w0, st.k[1] = w1;
  return make_key(w2, w3);
}

Array bits(const Shape& shape, int width, const Key& key_, StreamOrDevice s) {
  Array k = resolve(key_);
  if (k.dtype() != Dtype::uint32)
    throw_error(ErrorCode::dtype,
                std::string("[bits] Expected key type uint32 but received ") + dtype_name(k.dtype()) + ".");
  if (k.shape() != Shape{2})
    throw_error(ErrorCode::shape, "[bits] Expected key shape (2) but received " + shape_str(k.shape()) + ".");
  Dtype dt;
  switch (width) {
    case 4: dt = Dtype::uint32; break;
    case 2: dt = Dtype::uint16; break;
    case 1: dt = Dtype::uint8; break;
    default:
      throw_error(ErrorCode::invalid_argument,
                  "[bits] Bit width must be in {1, 2, 4} but got " + std::to_string(width) + ".");
  }
  shape_size(shape);  // rejects negative dims
  return Array(shape, dt, std::make_shared<RandomBits>(to_stream(s), shape, width), {k});
}

Array split(const Array& key, int num, StreamOrDevice s) {
  check(num >= 0, ErrorCode::shape, "[split] Number of keys must be non-negative.");
  return bits({num, 2}, 4, key, s);
}

Array uniform(const Array& low, const Array& high, const Shape& shape, Dtype dtype, const Key& key,
              StreamOrDevice s) {
  Array k = resolve(key);
  check_float(dtype, "[uniform] Can only generate uniform numbers with real floating point type.");
  Array lo = astype(low, dtype, s), hi = astype(high, dtype, s);
  check_bounds_shape("uniform", shape, lo, hi);
  check_half_or_single(dtype);
  Array b = bits(shape, 4, k, s);
  return transform(RT::uniform, shape, dtype, {b, broadcast_to(lo, shape, s), broadcast_to(hi, shape, s)}, s);
}

Array normal(const Shape& shape, Dtype dtype, const std::optional<Array>& loc, const std::optional<Array>& scale,
             const Key& key, StreamOrDevice s) {
  Array k = resolve(key);
  bool cplx = dtype == Dtype::complex64;
  check(cplx || is_floating(dtype), ErrorCode::dtype,
        "[normal] Only floating point and complex64 types are supported.");
  Shape out = shape;
  if (scale) out = broadcast_shapes(out, scale->shape());
  if (loc) out = broadcast_shapes(out, loc->shape());
  Dtype pdt = cplx ? Dtype::float32 : dtype;
  std::vector<Array> in;
  if (cplx) {
    Shape bs = shape, bo = out;
    bs.push_back(2), bo.push_back(2);
    in.push_back(broadcast_to(bits(bs, 4, k, s), bo, s));
  } else {
    in.push_back(broadcast_to(bits(shape, 4, k, s), out, s));
  }
  if (scale) in.push_back(broadcast_to(astype(*scale, pdt, s), out, s));
  if (loc) in.push_back(broadcast_to(astype(*loc, pdt, s), out, s));
  return transform(cplx ? RT::complex_normal : RT::normal, out, dtype, std::move(in), s, (bool)scale, (bool)loc);
}

Array randint(const Array& low, const Array& high, const Shape& shape, Dtype dtype, const Key& key,
              StreamOrDevice s) {
  Array k = resolve(key);
  check(!is_inexact(dtype), ErrorCode::dtype, "[randint] randint only accepts integer dtypes and bool.");
  check(!is_inexact(low.dtype()) || is_floating(low.dtype()), ErrorCode::dtype, "[randint] low must be real.");
  check(!is_inexact(high.dtype()) || is_floating(high.dtype()), ErrorCode::dtype, "[randint] high must be real.");
  Array lf = astype(low, Dtype::float32, s), hf = astype(high, Dtype::float32, s);
  check_bounds_shape("uniform", shape, lf, hf);
  Array b = bits(shape, 4, k, s);
  // high - 1 is evaluated in promote(high, int32), as MLX's subtract(high, 1) does.
  Array hp = astype(high, promote_types(high.dtype(), Dtype::int32), s);
  return transform(RT::randint, shape, dtype,
                   {b, broadcast_to(lf, shape, s), broadcast_to(hf, shape, s),
                    broadcast_to(astype(low, dtype, s), shape, s), broadcast_to(hp, shape, s)},
                   s);
}

Array bernoulli(const Array& p, const std::optional<Shape>& shape_, const Key& key, StreamOrDevice s) {
  Array k = resolve(key);
  check(is_floating(p.dtype()), ErrorCode::dtype, "[bernoulli] bernoulli probability `p` must be a float type.");
  Shape shape = shape_ ? *shape_ : p.shape();
  if (broadcast_shapes(shape, p.shape()) != shape)
    throw_error(ErrorCode::shape, "[bernoulli] shape of `p` is incompatible with argument `shape`.");
  // p * nextafter(2^32, inf) is computed in promote(p, float32).
  Array pc = astype(p, promote_types(p.dtype(), Dtype::float32), s);
  Array b = bits(shape, 4, k, s);
  return transform(RT::bernoulli, shape, Dtype::bool_, {b, broadcast_to(pc, shape, s)}, s);
}

Array truncated_normal(const Array& lower, const Array& upper, const std::optional<Shape>& shape_, Dtype dtype,
                       const Key& key, StreamOrDevice s) {
  Array k = resolve(key);
  check_float(dtype, "[trunc_normal] trunc_normal only accepts floating point dtypes.");
  Shape shape = shape_ ? *shape_ : broadcast_shapes(lower.shape(), upper.shape());
  Array lo = astype(lower, dtype, s), hi = astype(upper, dtype, s);
  check_bounds_shape("uniform", shape, lo, hi);
  check_half_or_single(dtype);
  Array b = bits(shape, 4, k, s);
  return transform(RT::truncated_normal, shape, dtype, {b, broadcast_to(lo, shape, s), broadcast_to(hi, shape, s)},
                   s);
}

Array gumbel(const Shape& shape, Dtype dtype, const Key& key, StreamOrDevice s) {
  Array k = resolve(key);
  check_float(dtype, "[uniform] Can only generate uniform numbers with real floating point type.");
  check_half_or_single(dtype);
  return transform(RT::gumbel, shape, dtype, {bits(shape, 4, k, s)}, s);
}

Array laplace(const Shape& shape, Dtype dtype, float loc, float scale, const Key& key, StreamOrDevice s) {
  Array k = resolve(key);
  check_float(dtype, "[laplace] Can only generate uniform numbers with real floating point type.");
  return transform(RT::laplace, shape, dtype, {bits(shape, 4, k, s)}, s, false, false, scale, loc);
}

Array categorical(const Array& logits_, int axis, const std::optional<Shape>& shape_,
                  std::optional<int64_t> num_samples, const Key& key, StreamOrDevice s) {
  Array k = resolve(key);
  check(!(shape_ && num_samples), ErrorCode::invalid_argument,
        "[categorical] At most one of shape or num_samples can be specified.");
  int nd = logits_.ndim();
  int ax = axis < 0 ? axis + nd : axis;
  if (ax < 0 || ax >= nd)
    throw_error(ErrorCode::shape, "[categorical] Invalid axis " + std::to_string(axis) + " for logits with " +
                                      std::to_string(nd) + " dimensions.");
  check(!is_inexact(logits_.dtype()) || is_floating(logits_.dtype()), ErrorCode::dtype,
        "[categorical] logits must be real.");
  Array logits = logits_;
  Shape shape = logits.shape();
  shape.erase(shape.begin() + ax);
  if (shape_) {
    if (broadcast_shapes(*shape_, shape) != *shape_)
      throw_error(ErrorCode::shape, "[categorical] Requested shape " + shape_str(*shape_) +
                                        " is not broadcast compatible with reduced logits shape" + shape_str(shape) +
                                        ".");
    shape = *shape_;
  } else if (num_samples) {
    check(*num_samples >= 0, ErrorCode::shape, "[categorical] num_samples must be non-negative.");
    logits = expand_dims(logits, {-1}, s);
    shape = logits.shape();
    shape.erase(shape.begin() + ax);
    shape.back() = *num_samples;
  }
  // Gumbel-max: argmax over the category axis of gumbel noise + logits.
  Shape gshape = shape;
  int offset = ax + (int)shape.size() - logits.ndim() + 1;
  gshape.insert(gshape.begin() + offset, logits.shape(ax));
  Dtype pdt = promote_types(Dtype::float32, logits.dtype());
  if (pdt != Dtype::float64) pdt = Dtype::float32;
  Array g = astype(gumbel(gshape, Dtype::float32, k, s), pdt, s);
  Array l = broadcast_to(astype(logits, pdt, s), gshape, s);
  g = moveaxis(g, offset, -1, s), l = moveaxis(l, offset, -1, s);
  return Array(shape, Dtype::uint32, std::make_shared<RandomCategorical>(to_stream(s)), {g, l});
}

Array permutation(int64_t n, const Key& key, StreamOrDevice s) {
  Array k = resolve(key);
  check(n >= 0, ErrorCode::shape, "[permutation] The size must be non-negative.");
  Array b = bits({n}, 4, k, s);
  return Array({n}, Dtype::uint32, std::make_shared<RandomArgsort>(to_stream(s)), {b});
}

Array permutation(const Array& x, int axis, const Key& key, StreamOrDevice s) {
  Array k = resolve(key);
  int ax = normalize_axis(axis, x.ndim(), "permutation");
  Array p = permutation(x.shape(ax), k, s);
  return Array(x.shape(), x.dtype(), std::make_shared<RandomTake>(to_stream(s), ax), {x, p});
}

Array multivariate_normal(const Array& mean, const Array& cov, const Shape& shape, Dtype dtype, const Key& key,
                          StreamOrDevice s) {
  Array k = resolve(key);
  check(dtype == Dtype::float32, ErrorCode::dtype, "[multivariate_normal] dtype must be float32.");
  check(mean.ndim() >= 1, ErrorCode::shape, "[multivariate_normal] mean must have at least one dimension.");
  check(cov.ndim() >= 2, ErrorCode::shape, "[multivariate_normal] cov must have at least two dimensions.");
  int64_t n = mean.shape(-1);
  check(cov.shape(-1) == cov.shape(-2), ErrorCode::shape,
        "[multivariate_normal] last two dimensions of cov must be equal.");
  check(n == cov.shape(-1), ErrorCode::shape, "[multivariate_normal] mean and cov must have compatible shapes.");
  check(!is_inexact(mean.dtype()) || is_floating(mean.dtype()), ErrorCode::dtype, "[multivariate_normal] mean must be real.");
  check(!is_inexact(cov.dtype()) || is_floating(cov.dtype()), ErrorCode::dtype, "[multivariate_normal] cov must be real.");
  Shape mb(mean.shape().begin(), mean.shape().end() - 1), cb(cov.shape().begin(), cov.shape().end() - 2);
  Shape out = broadcast_shapes(broadcast_shapes(cb, mb), shape);
  Shape sshape = out;
  out.push_back(n);
  sshape.push_back(n), sshape.push_back(n);
  auto st = to_stream(s);
  Array c = astype(cov, Dtype::float32, s);
  Array sd = Array(c.shape(), Dtype::float32, std::make_shared<RandomPsdSqrt>(st), {c});
  Array z = normal(out, Dtype::float32, Array::scalar(0.0, Dtype::float32), Array::scalar(1.0, Dtype::float32), k, s);
  Array mu = broadcast_to(astype(mean, Dtype::float32, s), out, s);
  Array r = Array(out, Dtype::float32, std::make_shared<RandomMvnApply>(st), {z, broadcast_to(sd, sshape, s), mu});
  return astype(r, promote_types(mean.dtype(), Dtype::float32), s);
}

}  // namespace mlx::random
