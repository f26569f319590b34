// CPU kernels for Convolution. float32 (and float16/bfloat16 through float32 buffers) picks one of:
//  - pointwise (1x1 kernel, unit stride, no padding): the input already is the GEMM operand, one gemm per group;
//  - 1-D, one group, no dilation: the zero-padded input viewed with overlapping rows (row stride = stride * C)
//    is the im2col matrix itself, so the GEMM reads it in place (Whisper's k=3 convs);
//  - depthwise (one channel per group): a direct kernel vectorised over channels;
//  - everything else: im2col of a block of output rows into a thread-local buffer, then the packed GEMM,
//    blocks spread over threads (input dilation, flip, kernel dilation and groups handled by the gather).
// float64 and complex64 use a direct strided loop.
#include <algorithm>
#include <cstring>
#include <vector>

#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../engine/threadpool.h"
#include "../../primitives/conv.h"
#include "copy.h"
#include "gemm/gemm.h"

namespace mlx::cpu {

namespace {
using enum Dtype;

// Geometry with the spatial dims padded to 3 (missing dims have size 1 and no padding).
struct Geo {
  int64_t N, C, O, G, Cg, Og;
  int64_t S[3], K[3], Y[3];  // input, kernel, output spatial sizes
  int64_t kvol = 1, ypix = 1, xpix = 1;
  // tab[d][y * K[d] + k]: input index along d for output y and kernel tap k, or -1 (padding / dilation hole).
  std::vector<int32_t> tab[3];
};

Geo make_geo(const Array& x, const Array& w, const Array& y, const ConvParams& p) {
  Geo g;
  int nd = x.ndim() - 2;
  g.N = x.shape(0), g.C = x.shape(-1), g.O = w.shape(0), g.G = p.groups;
  g.Cg = g.C / g.G, g.Og = g.O / g.G;
  for (int d = 0; d < 3; d++) {
    bool real = d < nd;
    g.S[d] = real ? x.shape(d + 1) : 1;
    g.K[d] = real ? w.shape(d + 1) : 1;
    g.Y[d] = real ? y.shape(d + 1) : 1;
    g.kvol *= g.K[d], g.ypix *= g.Y[d], g.xpix *= g.S[d];
    int st = real ? p.stride[d] : 1, kd = real ? p.kernel_dilation[d] : 1, id = real ? p.input_dilation[d] : 1;
    int lo = real ? p.padding_lo[d] : 0;
    g.tab[d].resize(g.Y[d] * g.K[d]);
    for (int64_t o = 0; o < g.Y[d]; o++)
      for (int64_t k = 0; k < g.K[d]; k++) {
        int64_t pos = o * st + k * kd - lo;  // in input-dilated coordinates
        int64_t i = pos >= 0 && pos % id == 0 ? pos / id : -1;
        g.tab[d][o * g.K[d] + k] = (int32_t)(i >= 0 && i < g.S[d] ? i : -1);
      }
  }
  return g;
}

// A row-contiguous float32 copy of `a` unless it already is one.
const float* as_f32(const Array& a, std::vector<float>& store) {
  if (a.dtype() == float32 && a.flags().row_contiguous) return a.data<float>();
  store.resize(a.size());
  copy_to_raw(a, store.data(), float32, row_major_strides(a.shape()));
  return store.data();
}

// Calls fn(ptr) for each kernel tap of output pixel `yp` of image n: ptr = first input channel of the tapped
// pixel (nullptr for padding), tap order = row-major kernel index.
template <typename F> inline void for_taps(const Geo& g, int64_t n, int64_t yp, F&& fn) {
  int64_t y2 = yp % g.Y[2], t = yp / g.Y[2], y1 = t % g.Y[1], y0 = t / g.Y[1];
  const int32_t* t0 = g.tab[0].data() + y0 * g.K[0];
  const int32_t* t1 = g.tab[1].data() + y1 * g.K[1];
  const int32_t* t2 = g.tab[2].data() + y2 * g.K[2];
  for (int64_t a = 0; a < g.K[0]; a++)
    for (int64_t b = 0; b < g.K[1]; b++)
      for (int64_t c = 0; c < g.K[2]; c++) {
        int32_t i0 = t0[a], i1 = t1[b], i2 = t2[c];
        if ((i0 | i1 | i2) < 0) fn(int64_t(-1));
        else fn(((n * g.S[0] + i0) * g.S[1] + i1) * g.S[2] + i2);
      }
}

// ---- float32 paths ----

// Depthwise (Cg == Og == 1): out[n, y, c] = sum_k x[n, tap(y, k), c] * wt[k, c], with wt = w transposed to (kvol, C).
void conv_depthwise(const Geo& g, const float* x, const float* w, float* out) {
  std::vector<float> wt(g.kvol * g.C);
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t k = 0; k < g.kvol; k++) wt[k * g.C + c] = w[c * g.kvol + k];
  const int64_t rows = g.N * g.ypix, C = g.C;
  int64_t grain = std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, C * g.kvol));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      float* o = out + r * C;
      std::fill(o, o + C, 0.0f);
      int64_t k = 0;
      for_taps(g, r / g.ypix, r % g.ypix, [&](int64_t ip) {
        if (ip >= 0) {
          const float* xi = x + ip * C;
          const float* wk = wt.data() + k * C;
          for (int64_t c = 0; c < C; c++) o[c] += xi[c] * wk[c];
        }
        k++;
      });
    }
  });
}

// General: per block of output rows, gather the patches of group `grp` into col (rows x kvol*Cg), then gemm.
void conv_im2col(const Geo& g, const float* x, const float* w, float* out) {
  const int64_t M = g.N * g.ypix, Kd = g.kvol * g.Cg;
  const int64_t work = M * g.O * Kd;
  const int64_t mc = std::clamp<int64_t>((int64_t(1) << 17) / std::max<int64_t>(Kd, 1), 8, 2048);
  const int64_t nblocks = (M + mc - 1) / mc;
  auto block = [&](int64_t b, std::vector<float>& col, bool threads) {
    int64_t m0 = b * mc, m1 = std::min(M, m0 + mc), rows = m1 - m0;
    col.resize(rows * Kd);
    for (int64_t grp = 0; grp < g.G; grp++) {
      for (int64_t m = m0; m < m1; m++) {
        float* dst = col.data() + (m - m0) * Kd;
        for_taps(g, m / g.ypix, m % g.ypix, [&](int64_t ip) {
          if (ip >= 0) std::memcpy(dst, x + ip * g.C + grp * g.Cg, g.Cg * sizeof(float));
          else std::memset(dst, 0, g.Cg * sizeof(float));
          dst += g.Cg;
        });
      }
      // out[m, grp*Og + o] = sum_j col[m, j] * w[(grp*Og + o) * Kd + j]
      gemm(float32, rows, g.Og, Kd, 1.0f, col.data(), Kd, 1, w + grp * g.Og * Kd, 1, Kd, 0.0f,
           out + m0 * g.O + grp * g.Og, g.O, threads);
    }
  };
  if (work >= kGemmParallelWork && nblocks >= 2 * num_threads()) {
    parallel_for(nblocks, 1, [&](int64_t b0, int64_t b1) {
      std::vector<float> col;
      for (int64_t b = b0; b < b1; b++) block(b, col, false);
    });
  } else {
    std::vector<float> col;
    for (int64_t b = 0; b < nblocks; b++) block(b, col, work >= kGemmParallelWork);
  }
}

// 1x1 kernel, unit stride, no padding or dilation effects: the input rows are the GEMM's A.
void conv_pointwise(const Geo& g, const float* x, const float* w, float* out) {
  const int64_t M = g.N * g.ypix;
  for (int64_t grp = 0; grp < g.G; grp++)
    gemm(float32, M, g.Og, g.Cg, 1.0f, x + grp * g.Cg, g.C, 1, w + grp * g.Og * g.Cg, 1, g.Cg, 0.0f,
         out + grp * g.Og, g.O);
}

// 1-D, one group, no dilation: pad once, then each image's im2col matrix is a view with overlapping rows.
void conv_1d_view(const Geo& g, const ConvParams& p, const float* x, const float* w, float* out) {
  const int64_t L = g.S[0], C = g.C, lo = p.padding_lo[0], hi = p.padding_hi[0];
  const int64_t Lp = L + lo + hi, Lout = g.Y[0], Kd = g.K[0] * C, st = p.stride[0];
  std::vector<float> padded;
  const float* xp = x;
  if (lo > 0 || hi > 0) {
    padded.assign(g.N * Lp * C, 0.0f);
    for (int64_t n = 0; n < g.N; n++)
      std::memcpy(padded.data() + (n * Lp + lo) * C, x + n * L * C, L * C * sizeof(float));
    xp = padded.data();
  }
  const int64_t work = Lout * g.O * Kd;
  auto one = [&](int64_t n, bool threads) {
    gemm(float32, Lout, g.O, Kd, 1.0f, xp + n * Lp * C, st * C, 1, w, 1, Kd, 0.0f, out + n * Lout * g.O, g.O, threads);
  };
  if (work < kGemmParallelWork && g.N > 1) {
    parallel_for(g.N, std::max<int64_t>(1, kGemmParallelWork / 8 / std::max<int64_t>(work, 1)), [&](int64_t b, int64_t e) {
      for (int64_t n = b; n < e; n++) one(n, false);
    });
  } else {
    for (int64_t n = 0; n < g.N; n++) one(n, true);
  }
}

void conv_f32(const Geo& g, const ConvParams& p, int nd, const float* x, const float* w, float* out) {
  bool unit = true, zero_pad = true, no_kdil = true;
  for (int d = 0; d < nd; d++) {
    unit &= p.stride[d] == 1 && p.input_dilation[d] == 1;
    zero_pad &= p.padding_lo[d] == 0 && p.padding_hi[d] == 0;
    no_kdil &= p.kernel_dilation[d] == 1 && p.input_dilation[d] == 1;
  }
  if (g.kvol == 1 && unit && zero_pad) return conv_pointwise(g, x, w, out);
  if (nd == 1 && g.G == 1 && no_kdil && p.padding_lo[0] >= 0 && p.padding_hi[0] >= 0 && g.C >= 8)
    return conv_1d_view(g, p, x, w, out);
  if (g.Cg == 1 && g.Og == 1 && g.kvol > 1) return conv_depthwise(g, x, w, out);
  conv_im2col(g, x, w, out);
}

// ---- float64 / complex64: direct loop ----
template <typename T> void conv_direct(const Geo& g, const T* x, const T* w, T* out) {
  const int64_t rows = g.N * g.ypix, Kd = g.kvol * g.Cg;
  parallel_for(rows, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, g.O * Kd)), [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> taps(g.kvol);
    for (int64_t r = r0; r < r1; r++) {
      int64_t k = 0;
      for_taps(g, r / g.ypix, r % g.ypix, [&](int64_t ip) { taps[k++] = ip; });
      for (int64_t oc = 0; oc < g.O; oc++) {
        int64_t grp = oc / g.Og;
        const T* wo = w + oc * Kd;
        T acc = T(0);
        for (int64_t t = 0; t < g.kvol; t++) {
          if (taps[t] < 0) continue;
          const T* xi = x + taps[t] * g.C + grp * g.Cg;
          const T* wk = wo + t * g.Cg;
          for (int64_t c = 0; c < g.Cg; c++) acc += xi[c] * wk[c];
        }
        out[r * g.O + oc] = acc;
      }
    }
  });
}

// Row-contiguous weight (O, kvol, Cg) of type T, kernel taps reversed when flipping.
template <typename T> const T* prep_weight(const Array& w, bool flip, int64_t kvol, std::vector<T>& store) {
  const T* src;
  std::vector<T> tmp;
  if (w.dtype() == TypeToDtype<T>::value && w.flags().row_contiguous) {
    src = w.data<T>();
  } else {
    tmp.resize(w.size());
    copy_to_raw(w, tmp.data(), TypeToDtype<T>::value, row_major_strides(w.shape()));
    src = tmp.data();
  }
  if (!flip) {
    if (tmp.empty()) return src;
    store = std::move(tmp);
    return store.data();
  }
  int64_t O = w.shape(0), Cg = w.shape(-1);
  store.resize(w.size());
  for (int64_t o = 0; o < O; o++)
    for (int64_t k = 0; k < kvol; k++)
      std::memcpy(store.data() + (o * kvol + (kvol - 1 - k)) * Cg, src + (o * kvol + k) * Cg, Cg * sizeof(T));
  return store.data();
}

void convolution(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& outs) {
  auto& p = static_cast<const Convolution&>(prim).params();
  const Array &x = in[0], &w = in[1];
  Array& out = outs[0];
  out.allocate();
  if (out.size() == 0) return;
  const int nd = x.ndim() - 2;
  Geo g = make_geo(x, w, out, p);
  const Dtype dt = out.dtype();
  if (g.Cg == 0 || g.kvol == 0) {
    std::memset(out.raw_data(), 0, out.nbytes());
    return;
  }
  if (dt == float64 || dt == complex64) {
    auto run = [&](auto tag) {
      using T = decltype(tag);
      std::vector<T> xs, ws;
      const T* xp;
      if (x.flags().row_contiguous) xp = x.data<T>();
      else xs.resize(x.size()), copy_to_raw(x, xs.data(), dt, row_major_strides(x.shape())), xp = xs.data();
      conv_direct<T>(g, xp, prep_weight<T>(w, p.flip, g.kvol, ws), out.data<T>());
    };
    if (dt == float64) run(double{});
    else run(complex64_t{});
    return;
  }
  std::vector<float> xs, ws, os;
  const float* xp = as_f32(x, xs);
  const float* wp = prep_weight<float>(w, p.flip, g.kvol, ws);
  float* op = dt == float32 ? out.data<float>() : (os.resize(out.size()), os.data());
  conv_f32(g, p, nd, xp, wp, op);
  if (dt == float16) {
    auto* o = out.data<float16_t>();
    for (int64_t i = 0; i < out.size(); i++) o[i] = float16_t(os[i]);
  } else if (dt == bfloat16) {
    auto* o = out.data<bfloat16_t>();
    for (int64_t i = 0; i < out.size(); i++) o[i] = bfloat16_t(os[i]);
  }
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Convolution, convolution);

}  // namespace mlx::cpu
