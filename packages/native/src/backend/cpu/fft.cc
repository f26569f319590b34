// CPU kernel of the FFT primitive: one 1-D pass per axis over every line along it (any
// strides), lines grouped into SIMD lanes and spread over the thread pool.
#include "fft_impl.h"

#include "../../engine/backend.h"
#include "../../engine/threadpool.h"
#include "../../primitives/fft.h"
#include "cpu_features.h"
#include "strided.h"

namespace mlx::cpu::fft {

typedef float vec4f __attribute__((vector_size(16)));

void lines_scalar(const LinePass& p, int64_t b0, int64_t b1) { run_lines<float, 1>(p, b0, b1); }
void lines_vec4(const LinePass& p, int64_t b0, int64_t b1) { run_lines<vec4f, 4>(p, b0, b1); }

namespace {

using LinesFn = void (*)(const LinePass&, int64_t, int64_t);

void run_pass(const LinePass& p) {
  LinesFn vec = lines_vec4;
  int W = 4;
#if defined(MLX_X86)
  switch (best_isa()) {
    case Isa::avx512: vec = lines_avx512, W = 16; break;
    case Isa::avx2: vec = lines_avx2, W = 8; break;
    default: break;
  }
#endif
  const int64_t B = p.lines(), n = p.n;
  // A partial last group still uses the vector path when it fills a quarter of the lanes;
  // a few leftover lines (or one long line) go one at a time.
  int64_t vec_end = B / W * W;
  if ((B - vec_end) * 4 >= W) vec_end = B;
  const int64_t groups = (vec_end + W - 1) / W;
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 16) / (W * std::max<int64_t>(n, 1)));
  if (groups > 0)
    parallel_for(groups, grain, [&](int64_t g0, int64_t g1) { vec(p, g0 * W, std::min(g1 * W, vec_end)); });
  if (vec_end < B)
    parallel_for(B - vec_end, std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(n, 1)),
                 [&](int64_t b0, int64_t b1) { lines_scalar(p, vec_end + b0, vec_end + b1); });
}

// Fills the line geometry of `p` for axis `ax` of `shape` (the shape of the other dims is shared
// by input and output; only the axis length may differ).
void set_lines(LinePass& p, const Shape& shape, int ax, const Strides& ist, const Strides& ost) {
  Shape outer;
  Strides oi, oo;
  for (int d = 0; d < (int)shape.size(); d++)
    if (d != ax) outer.push_back(shape[d]), oi.push_back(ist[d]), oo.push_back(ost[d]);
  auto L = collapse<2>(outer, {&oi, &oo});
  p.outer = L.shape;
  p.outer_in = L.strides[0];
  p.outer_out = L.strides[1];
  p.in_st = ist[ax];
  p.out_st = ost[ax];
}

void fft_kernel(const Primitive& prim, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  auto& fp = static_cast<const FFT&>(prim);
  const Array& in = inputs[0];
  Array& out = outputs[0];
  out.allocate();
  if (out.size() == 0) return;
  const auto& axes = fp.axes();
  const float scale = (float)fp.scale();
  const int na = (int)axes.size();

  // Complex passes over `list` from (src, src_strides) into out, the last one scaled by `last_scale`.
  auto c2c = [&](const std::vector<int>& list, const void* src, Strides src_st, Array& dst, bool inverse,
                 float last_scale) {
    for (size_t i = 0; i < list.size(); i++) {
      LinePass p;
      p.kind = Kind::c2c;
      p.inverse = inverse;
      p.n = dst.shape(list[i]);
      auto plan = get_cplan(p.n);
      p.cplan = plan.get();
      p.in = src;
      p.out = dst.raw_data();
      p.scale = i + 1 == list.size() ? last_scale : 1.f;
      set_lines(p, dst.shape(), list[i], src_st, dst.strides());
      run_pass(p);
      src = dst.raw_data();
      src_st = dst.strides();
    }
  };

  if (!fp.real()) {
    c2c(axes, in.raw_data(), in.strides(), out, fp.inverse(), scale);
    return;
  }
  const int last = axes.back();
  std::vector<int> rest(axes.begin(), axes.end() - 1);
  if (!fp.inverse()) {
    LinePass p;
    p.kind = Kind::r2c;
    p.n = in.shape(last);
    auto rplan = get_rplan(p.n);
    p.rplan = rplan.get();
    p.cplan = p.n % 2 ? rplan->c.get() : nullptr;
    p.in = in.raw_data();
    p.out = out.raw_data();
    p.scale = na == 1 ? scale : 1.f;
    set_lines(p, in.shape(), last, in.strides(), out.strides());
    run_pass(p);
    if (na > 1) c2c(rest, out.raw_data(), out.strides(), out, false, scale);
    return;
  }
  // Inverse real: complex passes over the leading axes into a temporary, then the real pass.
  Array tmp;
  const void* src = in.raw_data();
  Strides src_st = in.strides();
  if (na > 1) {
    tmp = Array::empty(in.shape(), Dtype::complex64);
    c2c(rest, src, src_st, tmp, true, 1.f);
    src = tmp.raw_data();
    src_st = tmp.strides();
  }
  LinePass p;
  p.kind = Kind::c2r;
  p.inverse = true;
  p.n = out.shape(last);
  auto rplan = get_rplan(p.n);
  p.rplan = rplan.get();
  p.cplan = p.n % 2 ? rplan->c.get() : nullptr;
  p.in = src;
  p.out = out.raw_data();
  p.scale = scale;
  set_lines(p, out.shape(), last, src_st, out.strides());
  run_pass(p);
}

}  // namespace

}  // namespace mlx::cpu::fft

namespace mlx::cpu {
MLX_REGISTER_KERNEL(cpu, FFT, fft::fft_kernel);
}
