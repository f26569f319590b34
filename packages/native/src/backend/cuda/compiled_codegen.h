// CUDA C++ source for a fused elementwise program (the Compiled primitive), compiled at run time
// with NVRTC (compiled_jit.cu). Plain C++ without CUDA headers, so the generator can be checked
// on a machine without a GPU. Registers are float32; loads convert from each input's dtype and
// stores round to each output's dtype. Every op is the same float expression as the unfused GPU
// kernels (elementwise.cu), so a one-op program is bit-identical to the unfused op.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../../primitives/compiled.h"

namespace mlx::cu {

// How a launch reads its inputs; part of the generated source (and so of the cache key).
struct FusedLayout {
  bool contiguous = true;       // every input is dense (element i) or a single value (element 0)
  std::vector<uint8_t> scalar;  // contiguous: per input, 1 = one value broadcast to every element
  int ndim = 0;                 // strided: collapsed dims; shape and strides come as arguments
  // Elements per thread (1, 4 or 8) with vector accesses. Contiguous: over the flat index, with a
  // scalar tail. Strided: along the innermost dim, whose length vec divides; inputs then have inner
  // stride 1 (vector loads, every row start aligned) or 0 (`scalar`: one value per row).
  int vec = 1;
  bool index64 = false;         // 64-bit index math (only when offsets may pass 2^31)
};

// Float32 device expression of op on `x` (params baked in as exact bit patterns); "" when the op
// has no fused form.
inline std::string fused_float_bits(float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  char buf[40];
  std::snprintf(buf, sizeof buf, "__int_as_float(0x%08x)", u);
  return buf;
}

inline std::string fused_unary_expr(UnaryOp op, const UnaryParams& p, const std::string& x) {
  using U = UnaryOp;
  auto f = [&](const char* fn) { return std::string(fn) + "(" + x + ")"; };
  switch (op) {
    case U::Abs: return f("fabsf");
    case U::Negative: return "(-" + x + ")";
    case U::Sign: return "(float)((" + x + " > 0.f) - (" + x + " < 0.f))";
    case U::Sqrt: return f("sqrtf");
    case U::Rsqrt: return "(1.f / sqrtf(" + x + "))";
    case U::Square: return "(" + x + " * " + x + ")";
    case U::Reciprocal: return "(1.f / " + x + ")";
    case U::Exp: return f("expf");
    case U::Expm1: return f("expm1f");
    case U::Log: return f("logf");
    case U::Log2: return f("log2f");
    case U::Log10: return f("log10f");
    case U::Log1p: return f("log1pf");
    case U::Sin: return f("sinf");
    case U::Cos: return f("cosf");
    case U::Tan: return f("tanf");
    case U::ArcSin: return f("asinf");
    case U::ArcCos: return f("acosf");
    case U::ArcTan: return f("atanf");
    case U::Sinh: return f("sinhf");
    case U::Cosh: return f("coshf");
    case U::Tanh: return f("tanhf");
    case U::ArcSinh: return f("asinhf");
    case U::ArcCosh: return f("acoshf");
    case U::ArcTanh: return f("atanhf");
    case U::Sigmoid: return "(1.f / (1.f + expf(-" + x + ")))";
    case U::Erf: return f("erff");
    case U::ErfInv: return f("erfinvf");
    case U::Floor: return f("floorf");
    case U::Ceil: return f("ceilf");
    case U::Round:
      if (p.p[1] == 0.f) return f("rintf");
      return "(rintf(" + x + " * " + fused_float_bits(p.p[0]) + ") * " + fused_float_bits(p.p[1]) + ")";
    case U::Degrees: return "(" + x + " * " + fused_float_bits((float)57.295779513082320876798) + ")";
    case U::Radians: return "(" + x + " * " + fused_float_bits((float)0.017453292519943295769237) + ")";
    case U::NanToNum:
      return "mlx_nan_to_num(" + x + ", " + fused_float_bits(p.p[0]) + ", " + fused_float_bits(p.p[1]) + ", " +
             fused_float_bits(p.p[2]) + ")";
    default: return "";
  }
}

inline std::string fused_binary_expr(BinaryOp op, const std::string& a, const std::string& b) {
  using B = BinaryOp;
  auto call = [&](const char* fn) { return std::string(fn) + "(" + a + ", " + b + ")"; };
  switch (op) {
    case B::add: return "(" + a + " + " + b + ")";
    case B::subtract: return "(" + a + " - " + b + ")";
    case B::multiply: return "(" + a + " * " + b + ")";
    case B::divide: return "(" + a + " / " + b + ")";
    case B::floor_divide: return "floorf(" + a + " / " + b + ")";
    case B::remainder: return call("mlx_rem");
    case B::power: return call("powf");
    case B::maximum: return call("mlx_max");
    case B::minimum: return call("mlx_min");
    case B::arctan2: return call("atan2f");
    case B::logaddexp: return call("mlx_logaddexp");
    default: return "";
  }
}

// Storage types the generated loads/stores handle: 0 float32, 1 float16, 2 bfloat16.
inline int fused_dtype_code(Dtype dt) {
  return dt == Dtype::float32 ? 0 : dt == Dtype::float16 ? 1 : dt == Dtype::bfloat16 ? 2 : -1;
}
inline const char* fused_dtype_tag(int code) { return code == 0 ? "f32" : code == 1 ? "f16" : "bf16"; }

// Helpers every generated kernel starts with (no #include: NVRTC needs no headers).
inline const char* fused_prelude() {
  return R"(typedef unsigned short mlx_u16;
__device__ __forceinline__ float mlx_h2f(mlx_u16 h) { float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h)); return f; }
__device__ __forceinline__ mlx_u16 mlx_f2h(float f) { mlx_u16 h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h; }
__device__ __forceinline__ float mlx_b2f(mlx_u16 h) { return __uint_as_float(((unsigned)h) << 16); }
__device__ __forceinline__ mlx_u16 mlx_f2b(float f) { mlx_u16 h; asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h; }
__device__ __forceinline__ float mlx_ld_f32(const void* p, idx_t i) { return ((const float*)p)[i]; }
__device__ __forceinline__ float mlx_ld_f16(const void* p, idx_t i) { return mlx_h2f(((const mlx_u16*)p)[i]); }
__device__ __forceinline__ float mlx_ld_bf16(const void* p, idx_t i) { return mlx_b2f(((const mlx_u16*)p)[i]); }
__device__ __forceinline__ void mlx_st_f32(void* p, idx_t i, float v) { ((float*)p)[i] = v; }
__device__ __forceinline__ void mlx_st_f16(void* p, idx_t i, float v) { ((mlx_u16*)p)[i] = mlx_f2h(v); }
__device__ __forceinline__ void mlx_st_bf16(void* p, idx_t i, float v) { ((mlx_u16*)p)[i] = mlx_f2b(v); }
// Vector loads/stores of 4 or 8 elements at element index i (aligned by the host).
__device__ __forceinline__ void mlx_unpack_h(unsigned w, float* r, bool bf) {
  if (bf) { r[0] = __uint_as_float(w << 16); r[1] = __uint_as_float(w & 0xffff0000u); }
  else { r[0] = mlx_h2f((mlx_u16)(w & 0xffffu)); r[1] = mlx_h2f((mlx_u16)(w >> 16)); }
}
__device__ __forceinline__ unsigned mlx_pack_h(const float* r, bool bf) {
  return bf ? ((unsigned)mlx_f2b(r[0]) | ((unsigned)mlx_f2b(r[1]) << 16))
            : ((unsigned)mlx_f2h(r[0]) | ((unsigned)mlx_f2h(r[1]) << 16));
}
__device__ __forceinline__ void mlx_ldv4_f32(const void* p, idx_t i, float* r) {
  float4 v = *(const float4*)((const float*)p + i); r[0] = v.x; r[1] = v.y; r[2] = v.z; r[3] = v.w;
}
__device__ __forceinline__ void mlx_ldv8_f32(const void* p, idx_t i, float* r) { mlx_ldv4_f32(p, i, r); mlx_ldv4_f32(p, i + 4, r + 4); }
__device__ __forceinline__ void mlx_stv4_f32(void* p, idx_t i, const float* r) {
  *(float4*)((float*)p + i) = make_float4(r[0], r[1], r[2], r[3]);
}
__device__ __forceinline__ void mlx_stv8_f32(void* p, idx_t i, const float* r) { mlx_stv4_f32(p, i, r); mlx_stv4_f32(p, i + 4, r + 4); }
__device__ __forceinline__ void mlx_ldv4_h(const void* p, idx_t i, float* r, bool bf) {
  uint2 v = *(const uint2*)((const mlx_u16*)p + i); mlx_unpack_h(v.x, r, bf); mlx_unpack_h(v.y, r + 2, bf);
}
__device__ __forceinline__ void mlx_ldv8_h(const void* p, idx_t i, float* r, bool bf) {
  uint4 v = *(const uint4*)((const mlx_u16*)p + i);
  mlx_unpack_h(v.x, r, bf); mlx_unpack_h(v.y, r + 2, bf); mlx_unpack_h(v.z, r + 4, bf); mlx_unpack_h(v.w, r + 6, bf);
}
__device__ __forceinline__ void mlx_stv4_h(void* p, idx_t i, const float* r, bool bf) {
  *(uint2*)((mlx_u16*)p + i) = make_uint2(mlx_pack_h(r, bf), mlx_pack_h(r + 2, bf));
}
__device__ __forceinline__ void mlx_stv8_h(void* p, idx_t i, const float* r, bool bf) {
  *(uint4*)((mlx_u16*)p + i) = make_uint4(mlx_pack_h(r, bf), mlx_pack_h(r + 2, bf), mlx_pack_h(r + 4, bf), mlx_pack_h(r + 6, bf));
}
__device__ __forceinline__ void mlx_ldv4_f16(const void* p, idx_t i, float* r) { mlx_ldv4_h(p, i, r, false); }
__device__ __forceinline__ void mlx_ldv8_f16(const void* p, idx_t i, float* r) { mlx_ldv8_h(p, i, r, false); }
__device__ __forceinline__ void mlx_ldv4_bf16(const void* p, idx_t i, float* r) { mlx_ldv4_h(p, i, r, true); }
__device__ __forceinline__ void mlx_ldv8_bf16(const void* p, idx_t i, float* r) { mlx_ldv8_h(p, i, r, true); }
__device__ __forceinline__ void mlx_stv4_f16(void* p, idx_t i, const float* r) { mlx_stv4_h(p, i, r, false); }
__device__ __forceinline__ void mlx_stv8_f16(void* p, idx_t i, const float* r) { mlx_stv8_h(p, i, r, false); }
__device__ __forceinline__ void mlx_stv4_bf16(void* p, idx_t i, const float* r) { mlx_stv4_h(p, i, r, true); }
__device__ __forceinline__ void mlx_stv8_bf16(void* p, idx_t i, const float* r) { mlx_stv8_h(p, i, r, true); }
// Ops with special-value rules (as the CPU kernels and elementwise.cu).
__device__ __forceinline__ bool mlx_isnan(float x) { return x != x; }
__device__ __forceinline__ bool mlx_isinf(float x) { return fabsf(x) == __int_as_float(0x7f800000); }
__device__ __forceinline__ float mlx_nan_to_num(float x, float nan, float pinf, float ninf) {
  return mlx_isnan(x) ? nan : (mlx_isinf(x) ? (x > 0.f ? pinf : ninf) : x);
}
__device__ __forceinline__ float mlx_max(float a, float b) { return mlx_isnan(a) ? a : (a > b ? a : b); }
__device__ __forceinline__ float mlx_min(float a, float b) { return mlx_isnan(a) ? a : (a < b ? a : b); }
__device__ __forceinline__ float mlx_rem(float a, float b) {
  float r = fmodf(a, b);
  if (r != 0.f && ((r < 0.f) != (b < 0.f))) r += b;
  return r;
}
__device__ __forceinline__ float mlx_logaddexp(float a, float b) {
  float hi = mlx_max(a, b), lo = mlx_min(a, b);
  if (lo == -__int_as_float(0x7f800000) || hi == __int_as_float(0x7f800000)) return hi;
  return hi + log1pf(expf(lo - hi));
}
)";
}

// The whole kernel `mlx_fused` for program c with these dtypes and layout. Its single parameter is
// an array of 8-byte words: input pointers, output pointers, n, then (strided) shape[ndim] and
// strides[n_in][ndim] (see fused_args in compiled.cu). Empty string: an op without a fused form.
inline std::string fused_source(const Compiled& c, const std::vector<Dtype>& in_dt, const std::vector<Dtype>& out_dt,
                                const FusedLayout& L) {
  const int n_in = c.n_inputs(), n_out = (int)c.outputs().size();
  std::string s;
  s.reserve(8192);
  s += "// mlx-ts fused elementwise kernel (generated)\n";
  s += L.index64 ? "typedef long long idx_t;\n" : "typedef int idx_t;\n";
  s += fused_prelude();
  // Parameter block.
  s += "struct Args {\n";
  if (n_in) s += "  const void* in[" + std::to_string(n_in) + "];\n";
  s += "  void* out[" + std::to_string(n_out) + "];\n  long long n;\n";
  if (!L.contiguous) {
    s += "  long long shape[" + std::to_string(L.ndim) + "];\n";
    if (n_in) s += "  long long st[" + std::to_string(n_in) + "][" + std::to_string(L.ndim) + "];\n";
  }
  s += "};\n";
  // The program: inputs x[0..n_in), outputs y[0..n_out).
  s += "__device__ __forceinline__ void mlx_prog(const float* x, float* y) {\n";
  for (int k = 0; k < n_in; k++) s += "  const float r" + std::to_string(k) + " = x[" + std::to_string(k) + "];\n";
  for (size_t t = 0; t < c.program().size(); t++) {
    const FusedInstr& ins = c.program()[t];
    std::string a = "r" + std::to_string(ins.a), b = "r" + std::to_string(ins.b);
    std::string e = ins.is_unary ? fused_unary_expr(ins.uop, ins.params, a) : fused_binary_expr(ins.bop, a, b);
    if (e.empty()) return "";
    s += "  const float r" + std::to_string(n_in + (int)t) + " = " + e + ";\n";
  }
  for (int k = 0; k < n_out; k++)
    s += "  y[" + std::to_string(k) + "] = r" + std::to_string(c.outputs()[k]) + ";\n";
  s += "}\n";

  auto tag_in = [&](int k) { return std::string(fused_dtype_tag(fused_dtype_code(in_dt[k]))); };
  auto tag_out = [&](int k) { return std::string(fused_dtype_tag(fused_dtype_code(out_dt[k]))); };
  auto ks = [](int k) { return std::to_string(k); };
  const std::string xs = "float x[" + std::to_string(n_in ? n_in : 1) + "]", ys = "float y[" + ks(n_out) + "]";

  // Element offsets o<k> of flat index `rem` in each input (strided layouts).
  auto emit_offsets = [&] {
    for (int k = 0; k < n_in; k++) s += "    idx_t o" + ks(k) + " = 0;\n";
    for (int d = L.ndim - 1; d >= 0; d--) {
      if (d > 0) s += "    { const idx_t sh = (idx_t)a.shape[" + ks(d) + "]; const idx_t q = rem / sh; c = rem - q * sh; rem = q; }\n";
      else s += "    c = rem;\n";
      for (int k = 0; k < n_in; k++) s += "    o" + ks(k) + " += c * (idx_t)a.st[" + ks(k) + "][" + ks(d) + "];\n";
    }
  };

  // The body of a vectorised iteration once v<k>[V] (or scalars s<k>) are loaded: V elements through the
  // program, then vector stores of the outputs at flat index i; closes the loop.
  auto emit_vec_body = [&](const std::string& V) {
    for (int k = 0; k < n_out; k++) s += "    float w" + ks(k) + "[" + V + "];\n";
    s += "#pragma unroll\n    for (int j = 0; j < " + V + "; j++) {\n      " + xs + ";\n";
    for (int k = 0; k < n_in; k++)
      s += "      x[" + ks(k) + "] = " + (L.scalar[k] ? "s" + ks(k) : "v" + ks(k) + "[j]") + ";\n";
    s += "      " + ys + ";\n      mlx_prog(x, y);\n";
    for (int k = 0; k < n_out; k++) s += "      w" + ks(k) + "[j] = y[" + ks(k) + "];\n";
    s += "    }\n";
    for (int k = 0; k < n_out; k++)
      s += "    mlx_stv" + V + "_" + tag_out(k) + "(a.out[" + ks(k) + "], i, w" + ks(k) + ");\n";
    s += "  }\n";
  };

  s += "extern \"C\" __global__ void __launch_bounds__(256) mlx_fused(const Args a) {\n";
  s += "  const idx_t n = (idx_t)a.n;\n";
  s += "  const idx_t step = (idx_t)gridDim.x * (idx_t)blockDim.x;\n";
  s += "  const idx_t t = (idx_t)blockIdx.x * (idx_t)blockDim.x + (idx_t)threadIdx.x;\n";
  if (L.contiguous) {
    for (int k = 0; k < n_in; k++)
      if (L.scalar[k]) s += "  const float s" + ks(k) + " = mlx_ld_" + tag_in(k) + "(a.in[" + ks(k) + "], 0);\n";
    std::string tail_start = "0";
    if (L.vec > 1) {
      const std::string V = ks(L.vec);
      s += "  const idx_t nv = n / " + V + ";\n";
      s += "  for (idx_t v = t; v < nv; v += step) {\n    const idx_t i = v * " + V + ";\n";
      for (int k = 0; k < n_in; k++)
        if (!L.scalar[k])
          s += "    float v" + ks(k) + "[" + V + "]; mlx_ldv" + V + "_" + tag_in(k) + "(a.in[" + ks(k) + "], i, v" + ks(k) + ");\n";
      emit_vec_body(V);
      tail_start = "nv * " + V;
    }
    s += "  for (idx_t i = " + tail_start + " + t; i < n; i += step) {\n    " + xs + ";\n";
    for (int k = 0; k < n_in; k++)
      s += "    x[" + ks(k) + "] = " +
           (L.scalar[k] ? "s" + ks(k) : "mlx_ld_" + tag_in(k) + "(a.in[" + ks(k) + "], i)") + ";\n";
    s += "    " + ys + ";\n    mlx_prog(x, y);\n";
    for (int k = 0; k < n_out; k++) s += "    mlx_st_" + tag_out(k) + "(a.out[" + ks(k) + "], i, y[" + ks(k) + "]);\n";
    s += "  }\n";
  } else if (L.vec > 1) {
    const std::string V = ks(L.vec);
    s += "  const idx_t nv = n / " + V + ";\n";
    s += "  for (idx_t v = t; v < nv; v += step) {\n    const idx_t i = v * " + V + ";\n    idx_t rem = i, c;\n";
    emit_offsets();
    for (int k = 0; k < n_in; k++) {
      if (L.scalar[k]) s += "    const float s" + ks(k) + " = mlx_ld_" + tag_in(k) + "(a.in[" + ks(k) + "], o" + ks(k) + ");\n";
      else s += "    float v" + ks(k) + "[" + V + "]; mlx_ldv" + V + "_" + tag_in(k) + "(a.in[" + ks(k) + "], o" + ks(k) + ", v" + ks(k) + ");\n";
    }
    emit_vec_body(V);
  } else {
    s += "  for (idx_t i = t; i < n; i += step) {\n    idx_t rem = i, c;\n";
    emit_offsets();
    s += "    " + xs + ";\n";
    for (int k = 0; k < n_in; k++)
      s += "    x[" + ks(k) + "] = mlx_ld_" + tag_in(k) + "(a.in[" + ks(k) + "], o" + ks(k) + ");\n";
    s += "    " + ys + ";\n    mlx_prog(x, y);\n";
    for (int k = 0; k < n_out; k++) s += "    mlx_st_" + tag_out(k) + "(a.out[" + ks(k) + "], i, y[" + ks(k) + "]);\n";
    s += "  }\n";
  }
  s += "}\n";
  return s;
}

// ---------------------------------------------------------------- launch planning
// Host-side choices for one launch, also plain C++ (checked with the generated source off-GPU).
struct FusedPlan {
  FusedLayout L;
  std::vector<int64_t> sh;               // collapsed shape
  std::vector<std::vector<int64_t>> st;  // per input: collapsed element strides (0 = broadcast)
  int64_t n = 0;
  int blocks = 1;
};

// Step 1, before device pointers exist (donation depends on it): broadcast strides of each input
// (shape/strides right-aligned to the output), dims merged where every input is row-contiguous across
// them, size-1 dims dropped; contiguous when every input is then dense or one value.
inline void fused_plan_layout(const Shape& shape, const std::vector<const Shape*>& in_shape,
                              const std::vector<const Strides*>& in_strides, FusedPlan& P) {
  const int nd = (int)shape.size(), n_in = (int)in_shape.size();
  std::vector<std::vector<int64_t>> full(n_in, std::vector<int64_t>(nd, 0));
  for (int k = 0; k < n_in; k++) {
    const int ak = (int)in_shape[k]->size();
    for (int i = 0; i < ak; i++) full[k][nd - ak + i] = (*in_shape[k])[i] == 1 ? 0 : (*in_strides[k])[i];
  }
  P.n = 1;
  for (auto d : shape) P.n *= d;
  P.sh.clear();
  P.st.assign(n_in, {});
  for (int d = 0; d < nd; d++) {
    if (shape[d] == 1) continue;
    bool merge = !P.sh.empty();
    for (int k = 0; k < n_in && merge; k++) merge = P.st[k].back() == full[k][d] * shape[d];
    if (merge) {
      P.sh.back() *= shape[d];
      for (int k = 0; k < n_in; k++) P.st[k].back() = full[k][d];
    } else {
      P.sh.push_back(shape[d]);
      for (int k = 0; k < n_in; k++) P.st[k].push_back(full[k][d]);
    }
  }
  FusedLayout& L = P.L;
  L = FusedLayout{};
  L.contiguous = P.sh.size() <= 1;
  L.scalar.assign(n_in, 0);
  for (int k = 0; k < n_in && L.contiguous; k++) {
    int64_t sk = P.st[k].empty() ? 0 : P.st[k][0];
    if (sk != 0 && sk != 1) L.contiguous = false;
    L.scalar[k] = sk == 0;
  }
  if (!L.contiguous) L.scalar.assign(n_in, 0);
  L.ndim = L.contiguous ? 0 : (int)P.sh.size();
}

// Step 2, with the device pointers (byte addresses) and item sizes: vector width, index width and
// grid size (blocks of `threads`, at most max_blocks, grid-stride loops beyond). row_vectors=false
// keeps strided layouts at one element per thread.
inline void fused_plan_launch(FusedPlan& P, const std::vector<uintptr_t>& in_ptr, const std::vector<int>& in_item,
                              const std::vector<uintptr_t>& out_ptr, const std::vector<int>& out_item, int threads,
                              int64_t max_blocks, bool row_vectors = true) {
  FusedLayout& L = P.L;
  const int n_in = (int)in_ptr.size(), n_out = (int)out_ptr.size();
  // Vector accesses (16 bytes: 8 elements when every vector operand is 2 bytes wide, else 4).
  // Contiguous: dense inputs and outputs aligned. Strided: along the innermost dim when each input
  // has inner stride 1 (row starts aligned: pointer and outer strides) or 0 (one value per row).
  bool inner_ok = L.contiguous || row_vectors;
  if (!L.contiguous)
    for (int k = 0; k < n_in; k++) {
      int64_t si = P.st[k].back();
      inner_ok = inner_ok && (si == 0 || si == 1);
      L.scalar[k] = si == 0;
    }
  L.vec = 1;
  if (inner_ok && P.n >= 4 * threads) {  // tiny: one element per thread, no vector prologue
    int max_item = 0;
    for (int k = 0; k < n_in; k++) if (!L.scalar[k]) max_item = std::max(max_item, in_item[k]);
    for (int k = 0; k < n_out; k++) max_item = std::max(max_item, out_item[k]);
    for (int v : {max_item == 2 ? 8 : 4, 4}) {
      bool al = L.contiguous || P.sh.back() % v == 0;
      for (int k = 0; k < n_in; k++) {
        if (L.scalar[k]) continue;
        al = al && in_ptr[k] % (uintptr_t)(v * in_item[k]) == 0;
        if (!L.contiguous) for (size_t d = 0; d + 1 < P.sh.size(); d++) al = al && P.st[k][d] % v == 0;
      }
      for (int k = 0; k < n_out; k++) al = al && out_ptr[k] % (uintptr_t)(v * out_item[k]) == 0;
      if (al) { L.vec = v; break; }
    }
  }
  if (L.vec == 1 && !L.contiguous) L.scalar.assign(n_in, 0);
  const int64_t work = (P.n + L.vec - 1) / L.vec;
  P.blocks = (int)std::max<int64_t>(1, std::min<int64_t>((work + threads - 1) / threads, max_blocks));
  const int64_t step = (int64_t)P.blocks * threads * L.vec;
  const int64_t max32 = 2147483647;
  L.index64 = P.n + step > max32;
  for (int k = 0; k < n_in && !L.index64 && !L.contiguous; k++) {
    int64_t span = 0;
    for (size_t d = 0; d < P.sh.size(); d++) span += (P.st[k][d] < 0 ? -P.st[k][d] : P.st[k][d]) * (P.sh[d] - 1);
    L.index64 = span > max32;
  }
}

// The kernel variant of a plan: what besides the program the generated source depends on.
inline std::string fused_variant_key(const FusedLayout& L, const std::vector<Dtype>& in_dt, const std::vector<Dtype>& out_dt) {
  std::string v;
  v += (char)L.contiguous; v += (char)L.vec; v += (char)L.index64; v += (char)L.ndim;
  for (size_t k = 0; k < in_dt.size(); k++) { v += (char)fused_dtype_code(in_dt[k]); v += (char)L.scalar[k]; }
  for (auto d : out_dt) v += (char)fused_dtype_code(d);
  return v;
}

// The kernel's parameter block: 8-byte words in the order of the generated struct Args.
inline std::vector<int64_t> fused_args(const FusedPlan& P, const std::vector<uintptr_t>& in_ptr,
                                       const std::vector<uintptr_t>& out_ptr) {
  std::vector<int64_t> w;
  for (auto p : in_ptr) w.push_back((int64_t)p);
  for (auto p : out_ptr) w.push_back((int64_t)p);
  w.push_back(P.n);
  if (!P.L.contiguous) {
    for (auto v : P.sh) w.push_back(v);
    for (auto& s : P.st) for (auto v : s) w.push_back(v);
  }
  return w;
}

}  // namespace mlx::cu
