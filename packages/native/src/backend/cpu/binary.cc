// CPU kernels for the binary primitives. Inputs share shape and dtype (the op functions
// broadcast and cast), so each (op, dtype) pair needs one row function; a single untyped
// driver picks the output layout (donation, dense, scalar-vector, strided) and the threading.
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "elementwise_f32.h"
#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../primitives/binary.h"
#include "cpu_features.h"
#include "simd/binary_simd.h"
#include "strided.h"

namespace mlx::cpu {

namespace {

template <typename T> constexpr bool is_half_v = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;
template <typename T> constexpr bool is_complex_v = std::is_same_v<T, complex64_t>;
template <typename T> constexpr bool is_float_v = std::is_floating_point_v<T>;  // after widening halves
template <typename T> constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;
// Arithmetic on halves happens in float.
template <typename T> using Wide = std::conditional_t<is_half_v<T>, float, T>;

// Complex values order lexicographically (real, then imaginary), as in MLX.
inline bool lex_less(complex64_t a, complex64_t b) { return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag()); }

// ---- Op functors: `ok<T>` says which (widened) types the op accepts; call operator gets widened values.
struct AnyT { template <typename T> static constexpr bool ok = true; };
struct NoComplex { template <typename T> static constexpr bool ok = !is_complex_v<T>; };
struct IntOnly { template <typename T> static constexpr bool ok = is_int_v<T> || std::is_same_v<T, bool>; };

struct AddOp : AnyT { template <typename T> T operator()(T a, T b) const { return T(a + b); } };
struct SubOp : AnyT {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a != b;
    else return T(a - b);
  }
};
struct MulOp : AnyT {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a && b;
    else return T(a * b);
  }
};
struct DivOp {  // ops/binary.cc casts integers to float first
  template <typename T> static constexpr bool ok = is_float_v<T> || is_complex_v<T>;
  template <typename T> T operator()(T a, T b) const { return a / b; }
};

// Integer division that never traps: x // 0 = 0 and x % 0 = x (as MLX), MIN // -1 wraps.
template <typename T> T int_floordiv(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return b ? a : false;
  else if constexpr (std::is_signed_v<T>) {
    if (b == 0) return 0;
    if (b == -1) return T(0 - (std::make_unsigned_t<T>)a);
    T q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
    return q;
  } else {
    return b == 0 ? T(0) : T(a / b);
  }
}
template <typename T> T int_rem(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return b ? false : a;
  else if constexpr (std::is_signed_v<T>) {
    if (b == 0) return a;
    if (b == -1) return 0;
    T r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  } else {
    return b == 0 ? a : T(a % b);
  }
}
template <typename T> T float_rem(T a, T b) {
  T r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

struct FloorDivOp : AnyT {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (is_complex_v<T>) return a / b;  // MLX: complex floor_divide is divide
    else if constexpr (is_float_v<T>) return std::floor(a / b);
    else return int_floordiv(a, b);
  }
};
struct RemOp : NoComplex {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (is_float_v<T>) return float_rem(a, b);
    else return int_rem(a, b);
  }
};

struct PowOp : AnyT {
  template <typename T> T operator()(T base, T e) const {
    if constexpr (is_complex_v<T> || is_float_v<T>) return std::pow(base, e);
    else if constexpr (std::is_same_v<T, bool>) return base || !e;
    else {
      // Integer power by squaring; negative exponents give 0 (as MLX). Unsigned math wraps safely.
      if constexpr (std::is_signed_v<T>) if (e < 0) return 0;
      uint64_t r = 1, b = (uint64_t)base;  // products mod 2^64 truncate to T correctly
      auto x = e;
      while (x) {
        if (x & 1) r *= b;
        x >>= 1;
        b *= b;
      }
      return (T)r;
    }
  }
};

struct MaxOp : AnyT {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (is_complex_v<T>) return lex_less(a, b) ? b : a;
    else if constexpr (is_float_v<T>) return std::isnan(a) ? a : (a > b ? a : b);
    else return a > b ? a : b;
  }
};
struct MinOp : AnyT {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (is_complex_v<T>) return lex_less(b, a) ? b : a;
    else if constexpr (is_float_v<T>) return std::isnan(a) ? a : (a < b ? a : b);
    else return a < b ? a : b;
  }
};

struct ArcTan2Op {
  template <typename T> static constexpr bool ok = is_float_v<T>;
  template <typename T> T operator()(T a, T b) const { return std::atan2(a, b); }
};

struct LogAddExpOp {
  template <typename T> static constexpr bool ok = is_float_v<T> || is_complex_v<T>;
  template <typename T> T operator()(T a, T b) const {
    T hi = MaxOp{}(a, b), lo = MinOp{}(a, b);
    if constexpr (is_complex_v<T>) {
      constexpr float inf = std::numeric_limits<float>::infinity();
      if (lo.real() == -inf || hi.real() == inf) return hi;
      return hi + std::log(T(1) + std::exp(lo - hi));
    } else {
      constexpr T inf = std::numeric_limits<T>::infinity();
      if (lo == -inf || hi == inf) return hi;
      return hi + std::log1p(std::exp(lo - hi));
    }
  }
};

struct EqOp : AnyT { template <typename T> bool operator()(T a, T b) const { return a == b; } };
struct EqNanOp : AnyT {
  template <typename T> bool operator()(T a, T b) const {
    if constexpr (is_float_v<T>) return a == b || (std::isnan(a) && std::isnan(b));
    else if constexpr (is_complex_v<T>) {
      auto nan = [](T v) { return std::isnan(v.real()) || std::isnan(v.imag()); };
      return a == b || (nan(a) && nan(b));
    } else return a == b;
  }
};
struct NeOp : AnyT { template <typename T> bool operator()(T a, T b) const { return a != b; } };
struct LtOp : AnyT {
  template <typename T> bool operator()(T a, T b) const {
    if constexpr (is_complex_v<T>) return lex_less(a, b); else return a < b;
  }
};
struct LeOp : AnyT {
  template <typename T> bool operator()(T a, T b) const {
    if constexpr (is_complex_v<T>) return lex_less(a, b) || a == b; else return a <= b;
  }
};
struct GtOp : AnyT {
  template <typename T> bool operator()(T a, T b) const {
    if constexpr (is_complex_v<T>) return lex_less(b, a); else return a > b;
  }
};
struct GeOp : AnyT {
  template <typename T> bool operator()(T a, T b) const {
    if constexpr (is_complex_v<T>) return lex_less(b, a) || a == b; else return a >= b;
  }
};
struct LogicalAndOp {  // inputs are cast to bool by the op
  template <typename T> static constexpr bool ok = std::is_same_v<T, bool>;
  bool operator()(bool a, bool b) const { return a && b; }
};
struct LogicalOrOp {
  template <typename T> static constexpr bool ok = std::is_same_v<T, bool>;
  bool operator()(bool a, bool b) const { return a || b; }
};
struct AndOp : IntOnly { template <typename T> T operator()(T a, T b) const { return T(a & b); } };
struct OrOp : IntOnly { template <typename T> T operator()(T a, T b) const { return T(a | b); } };
struct XorOp : IntOnly { template <typename T> T operator()(T a, T b) const { return T(a ^ b); } };

// Shifts follow C on x86 like MLX: small types widen to int, the count wraps at the width.
template <typename T> using ShiftT = std::conditional_t<(sizeof(T) < 4), int32_t, T>;
struct ShlOp {
  template <typename T> static constexpr bool ok = is_int_v<T>;
  template <typename T> T operator()(T a, T b) const {
    using W = ShiftT<T>;
    using U = std::make_unsigned_t<W>;
    unsigned c = (unsigned)((U)(W)b & (sizeof(W) * 8 - 1));
    return (T)(W)(U((U)(W)a << c));
  }
};
struct ShrOp {
  template <typename T> static constexpr bool ok = is_int_v<T>;
  template <typename T> T operator()(T a, T b) const {
    using W = ShiftT<T>;
    using U = std::make_unsigned_t<W>;
    unsigned c = (unsigned)((U)(W)b & (sizeof(W) * 8 - 1));
    return (T)((W)a >> c);
  }
};

// ---- Rows. A row is n elements with element strides (sa, sb, so); halves widen to float.
using RowFn = void (*)(const char* a, const char* b, char* o, int64_t n, int64_t sa, int64_t sb, int64_t so);

template <typename Op, typename T, typename U>
void row(const char* pa, const char* pb, char* po, int64_t n, int64_t sa, int64_t sb, int64_t so) {
  auto a = reinterpret_cast<const T*>(pa);
  auto b = reinterpret_cast<const T*>(pb);
  auto o = reinterpret_cast<U*>(po);
  Op op;
  auto f = [&](T x, T y) -> U { return U(op((Wide<T>)x, (Wide<T>)y)); };
  if (so == 1 && sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) o[i] = f(a[i], b[i]);
  } else if (so == 1 && sa == 0 && sb == 1) {
    T x = a[0];
    for (int64_t i = 0; i < n; i++) o[i] = f(x, b[i]);
  } else if (so == 1 && sa == 1 && sb == 0) {
    T y = b[0];
    for (int64_t i = 0; i < n; i++) o[i] = f(a[i], y);
  } else {
    for (int64_t i = 0; i < n; i++) o[i * so] = f(a[i * sa], b[i * sb]);
  }
}

simd::BinaryRowFn find_simd(BinaryOp op, Dtype dt) {
#if defined(MLX_X86)
  switch (best_isa()) {
    case Isa::avx512: return simd::binary_row_avx512(op, dt);
    case Isa::avx2: return simd::binary_row_avx2(op, dt);
    default: break;
  }
#endif
  return nullptr;
}

// Calls the SIMD row for dense / scalar-vector patterns and the portable row for the rest.
struct RowRunner {
  RowFn row;
  simd::BinaryRowFn fast;
  int isz, osz;
  void operator()(const char* a, const char* b, char* o, int64_t n, int64_t sa, int64_t sb, int64_t so) const {
    if (fast && so == 1 && (sa == 0 || sa == 1) && (sb == 0 || sb == 1) && (sa | sb)) {
      auto mode = sa == 0 ? simd::RowMode::sv : sb == 0 ? simd::RowMode::vs : simd::RowMode::vv;
      int64_t k = fast(a, b, o, n, mode);
      if (k == n) return;
      a += sa * k * isz, b += sb * k * isz, o += k * osz, n -= k;
    }
    row(a, b, o, n, sa, sb, so);
  }
};

bool dense(const Array& x) { return x.flags().contiguous && x.data_size() == x.size(); }

// Picks the output layout and runs rows over it. `donate` lets the output take an input's buffer.
void drive(const Array& a, const Array& b, Array& out, const RowRunner& run, int64_t grain, bool donate) {
  if (out.size() == 0) { out.allocate(); return; }
  const char* pa = static_cast<const char*>(a.raw_data());
  const char* pb = static_cast<const char*>(b.raw_data());
  const int isz = a.itemsize(), osz = out.itemsize();
  const bool same_dt = a.dtype() == out.dtype();
  auto take = [&](const Array& x) {
    if (donate && same_dt && x.is_donatable()) { out.move_shared_buffer(x); return true; }
    return false;
  };
  const bool da = dense(a), db = dense(b);
  const bool sa = a.data_size() == 1 && !da, sb = b.data_size() == 1 && !db;
  if ((da && db && a.strides() == b.strides()) || (sa && db) || (da && sb)) {
    // Flat: the output keeps the dense operand's layout (which may be column-major).
    const Array& like = da ? a : b;
    if (!(da && take(a)) && !(db && take(b))) {
      out.set_data(Allocator::instance().allocate((size_t)like.size() * osz), like.size(), like.strides(),
                   like.flags());
    }
    char* po = static_cast<char*>(out.raw_data());
    const int64_t ia = da ? 1 : 0, ib = db ? 1 : 0;
    parallel_for(out.size(), grain, [&](int64_t s, int64_t e) {
      run(pa + s * ia * isz, pb + s * ib * isz, po + s * osz, e - s, ia, ib, 1);
    });
    return;
  }
  if (!(da && a.flags().row_contiguous && take(a)) && !(db && b.flags().row_contiguous && take(b))) out.allocate();
  char* po = static_cast<char*>(out.raw_data());
  auto L = collapse<3>(out.shape(), {&a.strides(), &b.strides(), &out.strides()});
  if (L.shape.size() == 1) {  // one long strided row: split it
    int64_t s0 = L.strides[0][0], s1 = L.strides[1][0], s2 = L.strides[2][0];
    parallel_for(L.shape[0], grain, [&](int64_t s, int64_t e) {
      run(pa + s * s0 * isz, pb + s * s1 * isz, po + s * s2 * osz, e - s, s0, s1, s2);
    });
    return;
  }
  parallel_rows<3>(L, [&](const std::array<int64_t, 3>& off, int64_t n, const std::array<int64_t, 3>& st) {
    run(pa + off[0] * isz, pb + off[1] * isz, po + off[2] * osz, n, st[0], st[1], st[2]);
  }, grain);
}

constexpr int64_t kCheapGrain = 1 << 15;   // elements per task for memory-bound ops
constexpr int64_t kCostlyGrain = 1 << 12;  // transcendental / division-heavy ops

template <typename Op, bool Pred>
void run_op(const char* opname, BinaryOp id, const Array& a, const Array& b, Array& out, int64_t grain,
            bool donate = true, bool use_simd = true) {
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (Op::template ok<Wide<T>>) {
      using U = std::conditional_t<Pred, bool, T>;
      RowRunner r{&row<Op, T, U>, use_simd ? find_simd(id, a.dtype()) : nullptr, a.itemsize(), out.itemsize()};
      drive(a, b, out, r, grain, donate);
    } else {
      throw_error(ErrorCode::dtype, std::string("[") + opname + "] Not supported for " + dtype_name(a.dtype()) + ".");
    }
  });
}

void binary_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& bp = static_cast<const Binary&>(p);
  const Array &a = in[0], &b = in[1];
  Array& o = out[0];
  const char* n = bp.name();
  constexpr int64_t C = kCheapGrain, X = kCostlyGrain;
  switch (bp.op()) {
    case BinaryOp::add: return run_op<AddOp, false>(n, bp.op(), a, b, o, C);
    case BinaryOp::subtract: return run_op<SubOp, false>(n, bp.op(), a, b, o, C);
    case BinaryOp::multiply: return run_op<MulOp, false>(n, bp.op(), a, b, o, C);
    case BinaryOp::divide: return run_op<DivOp, false>(n, bp.op(), a, b, o, C);
    case BinaryOp::floor_divide: return run_op<FloorDivOp, false>(n, bp.op(), a, b, o, X);
    case BinaryOp::remainder: return run_op<RemOp, false>(n, bp.op(), a, b, o, X);
    case BinaryOp::power: return run_op<PowOp, false>(n, bp.op(), a, b, o, X);
    case BinaryOp::maximum: return run_op<MaxOp, false>(n, bp.op(), a, b, o, C);
    case BinaryOp::minimum: return run_op<MinOp, false>(n, bp.op(), a, b, o, C);
    case BinaryOp::arctan2: return run_op<ArcTan2Op, false>(n, bp.op(), a, b, o, X);
    case BinaryOp::logaddexp: return run_op<LogAddExpOp, false>(n, bp.op(), a, b, o, X);
    case BinaryOp::equal:
      if (bp.equal_nan()) return run_op<EqNanOp, true>(n, bp.op(), a, b, o, C, true, false);
      return run_op<EqOp, true>(n, bp.op(), a, b, o, C);
    case BinaryOp::not_equal: return run_op<NeOp, true>(n, bp.op(), a, b, o, C);
    case BinaryOp::less: return run_op<LtOp, true>(n, bp.op(), a, b, o, C);
    case BinaryOp::less_equal: return run_op<LeOp, true>(n, bp.op(), a, b, o, C);
    case BinaryOp::greater: return run_op<GtOp, true>(n, bp.op(), a, b, o, C);
    case BinaryOp::greater_equal: return run_op<GeOp, true>(n, bp.op(), a, b, o, C);
    case BinaryOp::logical_and: return run_op<LogicalAndOp, true>(n, bp.op(), a, b, o, C);
    case BinaryOp::logical_or: return run_op<LogicalOrOp, true>(n, bp.op(), a, b, o, C);
    case BinaryOp::bitwise_and: return run_op<AndOp, false>(n, bp.op(), a, b, o, C);
    case BinaryOp::bitwise_or: return run_op<OrOp, false>(n, bp.op(), a, b, o, C);
    case BinaryOp::bitwise_xor: return run_op<XorOp, false>(n, bp.op(), a, b, o, C);
    case BinaryOp::left_shift: return run_op<ShlOp, false>(n, bp.op(), a, b, o, C);
    case BinaryOp::right_shift: return run_op<ShrOp, false>(n, bp.op(), a, b, o, C);
  }
}

void divmod_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  // Two passes; the first must not donate because the second reads the inputs again.
  run_op<FloorDivOp, false>("divmod", BinaryOp::floor_divide, in[0], in[1], out[0], kCostlyGrain, false);
  run_op<RemOp, false>("divmod", BinaryOp::remainder, in[0], in[1], out[1], kCostlyGrain, true);
}

// ---- isclose: |a - b| <= atol + rtol * |b| in float (double for float64), infinities exact.
template <typename T, typename F>
bool close1(T x, T y, F rtol, F atol, bool equal_nan) {
  if constexpr (is_complex_v<T>) {
    F d = std::abs(x - y), m = std::abs(y);
    bool nx = std::isnan(x.real()) || std::isnan(x.imag()), ny = std::isnan(y.real()) || std::isnan(y.imag());
    if (nx || ny) return equal_nan && nx && ny;
    bool ix = std::isinf(x.real()) || std::isinf(x.imag()), iy = std::isinf(y.real()) || std::isinf(y.imag());
    if (ix || iy) return x == y;
    return d <= atol + rtol * m;
  } else if constexpr (std::is_floating_point_v<Wide<T>>) {
    F a = (F)(Wide<T>)x, b = (F)(Wide<T>)y;
    if (std::isnan(a) || std::isnan(b)) return equal_nan && std::isnan(a) && std::isnan(b);
    if (std::isinf(a) || std::isinf(b)) return a == b;
    return std::abs(a - b) <= atol + rtol * std::abs(b);
  } else {  // integers and bool: the difference is exact in double
    double d = std::abs((double)x - (double)y);
    return (F)d <= atol + rtol * (F)std::abs((double)y);
  }
}

template <typename T>
void isclose_typed(const IsClose& p, const Array& a, const Array& b, Array& out) {
  using F = std::conditional_t<std::is_same_v<T, double>, double, float>;
  out.allocate();
  if (out.size() == 0) return;
  auto L = collapse<3>(out.shape(), {&a.strides(), &b.strides(), &out.strides()});
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  bool* po = out.data<bool>();
  F rtol = (F)p.rtol(), atol = (F)p.atol();
  bool en = p.equal_nan();
  parallel_rows<3>(L, [&](const std::array<int64_t, 3>& off, int64_t n, const std::array<int64_t, 3>& st) {
    for (int64_t i = 0; i < n; i++)
      po[off[2] + i * st[2]] = close1<T, F>(pa[off[0] + i * st[0]], pb[off[1] + i * st[1]], rtol, atol, en);
  }, kCostlyGrain);
}

void isclose_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  dispatch_all(in[0].dtype(), [&](auto tag) {
    isclose_typed<typename decltype(tag)::type>(static_cast<const IsClose&>(p), in[0], in[1], out[0]);
  });
}

void all_true_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array& a = in[0];
  bool all = true;
  if (a.size() > 0) {
    auto L = collapse<1>(a.shape(), {&a.strides()});
    const uint8_t* pa = reinterpret_cast<const uint8_t*>(a.data<bool>());
    for_each_row<1>(L, 0, outer_rows(L.shape), [&](const std::array<int64_t, 1>& off, int64_t n,
                                                   const std::array<int64_t, 1>& st) {
      if (!all) return;
      const uint8_t* r = pa + off[0];
      if (st[0] == 1) all = std::memchr(r, 0, n) == nullptr;
      else for (int64_t i = 0; i < n && all; i++) all = r[i * st[0]] != 0;
    });
  }
  out[0].allocate();
  *out[0].data<bool>() = all;
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Add, binary_kernel);
MLX_REGISTER_KERNEL(cpu, Subtract, binary_kernel);
MLX_REGISTER_KERNEL(cpu, Multiply, binary_kernel);
MLX_REGISTER_KERNEL(cpu, Divide, binary_kernel);
MLX_REGISTER_KERNEL(cpu, FloorDivide, binary_kernel);
MLX_REGISTER_KERNEL(cpu, Remainder, binary_kernel);
MLX_REGISTER_KERNEL(cpu, Power, binary_kernel);
MLX_REGISTER_KERNEL(cpu, Maximum, binary_kernel);
MLX_REGISTER_KERNEL(cpu, Minimum, binary_kernel);
MLX_REGISTER_KERNEL(cpu, ArcTan2, binary_kernel);
MLX_REGISTER_KERNEL(cpu, LogAddExp, binary_kernel);
MLX_REGISTER_KERNEL(cpu, Equal, binary_kernel);
MLX_REGISTER_KERNEL(cpu, NotEqual, binary_kernel);
MLX_REGISTER_KERNEL(cpu, Less, binary_kernel);
MLX_REGISTER_KERNEL(cpu, LessEqual, binary_kernel);
MLX_REGISTER_KERNEL(cpu, Greater, binary_kernel);
MLX_REGISTER_KERNEL(cpu, GreaterEqual, binary_kernel);
MLX_REGISTER_KERNEL(cpu, LogicalAnd, binary_kernel);
MLX_REGISTER_KERNEL(cpu, LogicalOr, binary_kernel);
MLX_REGISTER_KERNEL(cpu, BitwiseAnd, binary_kernel);
MLX_REGISTER_KERNEL(cpu, BitwiseOr, binary_kernel);
MLX_REGISTER_KERNEL(cpu, BitwiseXor, binary_kernel);
MLX_REGISTER_KERNEL(cpu, LeftShift, binary_kernel);
MLX_REGISTER_KERNEL(cpu, RightShift, binary_kernel);
MLX_REGISTER_KERNEL(cpu, DivMod, divmod_kernel);
MLX_REGISTER_KERNEL(cpu, IsClose, isclose_kernel);
MLX_REGISTER_KERNEL(cpu, AllTrue, all_true_kernel);

// Float32 rows for fused programs (compile): o[i] = op(a[i*sa], b[i*sb]) with sa, sb in {0, 1}.
// Predicates (bool outputs) have no such row: returns false and does nothing.
bool binary_f32_row(BinaryOp op, const float* a, const float* b, float* o, int64_t n, int64_t sa, int64_t sb) {
  static const auto table = [] {
    std::array<RowRunner, kNumBinaryOps> t{};
    auto put = [&](BinaryOp id, RowFn row) { t[(int)id] = RowRunner{row, find_simd(id, Dtype::float32), 4, 4}; };
    put(BinaryOp::add, &row<AddOp, float, float>);
    put(BinaryOp::subtract, &row<SubOp, float, float>);
    put(BinaryOp::multiply, &row<MulOp, float, float>);
    put(BinaryOp::divide, &row<DivOp, float, float>);
    put(BinaryOp::maximum, &row<MaxOp, float, float>);
    put(BinaryOp::minimum, &row<MinOp, float, float>);
    put(BinaryOp::power, &row<PowOp, float, float>);
    put(BinaryOp::arctan2, &row<ArcTan2Op, float, float>);
    put(BinaryOp::logaddexp, &row<LogAddExpOp, float, float>);
    put(BinaryOp::remainder, &row<RemOp, float, float>);
    put(BinaryOp::floor_divide, &row<FloorDivOp, float, float>);
    return t;
  }();
  const RowRunner& r = table[(int)op];
  if (!r.row) return false;
  r(reinterpret_cast<const char*>(a), reinterpret_cast<const char*>(b), reinterpret_cast<char*>(o), n, sa, sb, 1);
  return true;
}

}  // namespace mlx::cpu
