// mx.fast on the GPU: RMSNorm/LayerNorm (one block per row, row in registers, float math, the
// CPU kernel's rounding order) and RoPE (cos/sin computed per element in float32). Attention is in
// attention.cu.
#include <algorithm>

#include "../../primitives/fast.h"
#include "common.cuh"

namespace mlx::cu {

namespace {

constexpr int kNormThreads = 256;
constexpr int kNormCache = 16;

template <typename In, typename Out>
__global__ void norm_kernel(const In* x, const Out* w, const Out* b, Out* y, int64_t rows, int64_t n, float eps, bool layer) {
  __shared__ float smem[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const In* xr = x + r * n;
    float v[kNormCache];
    float s = 0.f;
#pragma unroll
    for (int k = 0; k < kNormCache; k++) {
      int64_t i = threadIdx.x + (int64_t)k * blockDim.x;
      v[k] = i < n ? cvt<float>(xr[i]) : 0.f;
      s += v[k];
    }
    for (int64_t i = threadIdx.x + (int64_t)kNormCache * blockDim.x; i < n; i += blockDim.x) s += cvt<float>(xr[i]);
    float mu = 0.f;
    if (layer) mu = block_reduce<float>(s, [](float a, float c) { return a + c; }, smem, 0.f) / (float)n;
    float q = 0.f;
#pragma unroll
    for (int k = 0; k < kNormCache; k++) {
      int64_t i = threadIdx.x + (int64_t)k * blockDim.x;
      float d = v[k] - mu;
      if (i < n) q += d * d;
    }
    for (int64_t i = threadIdx.x + (int64_t)kNormCache * blockDim.x; i < n; i += blockDim.x) {
      float d = cvt<float>(xr[i]) - mu;
      q += d * d;
    }
    float var = block_reduce<float>(q, [](float a, float c) { return a + c; }, smem, 0.f) / (float)n;
    float rs = rsqrtf(var + eps);
    Out* yr = y + r * n;
    auto emit = [&](int64_t i, float xv) {
      if constexpr (std::is_same_v<Out, float>) {
        float t = (xv - mu) * rs;
        if (w) t *= w[i];
        if (b) t += b[i];
        yr[i] = t;
      } else {
        Out t = cvt<Out>((xv - mu) * rs);
        if (w) t = cvt<Out>(cvt<float>(t) * cvt<float>(w[i]));
        if (b) t = cvt<Out>(cvt<float>(t) + cvt<float>(b[i]));
        yr[i] = t;
      }
    };
#pragma unroll
    for (int k = 0; k < kNormCache; k++) {
      int64_t i = threadIdx.x + (int64_t)k * blockDim.x;
      if (i < n) emit(i, v[k]);
    }
    for (int64_t i = threadIdx.x + (int64_t)kNormCache * blockDim.x; i < n; i += blockDim.x) emit(i, cvt<float>(xr[i]));
    __syncthreads();
  }
}

// One pass over the row: each thread holds VPT 16-byte vectors of the row in registers; mean and
// variance come from two block reductions over those registers (the same order of operations as
// norm_kernel: mean, then the mean of squared deviations).
template <typename Out, int E> struct alignas(sizeof(Out) * E >= 16 ? 16 : sizeof(Out) * E) OutVec { Out a[E]; };

template <typename In, typename Out, int VPT>
__global__ void norm_vec_kernel(const In* x, const Out* w, const Out* b, Out* y, int n, float eps, bool layer) {
  constexpr int E = 16 / sizeof(In);
  using V = OutVec<Out, E>;
  __shared__ float smem[32];
  const int64_t r = blockIdx.x;
  const int nv = n / E;
  const uint4* xr = reinterpret_cast<const uint4*>(x + r * n);
  float v[VPT][E];
  float s = 0.f;
#pragma unroll
  for (int k = 0; k < VPT; k++) {
    int i = threadIdx.x + k * blockDim.x;
    uint4 raw = i < nv ? xr[i] : make_uint4(0, 0, 0, 0);
    const In* t = reinterpret_cast<const In*>(&raw);
#pragma unroll
    for (int e = 0; e < E; e++) {
      v[k][e] = cvt<float>(t[e]);
      s += v[k][e];
    }
  }
  auto add = [](float a, float c) { return a + c; };
  float mu = layer ? block_reduce<float>(s, add, smem, 0.f) / (float)n : 0.f;
  float q = 0.f;
#pragma unroll
  for (int k = 0; k < VPT; k++) {
    if (threadIdx.x + k * blockDim.x < nv) {
#pragma unroll
      for (int e = 0; e < E; e++) {
        float d = v[k][e] - mu;
        q += d * d;
      }
    }
  }
  float rs = rsqrtf(block_reduce<float>(q, add, smem, 0.f) / (float)n + eps);
  V* yr = reinterpret_cast<V*>(y + r * n);
  const V* wv = reinterpret_cast<const V*>(w);
  const V* bv = reinterpret_cast<const V*>(b);
#pragma unroll
  for (int k = 0; k < VPT; k++) {
    int i = threadIdx.x + k * blockDim.x;
    if (i >= nv) continue;
    V o, wk, bk;
    if (w) wk = wv[i];
    if (b) bk = bv[i];
#pragma unroll
    for (int e = 0; e < E; e++) {
      if constexpr (std::is_same_v<Out, float>) {
        float t = (v[k][e] - mu) * rs;
        if (w) t *= wk.a[e];
        if (b) t += bk.a[e];
        o.a[e] = t;
      } else {
        Out t = cvt<Out>((v[k][e] - mu) * rs);
        if (w) t = cvt<Out>(cvt<float>(t) * cvt<float>(wk.a[e]));
        if (b) t = cvt<Out>(cvt<float>(t) + cvt<float>(bk.a[e]));
        o.a[e] = t;
      }
    }
    yr[i] = o;
  }
}

void norm(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out, bool layer, float eps, int wi, int bi) {
  const Array& x0 = in[0];
  Dtype od = out[0].dtype();
  bool ok = (x0.dtype() == Dtype::float32 || x0.dtype() == Dtype::float16 || x0.dtype() == Dtype::bfloat16) &&
            (od == Dtype::float32 || od == Dtype::float16 || od == Dtype::bfloat16) && x0.ndim() > 0;
  if (wi >= 0) ok = ok && in[wi].dtype() == od;
  if (bi >= 0) ok = ok && in[bi].dtype() == od;
  if (!ok) return cpu_fallback(p, in, out);
  auto& s = p.stream();
  Array x = contiguous_gpu(x0, s);
  int64_t n = x.shape(-1), rows = n ? x.size() / n : 0;
  void* yp = alloc_out(out[0], s);
  if (rows == 0 || n == 0) return;
  Array w, b;
  if (wi >= 0) { w = contiguous_gpu(in[wi], s); check(w.size() == n, ErrorCode::shape, "[norm] weight size."); }
  if (bi >= 0) { b = contiguous_gpu(in[bi], s); check(b.size() == n, ErrorCode::shape, "[norm] bias size."); }
  const void* xp = in_ptr(x, s);
  const void* wp = w.valid() ? in_ptr(w, s) : nullptr;
  const void* bp = b.valid() ? in_ptr(b, s) : nullptr;
  cudaStream_t st = stream_of(s);
  // The register-cached kernel needs <= 256 threads (its register count rules out 1024).
  int threads = n <= 2048 ? 128 : kNormThreads;
  constexpr int kVPT = 4;
  auto al = [](const void* q) { return (reinterpret_cast<uintptr_t>(q) & 15) == 0; };
  int64_t epv = 16 / dtype_size(x.dtype());
  int64_t vthreads = ((n / epv + kVPT - 1) / kVPT + 31) / 32 * 32;
  bool vec = n % epv == 0 && vthreads <= 1024 && al(xp) && al(yp) && (!wp || al(wp)) && (!bp || al(bp)) &&
             rows < (1ll << 31);
  dispatch_dev_float(x.dtype(), [&](auto ip) {
    using In = MLX_T(ip);
    dispatch_dev_float(od, [&](auto opp) {
      using Out = MLX_T(opp);
      if constexpr (!std::is_same_v<In, double> && !std::is_same_v<Out, double>) {
        if (vec) {
          norm_vec_kernel<In, Out, kVPT><<<(unsigned)rows, (unsigned)vthreads, 0, st>>>(
              (const In*)xp, (const Out*)wp, (const Out*)bp, (Out*)yp, (int)n, eps, layer);
          MLX_CUDA_LAUNCHED();
          return;
        }
        norm_kernel<In, Out><<<(int)std::min<int64_t>(rows, 1 << 20), threads, 0, st>>>(
            (const In*)xp, (const Out*)wp, (const Out*)bp, (Out*)yp, rows, n, eps, layer);
        MLX_CUDA_LAUNCHED();
      }
    });
  });
}

void rms_norm(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& P = static_cast<const RMSNorm&>(p);
  norm(p, in, out, false, P.eps(), P.has_weight() ? 1 : -1, -1);
}
void layer_norm(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& P = static_cast<const LayerNorm&>(p);
  norm(p, in, out, true, P.eps(), P.has_weight() ? 1 : -1, P.has_bias() ? (P.has_weight() ? 2 : 1) : -1);
}

// ---------------------------------------------------------------- RoPE
struct RopeArgs {
  int64_t B, N, T, D;
  int half, dims, nb;
  bool trad, fwd;
  float scale, logbase_over_half;
};

template <typename T> __device__ __forceinline__ void rot(T a, T b, T c, T s, T& o1, T& o2) {
  if constexpr (std::is_same_v<T, float>) {
    o1 = a * c - b * s;
    o2 = a * s + b * c;
  } else {
    float ac = cvt<float>(cvt<T>(cvt<float>(a) * cvt<float>(c))), bs = cvt<float>(cvt<T>(cvt<float>(b) * cvt<float>(s)));
    float as = cvt<float>(cvt<T>(cvt<float>(a) * cvt<float>(s))), bc = cvt<float>(cvt<T>(cvt<float>(b) * cvt<float>(c)));
    o1 = cvt<T>(ac - bs);
    o2 = cvt<T>(as + bc);
  }
}

template <typename T, typename Off>
__global__ void rope_kernel(const T* x, T* y, const Off* offs, const float* freqs, RopeArgs A) {
  int64_t rows = A.B * A.N * A.T;
  int64_t total = rows * A.D;
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total; e += (int64_t)gridDim.x * blockDim.x) {
    int64_t r = e / A.D;
    int64_t j = e % A.D;
    const T* xi = x + r * A.D;
    T* o = y + r * A.D;
    if (j >= A.dims) { o[j] = xi[j]; continue; }
    if (j >= A.half) continue;  // each thread j < half writes the pair
    int i = (int)j;
    int64_t b = r / (A.N * A.T), t = r % A.T;
    float off = (float)offs[A.nb == 1 ? 0 : b];
    float inv = freqs ? 1.0f / freqs[i] : expf((float)(-i) * A.logbase_over_half);
    float th = ((float)t + off) * A.scale * inv;
    T c = cvt<T>(cosf(th)), s = cvt<T>(sinf(th));
    int i1 = A.trad ? 2 * i : i, i2 = A.trad ? 2 * i + 1 : i + A.half;
    T a = xi[i1], bb = xi[i2];
    if (A.fwd) {
      rot<T>(a, bb, c, s, o[i1], o[i2]);
    } else {
      T o1, o2;
      rot<T>(bb, a, c, s, o2, o1);
      o[i1] = o1;
      o[i2] = o2;
    }
  }
}

void rope(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& P = static_cast<const RoPE&>(p);
  Dtype dt = in[0].dtype();
  bool ok = (dt == Dtype::float32 || dt == Dtype::float16 || dt == Dtype::bfloat16) && in[0].ndim() >= 2 &&
            (in[1].dtype() == Dtype::int32 || in[1].dtype() == Dtype::uint32) &&
            (in.size() < 3 || in[2].dtype() == Dtype::float32);
  if (!ok) return cpu_fallback(p, in, out);
  auto& s = p.stream();
  Array x = contiguous_gpu(in[0], s);
  Array off = contiguous_gpu(in[1], s);
  void* yp = alloc_out(out[0], s);
  if (x.size() == 0) return;
  Array fr;
  if (in.size() == 3) fr = contiguous_gpu(in[2], s);
  RopeArgs A;
  A.B = x.shape(0);
  A.T = x.shape(-2);
  A.D = x.shape(-1);
  A.N = x.size() / (A.B * A.T * A.D);
  A.half = P.dims() / 2;
  A.dims = P.dims();
  A.nb = off.size() == 1 ? 1 : (int)A.B;
  A.trad = P.traditional();
  A.fwd = P.forward();
  A.scale = P.scale();
  A.logbase_over_half = logf(P.base()) / (float)A.half;
  const void* xp = in_ptr(x, s);
  const void* op = in_ptr(off, s);
  const float* fp = fr.valid() ? cu::in<float>(fr, s) : nullptr;
  cudaStream_t st = stream_of(s);
  int64_t total = x.size();
  dispatch_dev_float(dt, [&](auto tp) {
    using T = MLX_T(tp);
    if constexpr (!std::is_same_v<T, double>) {
      if (off.dtype() == Dtype::int32)
        rope_kernel<T, int32_t><<<blocks_for(total, 256), 256, 0, st>>>((const T*)xp, (T*)yp, (const int32_t*)op, fp, A);
      else
        rope_kernel<T, uint32_t><<<blocks_for(total, 256), 256, 0, st>>>((const T*)xp, (T*)yp, (const uint32_t*)op, fp, A);
      MLX_CUDA_LAUNCHED();
    }
  });
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, RMSNorm, rms_norm);
MLX_REGISTER_KERNEL(gpu, LayerNorm, layer_norm);
MLX_REGISTER_KERNEL(gpu, RoPE, rope);

}  // namespace mlx::cu
