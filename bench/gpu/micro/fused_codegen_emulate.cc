// Build and run (no GPU needed; NV = the pip CUDA wheel dir, e.g. /work/cudavenv/lib/python3.11/site-packages/nvidia/cu13):
//   g++ -std=c++20 -O1 -Ipackages/native/src -I$NV/include bench/gpu/micro/fused_codegen_emulate.cc -ldl -o /tmp/fused-emu && /tmp/fused-emu
// Writes its generated sources and host builds under /tmp/fcheck.
// Off-GPU check of the fused-kernel generator and launch planning: the generated CUDA source is
// compiled as host C++ (thin shims for the CUDA builtins), run over the planned grid, and compared
// bit for bit with a direct interpretation of the program over the original (uncollapsed) strides.
#include <dlfcn.h>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include "backend/cuda/compiled_codegen.h"
namespace mlx {
std::vector<Array> Primitive::vjp(const std::vector<Array>&, const std::vector<Array>&, const std::vector<int>&, const std::vector<Array>&) { return {}; }
std::vector<Array> Primitive::jvp(const std::vector<Array>&, const std::vector<Array>&, const std::vector<int>&) { return {}; }
std::pair<std::vector<Array>, std::vector<int>> Primitive::vmap(const std::vector<Array>&, const std::vector<int>&) { return {}; }
std::vector<Shape> Primitive::output_shapes(const std::vector<Array>&) { return {}; }
std::vector<Shape> Compiled::output_shapes(const std::vector<Array>&) { return {}; }
}
using namespace mlx; using namespace mlx::cu;

static const char* kShim = R"(#include <cmath>
#include <cstring>
#include <cstdint>
#define __device__
#define __forceinline__ inline
#define __global__
#define __launch_bounds__(x)
struct D3 { unsigned x, y, z; };
static D3 blockIdx, blockDim, threadIdx, gridDim;
struct float4 { float x, y, z, w; }; struct uint2 { unsigned x, y; }; struct uint4 { unsigned x, y, z, w; };
inline float4 make_float4(float a, float b, float c, float d) { return {a, b, c, d}; }
inline uint2 make_uint2(unsigned a, unsigned b) { return {a, b}; }
inline uint4 make_uint4(unsigned a, unsigned b, unsigned c, unsigned d) { return {a, b, c, d}; }
inline float __uint_as_float(unsigned u) { float f; memcpy(&f, &u, 4); return f; }
inline float __int_as_float(int u) { float f; memcpy(&f, &u, 4); return f; }
inline float erfinvf(float x) { return x; }
inline float emu_h2f(unsigned short h) { return (float)*(_Float16*)&h; }
inline unsigned short emu_f2h(float f) { _Float16 v = (_Float16)f; unsigned short h; memcpy(&h, &v, 2); return h; }
inline unsigned short emu_f2b(float f) { unsigned u; memcpy(&u, &f, 4); u += 0x7fff + ((u >> 16) & 1); return (unsigned short)(u >> 16); }
)";

std::string host_source(std::string s) {
  auto rep = [&](const std::string& a, const std::string& b) { size_t p = s.find(a); if (p == std::string::npos) { printf("shim: missing %s\n", a.c_str()); exit(1); } s.replace(p, a.size(), b); };
  rep(R"(asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));)", "f = emu_h2f(h);");
  rep(R"(asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));)", "h = emu_f2h(f);");
  rep(R"(asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(h) : "f"(f));)", "h = emu_f2b(f);");
  return std::string(kShim) + s + R"(
extern "C" void emu_run(const void* words, int blocks, int threads) {
  Args a; memcpy(&a, words, sizeof(Args));
  gridDim.x = blocks; blockDim.x = threads;
  for (int b = 0; b < blocks; b++) for (int t = 0; t < threads; t++) { blockIdx.x = b; threadIdx.x = t; mlx_fused(a); }
}
)";
}

float ld(Dtype d, const void* p, int64_t i) {
  if (d == Dtype::float32) return ((const float*)p)[i];
  unsigned short h = ((const unsigned short*)p)[i];
  if (d == Dtype::float16) return (float)*(const _Float16*)&h;
  unsigned u = (unsigned)h << 16; float f; memcpy(&f, &u, 4); return f;
}
void st(Dtype d, void* p, int64_t i, float v) {
  if (d == Dtype::float32) { ((float*)p)[i] = v; return; }
  unsigned short h;
  if (d == Dtype::float16) { _Float16 x = (_Float16)v; memcpy(&h, &x, 2); }
  else { unsigned u; memcpy(&u, &v, 4); u += 0x7fff + ((u >> 16) & 1); h = (unsigned short)(u >> 16); }
  ((unsigned short*)p)[i] = h;
}
float interp(const Compiled& c, std::vector<float> r, int out) {
  for (auto& ins : c.program()) {
    float a = r[ins.a], b = r[ins.b], v;
    if (ins.is_unary) v = ins.uop == UnaryOp::Tanh ? tanhf(a) : ins.uop == UnaryOp::Exp ? expf(a) : ins.uop == UnaryOp::Negative ? -a : ins.uop == UnaryOp::Square ? a * a : NAN;
    else v = ins.bop == BinaryOp::add ? a + b : ins.bop == BinaryOp::multiply ? a * b : ins.bop == BinaryOp::subtract ? a - b : ins.bop == BinaryOp::maximum ? (a != a ? a : (a > b ? a : b)) : NAN;
    r.push_back(v);
  }
  return r[c.outputs()[out]];
}

struct In { Dtype dt; Shape shape; Strides strides; int64_t offset; int64_t alloc; };

int run_case(const char* name, const Compiled& c, std::vector<In> ins, Shape oshape, std::vector<Dtype> odt, const char* expect, bool force64 = false) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> U(-2, 2);
  std::vector<std::vector<char>> bufs;
  std::vector<uintptr_t> ip; std::vector<int> iitem; std::vector<Dtype> idt;
  for (auto& in : ins) {
    int item = in.dt == Dtype::float32 ? 4 : 2;
    bufs.emplace_back(in.alloc * item + 64);
    char* base = (char*)(((uintptr_t)bufs.back().data() + 31) & ~(uintptr_t)31);
    for (int64_t i = 0; i < in.alloc; i++) st(in.dt, base, i, U(rng));
    ip.push_back((uintptr_t)(base + in.offset * item)); iitem.push_back(item); idt.push_back(in.dt);
  }
  int64_t n = 1; for (auto d : oshape) n *= d;
  std::vector<std::vector<char>> obufs; std::vector<uintptr_t> op; std::vector<int> oitem;
  for (auto d : odt) { int item = d == Dtype::float32 ? 4 : 2; obufs.emplace_back(n * item + 64, 0x5a); op.push_back(((uintptr_t)obufs.back().data() + 31) & ~(uintptr_t)31); oitem.push_back(item); }
  FusedPlan P;
  std::vector<const Shape*> shp; std::vector<const Strides*> str;
  for (auto& in : ins) { shp.push_back(&in.shape); str.push_back(&in.strides); }
  fused_plan_layout(oshape, shp, str, P);
  fused_plan_launch(P, ip, iitem, op, oitem, 256, 8);
  if (force64) P.L.index64 = true;
  char got[200];
  std::snprintf(got, sizeof got, "%s nd=%d vec=%d i64=%d", P.L.contiguous ? "contig" : "strided", P.L.ndim, P.L.vec, (int)P.L.index64);
  std::string src = host_source(fused_source(c, idt, odt, P.L));
  std::string f = std::string("/tmp/fcheck/emu_") + name;
  std::ofstream(f + ".cc") << src;
  if (system(("g++ -O1 -shared -fPIC -w -o " + f + ".so " + f + ".cc").c_str()) != 0) { printf("%s: host compile failed\n", name); return 1; }
  void* h = dlopen((f + ".so").c_str(), RTLD_NOW | RTLD_LOCAL);
  auto run = (void (*)(const void*, int, int))dlsym(h, "emu_run");
  auto words = fused_args(P, ip, op);
  run(words.data(), P.blocks, 256);
  // reference
  int bad = 0;
  for (int64_t i = 0; i < n; i++) {
    std::vector<float> r;
    for (size_t k = 0; k < ins.size(); k++) {
      int64_t off = 0, rem = i;
      for (int d = (int)oshape.size() - 1; d >= 0; d--) {
        int64_t idx = rem % oshape[d]; rem /= oshape[d];
        int kd = d - ((int)oshape.size() - (int)ins[k].shape.size());
        if (kd >= 0 && ins[k].shape[kd] != 1) off += idx * ins[k].strides[kd];
      }
      r.push_back(ld(idt[k], (const void*)ip[k], off));
    }
    for (size_t o = 0; o < odt.size(); o++) {
      std::vector<char> tmp(4); st(odt[o], tmp.data(), 0, interp(c, r, (int)o));
      float want = ld(odt[o], tmp.data(), 0), g = ld(odt[o], (const void*)op[o], i);
      if (memcmp(&want, &g, 4) != 0 && !(want != want && g != g)) { if (bad++ < 3) printf("  %s: out %zu elem %lld got %g want %g\n", name, o, (long long)i, g, want); }
    }
  }
  bool layout_ok = std::string(got) == expect;
  printf("%-28s %-36s %s%s\n", name, got, bad ? "MISMATCH" : "ok", layout_ok ? "" : (std::string(" (expected ") + expect + ")").c_str());
  return bad || !layout_ok;
}

int main() {
  Stream s{};
  auto B = [](BinaryOp o, int a, int b) { return FusedInstr{false, UnaryOp::Abs, o, {}, a, b}; };
  auto Un = [](UnaryOp o, int a) { return FusedInstr{true, o, BinaryOp::add, {}, a, 0}; };
  // out = tanh(x * s1 + s2) * x ; 3 inputs
  Compiled c3(s, 3, {B(BinaryOp::multiply, 0, 1), B(BinaryOp::add, 3, 2), Un(UnaryOp::Tanh, 4), B(BinaryOp::multiply, 5, 0)}, {6});
  Compiled c3b(s, 3, {B(BinaryOp::multiply, 0, 1), B(BinaryOp::add, 3, 2), Un(UnaryOp::Tanh, 4), B(BinaryOp::multiply, 5, 0)}, {6, 4});
  auto bf = Dtype::bfloat16, h = Dtype::float16, f = Dtype::float32;
  int fails = 0;
  int64_t N = 10003;
  fails += run_case("contig_bf16_scalars", c3, {{bf, {N}, {1}, 0, N}, {bf, {}, {}, 0, 1}, {bf, {1}, {1}, 0, 1}}, {N}, {bf}, "contig nd=0 vec=8 i64=0");
  fails += run_case("contig_f32_misaligned", c3, {{f, {N}, {1}, 1, N + 1}, {f, {N}, {1}, 0, N}, {f, {}, {}, 0, 1}}, {N}, {f}, "contig nd=0 vec=1 i64=0");
  fails += run_case("contig_mixed_2out", c3b, {{h, {N}, {1}, 0, N}, {f, {N}, {1}, 0, N}, {h, {}, {}, 0, 1}}, {N}, {f, h}, "contig nd=0 vec=4 i64=0");
  fails += run_case("contig_f16_i64", c3, {{h, {N}, {1}, 0, N}, {h, {N}, {1}, 0, N}, {h, {}, {}, 0, 1}}, {N}, {h}, "contig nd=0 vec=8 i64=1", true);
  fails += run_case("rows_bf16_bias_scale", c3, {{bf, {129, 96}, {96, 1}, 0, 129 * 96}, {bf, {129, 1}, {1, 1}, 0, 129}, {bf, {96}, {1}, 0, 96}}, {129, 96}, {bf}, "strided nd=2 vec=8 i64=0");
  fails += run_case("rows_f32_bias_scale", c3, {{f, {129, 96}, {96, 1}, 0, 129 * 96}, {f, {129, 1}, {1, 1}, 0, 129}, {f, {96}, {1}, 0, 96}}, {129, 96}, {f}, "strided nd=2 vec=4 i64=0");
  fails += run_case("rows_i64", c3, {{f, {129, 96}, {96, 1}, 0, 129 * 96}, {f, {129, 1}, {1, 1}, 0, 129}, {f, {96}, {1}, 0, 96}}, {129, 96}, {f}, "strided nd=2 vec=4 i64=1", true);
  fails += run_case("rows_unaligned_slice", c3, {{bf, {129, 96}, {97, 1}, 1, 129 * 97}, {bf, {129, 1}, {1, 1}, 0, 129}, {bf, {96}, {1}, 0, 96}}, {129, 96}, {bf}, "strided nd=2 vec=1 i64=0");
  fails += run_case("rows_3d_bias", c3, {{bf, {3, 43, 64}, {43 * 64, 64, 1}, 8, 3 * 43 * 64 + 8}, {bf, {43, 1}, {1, 1}, 0, 43}, {bf, {64}, {1}, 0, 64}}, {3, 43, 64}, {bf}, "strided nd=3 vec=8 i64=0");
  fails += run_case("transposed", c3, {{f, {40, 66}, {1, 40}, 0, 40 * 66}, {f, {66}, {1}, 0, 66}, {f, {}, {}, 0, 1}}, {40, 66}, {f}, "strided nd=2 vec=1 i64=0");
  fails += run_case("bcast_3d", c3, {{f, {4, 1, 33}, {33, 33, 1}, 0, 132}, {f, {5, 1}, {1, 1}, 0, 5}, {f, {33}, {1}, 0, 33}}, {4, 5, 33}, {f}, "strided nd=3 vec=1 i64=0");
  fails += run_case("tiny", c3, {{f, {7}, {1}, 0, 7}, {f, {7}, {1}, 0, 7}, {f, {}, {}, 0, 1}}, {7}, {f}, "contig nd=0 vec=1 i64=0");
  fails += run_case("scalar_out", c3, {{f, {}, {}, 0, 1}, {f, {1}, {1}, 0, 1}, {f, {1, 1}, {1, 1}, 0, 1}}, {1, 1}, {f}, "contig nd=0 vec=1 i64=0");
  printf("%s\n", fails ? "FAILED" : "all ok");
  return fails != 0;
}
