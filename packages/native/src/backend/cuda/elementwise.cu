// Elementwise GPU kernels: copies/astype, unary, binary, select, and the layout primitives that
// copy (reshape of non-contiguous views, concatenate, slice update). One generic strided kernel
// per family (collapsed dims, index math per element) plus a contiguous fast path; ops are a
// run-time switch (uniform across a launch) to keep the number of instantiations small.
#include "../../primitives/binary.h"
#include "../../primitives/shape.h"
#include "../../primitives/ternary.h"
#include "../../primitives/unary.h"
#include "common.cuh"

namespace mlx::cu {

namespace {

constexpr int kThreads = 256;

// ---------------------------------------------------------------- copy
template <typename I, typename O, bool Contig>
__global__ void copy_kernel(const I* src, O* dst, StridedLayout<2> L, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    if constexpr (Contig) dst[i] = cvt<O>(src[i]);
    else {
      int64_t off[2];
      strided_offsets<2>(L, i, off);
      dst[off[1]] = cvt<O>(src[off[0]]);
    }
  }
}

}  // namespace

void copy_gpu(const Array& src, void* dst, Dtype dst_dt, const Strides& dst_strides, const Stream& s) {
  int64_t n = src.size();
  if (n == 0) return;
  StridedLayout<2> L;
  bool ok = make_layout<2>(src.shape(), {&src.strides(), &dst_strides}, L);
  check(ok, ErrorCode::not_implemented, "[cuda] copy: too many non-mergeable dimensions.");
  bool contig = L.ndim == 1 && L.strides[0][0] == 1 && L.strides[1][0] == 1;
  const void* sp = in_ptr(src, s);
  cudaStream_t st = stream_of(s);
  dispatch_dev(src.dtype(), [&](auto ip) {
    using I = MLX_T(ip);
    dispatch_dev(dst_dt, [&](auto op) {
      using O = MLX_T(op);
      int b = blocks_for(n, kThreads);
      if (contig) copy_kernel<I, O, true><<<b, kThreads, 0, st>>>((const I*)sp, (O*)dst, L, n);
      else copy_kernel<I, O, false><<<b, kThreads, 0, st>>>((const I*)sp, (O*)dst, L, n);
      MLX_CUDA_LAUNCHED();
    });
  });
}

Array astype_gpu(const Array& a, Dtype dt, const Stream& s) {
  Array o = device_empty(a.shape(), dt, s);
  copy_gpu(a, o.buffer()->device_ptr, dt, o.strides(), s);
  return o;
}

Array contiguous_gpu(const Array& a, const Stream& s) {
  if (a.flags().row_contiguous && a.data_size() == a.size()) return a;
  return astype_gpu(a, a.dtype(), s);
}

namespace {

bool has_complex(const std::vector<Array>& v) {
  for (auto& a : v) if (a.dtype() == Dtype::complex64) return true;
  return false;
}

void as_type(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  if (has_complex(in) || out[0].dtype() == Dtype::complex64) return cpu_fallback(p, in, out);
  void* d = alloc_out(out[0], p.stream());
  copy_gpu(in[0], d, out[0].dtype(), out[0].strides(), p.stream());
}

void reshape(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array& a = in[0];
  Array& o = out[0];
  if (a.size() == 0) { alloc_out(o, p.stream()); return; }
  if (a.flags().row_contiguous) {
    Strides st = row_major_strides(o.shape());
    o.copy_shared_buffer(a, st, layout_flags(o.shape(), st, a.data_size()), a.data_size());
    return;
  }
  if (a.dtype() == Dtype::complex64) return cpu_fallback(p, in, out);
  void* d = alloc_out(o, p.stream());
  copy_gpu(a, d, o.dtype(), row_major_strides(a.shape()), p.stream());
}

void concatenate(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  if (has_complex(in)) return cpu_fallback(p, in, out);
  int axis = static_cast<const Concatenate&>(p).axis();
  Array& o = out[0];
  char* base = static_cast<char*>(alloc_out(o, p.stream()));
  int64_t offset = 0;
  for (auto& a : in) {
    copy_gpu(a, base + offset * o.strides()[axis] * o.itemsize(), o.dtype(), o.strides(), p.stream());
    offset += a.shape(axis);
  }
}

void slice_update(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  if (has_complex(in)) return cpu_fallback(p, in, out);
  auto& sp = static_cast<const SliceUpdate&>(p);
  Array& o = out[0];
  char* base = static_cast<char*>(alloc_out(o, p.stream()));
  copy_gpu(in[0], base, o.dtype(), o.strides(), p.stream());
  if (in[1].size() == 0) return;
  int64_t off = 0;
  Strides st(o.ndim());
  for (int i = 0; i < o.ndim(); i++) {
    off += sp.start()[i] * o.strides()[i];
    st[i] = o.strides()[i] * sp.step()[i];
  }
  copy_gpu(in[1], base + off * o.itemsize(), o.dtype(), st, p.stream());
}

// ---------------------------------------------------------------- unary
struct UP { float p0, p1, p2; };

template <typename C> __device__ __forceinline__ C unary_fp(UnaryOp op, C x, UP p) {
  using U = UnaryOp;
  switch (op) {
    case U::Abs: return x < C(0) ? -x : (x == C(0) ? C(0) : x);
    case U::Negative: return -x;
    case U::Sign: return (C)((x > C(0)) - (x < C(0)));
    case U::Sqrt: return sqrt(x);
    case U::Rsqrt: return C(1) / sqrt(x);
    case U::Square: return x * x;
    case U::Reciprocal: return C(1) / x;
    case U::Exp: return exp(x);
    case U::Expm1: return expm1(x);
    case U::Log: return log(x);
    case U::Log2: return log2(x);
    case U::Log10: return log10(x);
    case U::Log1p: return log1p(x);
    case U::Sin: return sin(x);
    case U::Cos: return cos(x);
    case U::Tan: return tan(x);
    case U::ArcSin: return asin(x);
    case U::ArcCos: return acos(x);
    case U::ArcTan: return atan(x);
    case U::Sinh: return sinh(x);
    case U::Cosh: return cosh(x);
    case U::Tanh: return tanh(x);
    case U::ArcSinh: return asinh(x);
    case U::ArcCosh: return acosh(x);
    case U::ArcTanh: return atanh(x);
    case U::Sigmoid: return C(1) / (C(1) + exp(-x));
    case U::Erf: return erf(x);
    case U::ErfInv: return erfinv(x);
    case U::Floor: return floor(x);
    case U::Ceil: return ceil(x);
    case U::Round: return p.p1 == 0.f ? rint(x) : rint(x * C(p.p0)) * C(p.p1);
    case U::Degrees: return x * C(57.295779513082320876798);
    case U::Radians: return x * C(0.017453292519943295769237);
    case U::NanToNum: return isnan(x) ? C(p.p0) : (isinf(x) ? (x > C(0) ? C(p.p1) : C(p.p2)) : x);
    case U::IsNan: return (C)isnan(x);
    case U::IsInf: return (C)isinf(x);
    case U::IsFinite: return (C)isfinite(x);
    case U::IsPosInf: return (C)(isinf(x) && x > C(0));
    case U::IsNegInf: return (C)(isinf(x) && x < C(0));
    case U::LogicalNot: return (C)(x == C(0));
    default: return x;  // Conjugate, StopGradient, Real
  }
}
template <typename C> __device__ __forceinline__ C unary_int(UnaryOp op, C x) {
  using U = UnaryOp;
  switch (op) {
    case U::Abs: if constexpr (std::is_signed_v<C>) return x < 0 ? C(-x) : x; else return x;
    case U::Negative: return C(C(0) - x);
    case U::Sign: if constexpr (std::is_signed_v<C>) return C((x > 0) - (x < 0)); else return C(x > 0);
    case U::Square: return C(x * x);
    case U::BitwiseInvert: if constexpr (std::is_same_v<C, bool>) return !x; else return C(~x);
    case U::LogicalNot: return C(x == C(0));
    case U::IsNan: case U::IsInf: case U::IsPosInf: case U::IsNegInf: return C(0);
    case U::IsFinite: return C(1);
    default: return x;  // Floor, Ceil, Round(0), Conjugate, StopGradient
  }
}

template <typename T, typename O, bool Contig>
__global__ void unary_kernel(UnaryOp op, UP prm, const T* x, O* y, StridedLayout<1> L, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off;
    if constexpr (Contig) off = i; else strided_offsets<1>(L, i, &off);
    using C = Calc<T>;
    C v = cvt<C>(x[off]);
    if constexpr (is_fp_v<T>) y[i] = cvt<O>(unary_fp<C>(op, v, prm));
    else y[i] = cvt<O>(unary_int<C>(op, v));
  }
}

// Dense, same-dtype, 16-byte aligned: each thread moves 16 bytes (8 bf16/f16, 4 f32) per load and store instead
// of one element; the last n % V elements run the scalar kernel.
template <typename T, int V> struct alignas(16) Pack { T v[V]; };
template <typename T> constexpr int kVec = 16 / sizeof(T);
inline bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

template <typename T, int V>
__global__ void unary_vec_kernel(UnaryOp op, UP prm, const T* x, T* y, int64_t nv) {
  using C = Calc<T>;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < nv; i += (int64_t)gridDim.x * blockDim.x) {
    Pack<T, V> in = reinterpret_cast<const Pack<T, V>*>(x)[i], r;
#pragma unroll
    for (int j = 0; j < V; j++) {
      if constexpr (is_fp_v<T>) r.v[j] = cvt<T>(unary_fp<C>(op, cvt<C>(in.v[j]), prm));
      else r.v[j] = cvt<T>(unary_int<C>(op, cvt<C>(in.v[j])));
    }
    reinterpret_cast<Pack<T, V>*>(y)[i] = r;
  }
}

bool unary_int_ok(UnaryOp op, const UnaryParams& p) {
  using U = UnaryOp;
  switch (op) {
    case U::Abs: case U::Negative: case U::Sign: case U::Square: case U::BitwiseInvert: case U::LogicalNot:
    case U::IsNan: case U::IsInf: case U::IsPosInf: case U::IsNegInf: case U::IsFinite: case U::Floor: case U::Ceil:
    case U::Conjugate: case U::StopGradient: return true;
    case U::Round: return p.p[1] == 0.f;
    default: return false;
  }
}

void unary(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& up = static_cast<const Unary&>(prim);
  const Array& a = in[0];
  Array& o = out[0];
  UnaryOp op = up.op();
  Dtype dt = a.dtype();
  bool fp = is_floating(dt);
  bool half_round = op == UnaryOp::Round && up.params().p[1] != 0.f && (dt == Dtype::float16 || dt == Dtype::bfloat16);
  bool same_or_bool = o.dtype() == dt || o.dtype() == Dtype::bool_;
  if (dt == Dtype::complex64 || o.dtype() == Dtype::complex64 || !same_or_bool || half_round ||
      op == UnaryOp::Real || op == UnaryOp::Imag || (!fp && !unary_int_ok(op, up.params())) ||
      (fp && op == UnaryOp::BitwiseInvert))
    return cpu_fallback(prim, in, out);
  auto& s = prim.stream();
  bool contig = a.flags().row_contiguous && a.data_size() == a.size();
  int64_t n = o.size();
  const void* xp = in_ptr(a, s);  // before donation moves a's buffer
  bool donated = contig && n > 0 && o.dtype() == dt && donate(a, o, s);
  void* yp = donated ? const_cast<void*>(xp) : alloc_out(o, s);
  if (n == 0) return;
  StridedLayout<1> L;
  if (!contig) check(make_layout<1>(a.shape(), {&a.strides()}, L), ErrorCode::not_implemented, "[cuda] unary: too many dims.");
  UP prm{up.params().p[0], up.params().p[1], up.params().p[2]};
  cudaStream_t st = stream_of(s);
  int b = blocks_for(n, kThreads);
  dispatch_dev(dt, [&](auto tp) {
    using T = MLX_T(tp);
    auto go = [&](auto optr) {
      using O = MLX_T(optr);
      constexpr int V = kVec<T>;
      if constexpr (std::is_same_v<O, T> && sizeof(T) <= 4) {
        if (contig && n >= V && aligned16(xp) && aligned16(yp)) {
          int64_t nv = n / V, done = nv * V;
          unary_vec_kernel<T, V><<<blocks_for(nv, kThreads), kThreads, 0, st>>>(op, prm, (const T*)xp, (T*)yp, nv);
          if (done < n) unary_kernel<T, O, true><<<1, kThreads, 0, st>>>(op, prm, (const T*)xp + done, (O*)yp + done, L, n - done);
          return;
        }
      }
      if (contig) unary_kernel<T, O, true><<<b, kThreads, 0, st>>>(op, prm, (const T*)xp, (O*)yp, L, n);
      else unary_kernel<T, O, false><<<b, kThreads, 0, st>>>(op, prm, (const T*)xp, (O*)yp, L, n);
    };
    if (o.dtype() == Dtype::bool_) go((bool*)nullptr);
    else go((T*)nullptr);
    MLX_CUDA_LAUNCHED();
  });
}

// ---------------------------------------------------------------- binary
template <typename C> __device__ __forceinline__ C fp_rem(C a, C b) {
  C r = fmod(a, b);
  if (r != C(0) && ((r < C(0)) != (b < C(0)))) r += b;
  return r;
}
template <typename C> __device__ __forceinline__ C int_floordiv(C a, C b) {
  if constexpr (std::is_same_v<C, bool>) return a;
  else if constexpr (std::is_signed_v<C>) {
    if (b == 0) return 0;
    if (b == -1) return C(C(0) - a);
    C q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
    return q;
  } else return b == 0 ? C(0) : C(a / b);
}
template <typename C> __device__ __forceinline__ C int_rem(C a, C b) {
  if constexpr (std::is_same_v<C, bool>) return b ? false : a;
  else if constexpr (std::is_signed_v<C>) {
    if (b == 0) return a;
    if (b == -1) return 0;
    C r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  } else return b == 0 ? a : C(a % b);
}

// Returns the arithmetic result (pred=false) or writes a predicate into *pr (pred ops).
template <typename C> __device__ __forceinline__ C binary_op(BinaryOp op, bool eq_nan, C a, C b, bool& pr) {
  using B = BinaryOp;
  constexpr bool fp = std::is_floating_point_v<C>;
  switch (op) {
    case B::add: if constexpr (std::is_same_v<C, bool>) return a || b; else return C(a + b);
    case B::subtract: return C(a - b);
    case B::multiply: if constexpr (std::is_same_v<C, bool>) return a && b; else return C(a * b);
    case B::divide: if constexpr (fp) return a / b; else return b == C(0) ? C(0) : C(a / b);
    case B::floor_divide: if constexpr (fp) return floor(a / b); else return int_floordiv(a, b);
    case B::remainder: if constexpr (fp) return fp_rem(a, b); else return int_rem(a, b);
    case B::power:
      if constexpr (fp) return pow(a, b);
      else if constexpr (std::is_same_v<C, bool>) return a || !b;
      else {
        if constexpr (std::is_signed_v<C>) if (b < 0) return C(0);
        uint64_t r = 1, x = (uint64_t)a;
        C e = b;
        while (e) { if (e & 1) r *= x; e >>= 1; x *= x; }
        return (C)r;
      }
    case B::maximum: if constexpr (fp) return isnan(a) ? a : (a > b ? a : b); else return a > b ? a : b;
    case B::minimum: if constexpr (fp) return isnan(a) ? a : (a < b ? a : b); else return a < b ? a : b;
    case B::arctan2: if constexpr (fp) return atan2(a, b); else return C(0);
    case B::logaddexp:
      if constexpr (fp) {
        C hi = isnan(a) ? a : (a > b ? a : b), lo = isnan(a) ? a : (a < b ? a : b);
        if (lo == -INFINITY || hi == INFINITY) return hi;
        return hi + log1p(exp(lo - hi));
      } else return C(0);
    case B::equal:
      if constexpr (fp) pr = a == b || (eq_nan && isnan(a) && isnan(b)); else pr = a == b;
      return C(0);
    case B::not_equal: pr = a != b; return C(0);
    case B::less: pr = a < b; return C(0);
    case B::less_equal: pr = a <= b; return C(0);
    case B::greater: pr = a > b; return C(0);
    case B::greater_equal: pr = a >= b; return C(0);
    case B::logical_and: pr = a != C(0) && b != C(0); return C(0);
    case B::logical_or: pr = a != C(0) || b != C(0); return C(0);
    default: break;
  }
  if constexpr (!fp) {
    switch (op) {
      case B::bitwise_and: return C(a & b);
      case B::bitwise_or: return C(a | b);
      case B::bitwise_xor: return C(a ^ b);
      case B::left_shift: if constexpr (std::is_same_v<C, bool>) return a && !b; else return C(a << b);
      case B::right_shift: if constexpr (std::is_same_v<C, bool>) return a && !b; else return C(a >> b);
      default: break;
    }
  }
  return C(0);
}

template <typename T> struct Operand { const T* p; T v; };  // p null: the scalar v

template <typename T, typename O, bool Contig>
__global__ void binary_kernel(BinaryOp op, bool eq_nan, Operand<T> a, Operand<T> b, O* y, StridedLayout<2> L, int64_t n) {
  using C = Calc<T>;
  bool pred = op >= BinaryOp::equal && op <= BinaryOp::logical_or;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[2];
    if constexpr (Contig) off[0] = off[1] = i; else strided_offsets<2>(L, i, off);
    C x = cvt<C>(a.p ? a.p[off[0]] : a.v), z = cvt<C>(b.p ? b.p[off[1]] : b.v);
    bool pr = false;
    C r = binary_op<C>(op, eq_nan, x, z, pr);
    if (pred) y[i] = cvt<O>(pr);
    else y[i] = cvt<O>(r);
  }
}

template <typename T, int V>
__global__ void binary_vec_kernel(BinaryOp op, bool eq_nan, Operand<T> a, Operand<T> b, T* y, int64_t nv) {
  using C = Calc<T>;
  bool pred = op >= BinaryOp::equal && op <= BinaryOp::logical_or;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < nv; i += (int64_t)gridDim.x * blockDim.x) {
    Pack<T, V> pa, pb, r;
    if (a.p) pa = reinterpret_cast<const Pack<T, V>*>(a.p)[i];
    if (b.p) pb = reinterpret_cast<const Pack<T, V>*>(b.p)[i];
#pragma unroll
    for (int j = 0; j < V; j++) {
      bool pr = false;
      C v = binary_op<C>(op, eq_nan, cvt<C>(a.p ? pa.v[j] : a.v), cvt<C>(b.p ? pb.v[j] : b.v), pr);
      r.v[j] = pred ? cvt<T>(pr) : cvt<T>(v);
    }
    reinterpret_cast<Pack<T, V>*>(y)[i] = r;
  }
}

// p: the operand's device pointer, or null for a host scalar (read here, before any donation).
template <typename T> Operand<T> operand(const Array& a, const void* p) {
  if (!p) return {nullptr, reinterpret_cast<const T*>(a.buffer()->host_ptr())[a.offset()]};
  return {static_cast<const T*>(p), T()};
}

void binary(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& bp = static_cast<const Binary&>(prim);
  const Array &a = in[0], &b = in[1];
  Array& o = out[0];
  BinaryOp op = bp.op();
  Dtype dt = a.dtype();
  bool fp = is_floating(dt);
  bool bitwise = op >= BinaryOp::bitwise_and;
  if (dt == Dtype::complex64 || b.dtype() != dt || (fp && bitwise) ||
      (!(o.dtype() == dt || o.dtype() == Dtype::bool_)))
    return cpu_fallback(prim, in, out);
  auto& s = prim.stream();
  int64_t n = o.size();
  // Donation: the output takes a dense input's buffer when nothing else references it.
  bool same_dt = o.dtype() == dt;
  // Operand pointers first: donation moves the donor's buffer out of its array.
  bool sa = host_scalar(a), sb = host_scalar(b);
  const void* pa = sa || n == 0 ? nullptr : in_ptr(a, s);
  const void* pb = sb || n == 0 ? nullptr : in_ptr(b, s);
  auto dense = [](const Array& x, bool sc) { return sc || (x.flags().row_contiguous && x.data_size() == x.size()); };
  bool contig = dense(a, sa) && dense(b, sb);
  void* yp = nullptr;
  if (contig && same_dt && n > 0 && !sa && a.size() == n && donate(a, o, s)) yp = const_cast<void*>(pa);
  else if (contig && same_dt && n > 0 && !sb && b.size() == n && donate(b, o, s)) yp = const_cast<void*>(pb);
  if (!yp) yp = alloc_out(o, s);
  if (n == 0) return;
  cudaStream_t st = stream_of(s);
  int blocks = blocks_for(n, kThreads);
  dispatch_dev(dt, [&](auto tp) {
    using T = MLX_T(tp);
    Operand<T> A = operand<T>(a, pa), Bo = operand<T>(b, pb);
    StridedLayout<2> L{};
    if (!contig) {
      Strides za(a.ndim(), 0), zb(b.ndim(), 0);
      check(make_layout<2>(o.shape(), {sa ? &za : &a.strides(), sb ? &zb : &b.strides()}, L), ErrorCode::not_implemented,
            "[cuda] binary: too many dims.");
    }
    auto go = [&](auto optr) {
      using O = MLX_T(optr);
      constexpr int V = kVec<T>;
      if constexpr (std::is_same_v<O, T> && sizeof(T) <= 4) {
        bool full = (sa || a.size() == n) && (sb || b.size() == n);  // dense operands cover the output 1:1
        if (contig && full && n >= V && (sa || aligned16(pa)) && (sb || aligned16(pb)) && aligned16(yp)) {
          int64_t nv = n / V, done = nv * V;
          binary_vec_kernel<T, V><<<blocks_for(nv, kThreads), kThreads, 0, st>>>(op, bp.equal_nan(), A, Bo, (T*)yp, nv);
          if (done < n) {
            Operand<T> ta{A.p ? A.p + done : nullptr, A.v}, tb{Bo.p ? Bo.p + done : nullptr, Bo.v};
            binary_kernel<T, O, true><<<1, kThreads, 0, st>>>(op, bp.equal_nan(), ta, tb, (O*)yp + done, L, n - done);
          }
          return;
        }
      }
      if (contig) binary_kernel<T, O, true><<<blocks, kThreads, 0, st>>>(op, bp.equal_nan(), A, Bo, (O*)yp, L, n);
      else binary_kernel<T, O, false><<<blocks, kThreads, 0, st>>>(op, bp.equal_nan(), A, Bo, (O*)yp, L, n);
    };
    if (o.dtype() == Dtype::bool_ && dt != Dtype::bool_) go((bool*)nullptr);
    else go((T*)nullptr);
    MLX_CUDA_LAUNCHED();
  });
}

// ---------------------------------------------------------------- select
template <typename T, bool Contig>
__global__ void select_kernel(const bool* c, const T* x, const T* z, T* y, StridedLayout<3> L, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[3];
    if constexpr (Contig) off[0] = off[1] = off[2] = i; else strided_offsets<3>(L, i, off);
    y[i] = c[off[0]] ? x[off[1]] : z[off[2]];
  }
}

void select(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out) {
  if (has_complex(in) || in[0].dtype() != Dtype::bool_ || in[1].dtype() != out[0].dtype() || in[2].dtype() != out[0].dtype())
    return cpu_fallback(prim, in, out);
  auto& s = prim.stream();
  Array& o = out[0];
  void* yp = alloc_out(o, s);
  int64_t n = o.size();
  if (n == 0) return;
  auto dense = [](const Array& x) { return x.flags().row_contiguous && x.data_size() == x.size(); };
  bool contig = dense(in[0]) && dense(in[1]) && dense(in[2]);
  StridedLayout<3> L{};
  if (!contig)
    check(make_layout<3>(o.shape(), {&in[0].strides(), &in[1].strides(), &in[2].strides()}, L), ErrorCode::not_implemented,
          "[cuda] select: too many dims.");
  const bool* c = cu::in<bool>(in[0], s);
  const void* x = in_ptr(in[1], s);
  const void* z = in_ptr(in[2], s);
  cudaStream_t st = stream_of(s);
  int blocks = blocks_for(n, kThreads);
  dispatch_dev(o.dtype(), [&](auto tp) {
    using T = MLX_T(tp);
    if (contig) select_kernel<T, true><<<blocks, kThreads, 0, st>>>(c, (const T*)x, (const T*)z, (T*)yp, L, n);
    else select_kernel<T, false><<<blocks, kThreads, 0, st>>>(c, (const T*)x, (const T*)z, (T*)yp, L, n);
    MLX_CUDA_LAUNCHED();
  });
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, AsType, as_type);
MLX_REGISTER_KERNEL(gpu, Reshape, reshape);
MLX_REGISTER_KERNEL(gpu, Concatenate, concatenate);
MLX_REGISTER_KERNEL(gpu, SliceUpdate, slice_update);
MLX_REGISTER_KERNEL(gpu, Unary, unary);
MLX_REGISTER_KERNEL(gpu, Select, select);
MLX_REGISTER_KERNEL(gpu, Add, binary);
MLX_REGISTER_KERNEL(gpu, Subtract, binary);
MLX_REGISTER_KERNEL(gpu, Multiply, binary);
MLX_REGISTER_KERNEL(gpu, Divide, binary);
MLX_REGISTER_KERNEL(gpu, FloorDivide, binary);
MLX_REGISTER_KERNEL(gpu, Remainder, binary);
MLX_REGISTER_KERNEL(gpu, Power, binary);
MLX_REGISTER_KERNEL(gpu, Maximum, binary);
MLX_REGISTER_KERNEL(gpu, Minimum, binary);
MLX_REGISTER_KERNEL(gpu, ArcTan2, binary);
MLX_REGISTER_KERNEL(gpu, LogAddExp, binary);
MLX_REGISTER_KERNEL(gpu, Equal, binary);
MLX_REGISTER_KERNEL(gpu, NotEqual, binary);
MLX_REGISTER_KERNEL(gpu, Less, binary);
MLX_REGISTER_KERNEL(gpu, LessEqual, binary);
MLX_REGISTER_KERNEL(gpu, Greater, binary);
MLX_REGISTER_KERNEL(gpu, GreaterEqual, binary);
MLX_REGISTER_KERNEL(gpu, LogicalAnd, binary);
MLX_REGISTER_KERNEL(gpu, LogicalOr, binary);
MLX_REGISTER_KERNEL(gpu, BitwiseAnd, binary);
MLX_REGISTER_KERNEL(gpu, BitwiseOr, binary);
MLX_REGISTER_KERNEL(gpu, BitwiseXor, binary);
MLX_REGISTER_KERNEL(gpu, LeftShift, binary);
MLX_REGISTER_KERNEL(gpu, RightShift, binary);

}  // namespace mlx::cu
