// mx.fast on the GPU: RMSNorm/LayerNorm (one block per row, row in registers, float math, the
// CPU kernel's rounding order), RoPE (cos/sin computed per element in float32), and a
// straightforward scaled-dot-product attention (one block per query row; scores in shared memory).
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
  int threads = n <= 2048 ? 128 : (n <= 4096 ? kNormThreads : 1024);
  dispatch_dev_float(x.dtype(), [&](auto ip) {
    using In = MLX_T(ip);
    dispatch_dev_float(od, [&](auto opp) {
      using Out = MLX_T(opp);
      if constexpr (!std::is_same_v<In, double> && !std::is_same_v<Out, double>) {
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

// ---------------------------------------------------------------- attention
struct SdpaArgs {
  int64_t B, Hq, Hkv, Lq, Lk, D, Dv;
  float scale;
  int mask;  // 0 none, 1 causal, 2 bool, 3 additive
  int64_t ms[4];  // mask strides (elements) over (B, Hq, Lq, Lk)
};

template <typename T, typename M>
__global__ void sdpa_rows(const T* q, const T* k, const T* v, const M* mask, const T* sinks, T* out, SdpaArgs A) {
  extern __shared__ float sc[];  // Lk scores, then 32 floats of reduction scratch
  float* red = sc + A.Lk;
  int64_t row = blockIdx.x;  // (b, h, i)
  int64_t i = row % A.Lq, h = (row / A.Lq) % A.Hq, b = row / (A.Lq * A.Hq);
  int64_t hk = h / (A.Hq / A.Hkv);
  const T* qr = q + row * A.D;
  const T* kb = k + (b * A.Hkv + hk) * A.Lk * A.D;
  const T* vb = v + (b * A.Hkv + hk) * A.Lk * A.Dv;
  int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  int64_t limit = A.mask == 1 ? i + (A.Lk - A.Lq) : A.Lk - 1;  // last visible key
  for (int64_t j = wid; j < A.Lk; j += nw) {
    float d = 0.f;
    if (j <= limit) {
      const T* kr = kb + j * A.D;
      for (int64_t t = lane; t < A.D; t += 32) d += cvt<float>(qr[t]) * cvt<float>(kr[t]);
    }
    d = warp_reduce(d, [](float a, float c) { return a + c; });
    if (lane == 0) {
      float s = j <= limit ? d * A.scale : -INFINITY;
      if (A.mask >= 2 && j <= limit) {
        M mv = mask[b * A.ms[0] + h * A.ms[1] + i * A.ms[2] + j * A.ms[3]];
        if (A.mask == 2) s = cvt<bool>(mv) ? s : -INFINITY;
        else s += cvt<float>(mv);
      }
      sc[j] = s;
    }
  }
  __syncthreads();
  float mx = -INFINITY;
  for (int64_t j = threadIdx.x; j < A.Lk; j += blockDim.x) mx = fmaxf(mx, sc[j]);
  if (sinks) mx = fmaxf(mx, cvt<float>(sinks[h]));
  mx = block_reduce<float>(mx, [](float a, float c) { return fmaxf(a, c); }, red, -INFINITY);
  float shift = isinf(mx) ? 0.f : mx;
  float sum = 0.f;
  for (int64_t j = threadIdx.x; j < A.Lk; j += blockDim.x) {
    float e = __expf(sc[j] - shift);
    sc[j] = e;
    sum += e;
  }
  sum = block_reduce<float>(sum, [](float a, float c) { return a + c; }, red, 0.f);
  if (sinks) sum += __expf(cvt<float>(sinks[h]) - shift);
  float inv = sum > 0.f ? 1.f / sum : 0.f;
  T* orow = out + row * A.Dv;
  for (int64_t t = threadIdx.x; t < A.Dv; t += blockDim.x) {
    float acc = 0.f;
    int64_t jmax = std::min<int64_t>(A.Lk - 1, limit);
    for (int64_t j = 0; j <= jmax; j++) acc += sc[j] * cvt<float>(vb[j * A.Dv + t]);
    orow[t] = cvt<T>(acc * inv);
  }
}

void sdpa(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& P = static_cast<const ScaledDotProductAttention&>(p);
  Dtype dt = out[0].dtype();
  using Mk = ScaledDotProductAttention::Mask;
  int mi = (P.mask() == Mk::boolean || P.mask() == Mk::additive) ? 3 : -1;
  int si = P.has_sinks() ? (mi >= 0 ? 4 : 3) : -1;
  int64_t Lk = in[1].shape(2);
  bool ok = (dt == Dtype::float32 || dt == Dtype::float16 || dt == Dtype::bfloat16) && in[0].dtype() == dt &&
            in[1].dtype() == dt && in[2].dtype() == dt && (si < 0 || in[si].dtype() == dt) &&
            (Lk + 32) * 4 <= 200 * 1024 && Lk > 0;
  if (!ok) return cpu_fallback(p, in, out);
  auto& s = p.stream();
  Array q = contiguous_gpu(in[0], s), k = contiguous_gpu(in[1], s), v = contiguous_gpu(in[2], s);
  SdpaArgs A;
  A.B = q.shape(0); A.Hq = q.shape(1); A.Lq = q.shape(2); A.D = q.shape(3);
  A.Hkv = k.shape(1); A.Lk = Lk; A.Dv = v.shape(3);
  A.scale = P.scale();
  A.mask = P.mask() == Mk::none ? 0 : P.mask() == Mk::causal ? 1 : P.mask() == Mk::boolean ? 2 : 3;
  void* yp = alloc_out(out[0], s);
  int64_t rows = A.B * A.Hq * A.Lq;
  if (rows == 0) return;
  const void* mp = nullptr;
  Dtype mdt = dt;
  if (mi >= 0) {
    const Array& m = in[mi];
    for (int d = 0; d < 4; d++) A.ms[d] = m.ndim() == 4 ? m.strides()[d] : 0;
    mp = in_ptr(m, s);
    mdt = m.dtype();
  }
  const void* sp = si >= 0 ? in_ptr(contiguous_gpu(in[si], s), s) : nullptr;
  const void *qp = in_ptr(q, s), *kp = in_ptr(k, s), *vp = in_ptr(v, s);
  size_t smem = (size_t)(Lk + 32) * sizeof(float);
  cudaStream_t st = stream_of(s);
  dispatch_dev_float(dt, [&](auto tp) {
    using T = MLX_T(tp);
    if constexpr (!std::is_same_v<T, double>) {
      auto go = [&](auto mptr) {
        using M = MLX_T(mptr);
        auto kern = sdpa_rows<T, M>;
        if (smem > 48 * 1024) MLX_CUDA_CHECK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
        kern<<<(unsigned)rows, 128, smem, st>>>((const T*)qp, (const T*)kp, (const T*)vp, (const M*)mp, (const T*)sp, (T*)yp, A);
        MLX_CUDA_LAUNCHED();
      };
      if (mdt == Dtype::bool_) go((bool*)nullptr);
      else go((T*)nullptr);
    }
  });
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, RMSNorm, rms_norm);
MLX_REGISTER_KERNEL(gpu, LayerNorm, layer_norm);
MLX_REGISTER_KERNEL(gpu, RoPE, rope);
MLX_REGISTER_KERNEL(gpu, ScaledDotProductAttention, sdpa);

}  // namespace mlx::cu
