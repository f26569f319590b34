// GPU kernels for the smaller primitives that ran their CPU kernel through the fallback: Arange, Eye/Tri,
// AsStrided and View (metadata on the device buffer, a GPU copy where the CPU kernel copies), AllTrue,
// IsClose, DivMod (the GPU FloorDivide and Remainder kernels), Variance and Hadamard. Each follows its
// CPU kernel's arithmetic (same accumulation types, no fused multiply-adds where the CPU has none) so
// results agree; complex inputs and layouts beyond kMaxDims dims keep the CPU kernel.
#include <typeindex>

#include "../../primitives/binary.h"
#include "../../primitives/creation.h"
#include "../../primitives/manip.h"
#include "../../primitives/reduce.h"
#include "common.cuh"

namespace mlx::cu {

namespace {

constexpr int kThreads = 256;

#define MLX_GRID_LOOP(i, n) \
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

// ---------------------------------------------------------------- Arange
template <typename T> __global__ void arange_kernel(T* o, int64_t n, double start, double step) {
  MLX_GRID_LOOP(i, n) {
    if constexpr (std::is_integral_v<T>) {
      // Integer outputs truncate start and step first (C++ promotions as on the CPU).
      T s0 = (T)(int64_t)start, st = (T)(int64_t)step;
      o[i] = (T)(s0 + (T)i * st);
    } else {
      o[i] = cvt<T>(__dadd_rn(start, __dmul_rn((double)i, step)));  // no FMA: the CPU rounds twice
    }
  }
}

void arange_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& ap = static_cast<const Arange&>(p);
  Array& o = out[0];
  if (o.dtype() == Dtype::bool_ || o.dtype() == Dtype::complex64) return cpu_fallback(p, in, out);
  auto& s = p.stream();
  void* d = alloc_out(o, s);
  int64_t n = o.size();
  if (n == 0) return;
  dispatch_dev(o.dtype(), [&](auto tp) {
    using T = MLX_T(tp);
    arange_kernel<T><<<blocks_for(n, kThreads), kThreads, 0, stream_of(s)>>>((T*)d, n, ap.start(), ap.step());
    MLX_CUDA_LAUNCHED();
  });
}

// ---------------------------------------------------------------- Eye / Tri
template <typename T> __global__ void eye_kernel(T* o, int64_t n, int64_t m, int64_t k, bool lower) {
  const T one = cvt<T>(1.0f), zero = cvt<T>(0.0f);
  MLX_GRID_LOOP(t, n * m) {
    int64_t i = t / m, j = t - i * m;
    o[t] = (lower ? j <= i + k : j == i + k) ? one : zero;
  }
}

void eye_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& ep = static_cast<const Eye&>(p);
  Array& o = out[0];
  if (o.dtype() == Dtype::complex64) return cpu_fallback(p, in, out);
  auto& s = p.stream();
  void* d = alloc_out(o, s);
  if (o.size() == 0) return;
  int64_t n = o.shape(0), m = o.shape(1);
  dispatch_dev(o.dtype(), [&](auto tp) {
    using T = MLX_T(tp);
    eye_kernel<T><<<blocks_for(n * m, kThreads), kThreads, 0, stream_of(s)>>>((T*)d, n, m, ep.k(), ep.lower());
    MLX_CUDA_LAUNCHED();
  });
}

// ---------------------------------------------------------------- AsStrided / View
void as_strided_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& sp = static_cast<const AsStrided&>(p);
  auto& s = p.stream();
  Array& o = out[0];
  if (!in[0].flags().row_contiguous && (in[0].dtype() == Dtype::complex64 || in[0].ndim() > kMaxDims))
    return cpu_fallback(p, in, out);
  // Strides are relative to the row-major flattened input (the CPU kernel's contract).
  Array x = in[0].flags().row_contiguous ? in[0] : astype_gpu(in[0], in[0].dtype(), s);
  if (o.size() == 0) { alloc_out(o, s); return; }
  sp.share_view(o, x);
}

void view_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array& a = in[0];
  Array& o = out[0];
  auto& s = p.stream();
  int64_t ib = a.itemsize(), ob = o.itemsize();
  if (a.size() == 0) { alloc_out(o, s); return; }
  bool last_unit = a.ndim() > 0 && a.strides().back() == 1;
  bool shareable = ib == ob || (ob < ib && last_unit) || a.flags().row_contiguous;
  if (shareable && (a.offset() * ib) % ob == 0) {
    // Reinterpreting the shared buffer: valid for a device copy as for a host one.
    Strides st = a.strides();
    if (ib != ob)
      for (int i = 0; i + 1 < a.ndim(); i++) st[i] = st[i] * ib / ob;
    int64_t ds = a.data_size() * ib / ob;
    o.set_data(a.buffer(), ds, st, layout_flags(o.shape(), st, ds), a.offset() * ib / ob);
    return;
  }
  if (a.dtype() == Dtype::complex64 || a.ndim() > kMaxDims) return cpu_fallback(p, in, out);
  Array c = astype_gpu(a, a.dtype(), s);
  Strides rs = row_major_strides(o.shape());
  o.set_data(c.buffer(), o.size(), rs, layout_flags(o.shape(), rs, o.size()));
}

// ---------------------------------------------------------------- AllTrue
__global__ void all_true_kernel(const uint8_t* a, bool* o, StridedLayout<1> L, int64_t n) {
  bool all = true;
  MLX_GRID_LOOP(i, n) {
    int64_t off;
    strided_offsets<1>(L, i, &off);
    all &= a[off] != 0;
  }
  if (!__all_sync(0xffffffffu, all) && (threadIdx.x & 31) == 0) *o = false;  // same value from every writer
}

void all_true_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array& a = in[0];
  auto& s = p.stream();
  StridedLayout<1> L;
  if (a.dtype() != Dtype::bool_ || !make_layout<1>(a.shape(), {&a.strides()}, L)) return cpu_fallback(p, in, out);
  void* d = alloc_out(out[0], s);
  cudaStream_t st = stream_of(s);
  MLX_CUDA_CHECK(cudaMemsetAsync(d, 1, 1, st));
  if (a.size() == 0) return;
  all_true_kernel<<<blocks_for(a.size(), kThreads), kThreads, 0, st>>>((const uint8_t*)in_ptr(a, s), (bool*)d, L,
                                                                      a.size());
  MLX_CUDA_LAUNCHED();
}

// ---------------------------------------------------------------- IsClose
template <typename T, typename F>
__device__ __forceinline__ bool close1(T x, T y, F rtol, F atol, bool equal_nan) {
  if constexpr (is_fp_v<T>) {
    F a = cvt<F>(x), b = cvt<F>(y);
    if (isnan(a) || isnan(b)) return equal_nan && isnan(a) && isnan(b);
    if (isinf(a) || isinf(b)) return a == b;
    F lhs = a - b, m = b;
    lhs = lhs < F(0) ? -lhs : lhs;
    m = m < F(0) ? -m : m;
    F tol;
    if constexpr (std::is_same_v<F, double>) tol = __dadd_rn(atol, __dmul_rn(rtol, m));
    else tol = __fadd_rn(atol, __fmul_rn(rtol, m));
    return lhs <= tol;
  } else {  // integers and bool: the difference is exact in double
    double d = fabs((double)x - (double)y), m = fabs((double)y);
    return (F)d <= __fadd_rn(atol, __fmul_rn(rtol, (F)m));
  }
}

template <typename T, typename F>
__global__ void isclose_kernel(const T* a, const T* b, bool* o, StridedLayout<2> L, int64_t n, F rtol, F atol,
                               bool equal_nan) {
  MLX_GRID_LOOP(i, n) {
    int64_t off[2];
    strided_offsets<2>(L, i, off);
    o[i] = close1<T, F>(a[off[0]], b[off[1]], rtol, atol, equal_nan);
  }
}

void isclose_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& cp = static_cast<const IsClose&>(p);
  const Array &a = in[0], &b = in[1];
  Array& o = out[0];
  StridedLayout<2> L;
  if (a.dtype() == Dtype::complex64 || b.dtype() != a.dtype() ||
      !make_layout<2>(o.shape(), {&a.strides(), &b.strides()}, L))
    return cpu_fallback(p, in, out);
  auto& s = p.stream();
  void* d = alloc_out(o, s);
  int64_t n = o.size();
  if (n == 0) return;
  const void* pa = in_ptr(a, s);
  const void* pb = in_ptr(b, s);
  dispatch_dev(a.dtype(), [&](auto tp) {
    using T = MLX_T(tp);
    using F = std::conditional_t<std::is_same_v<T, double>, double, float>;
    isclose_kernel<T, F><<<blocks_for(n, kThreads), kThreads, 0, stream_of(s)>>>(
        (const T*)pa, (const T*)pb, (bool*)d, L, n, (F)cp.rtol(), (F)cp.atol(), cp.equal_nan());
    MLX_CUDA_LAUNCHED();
  });
}

// ---------------------------------------------------------------- DivMod
void divmod_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array &a = in[0], &b = in[1];
  Dtype dt = a.dtype();
  if (dt == Dtype::complex64 || b.dtype() != dt || out[0].dtype() != dt || out[1].dtype() != dt)
    return cpu_fallback(p, in, out);
  Kernel bin = find_kernel(Device::Type::gpu, std::type_index(typeid(FloorDivide)));
  if (!bin) return cpu_fallback(p, in, out);
  FloorDivide fd(p.stream());
  Remainder rem(p.stream());
  {
    // The extra references keep the quotient pass from donating an input the remainder pass reads.
    std::vector<Array> keep = in;
    std::vector<Array> q{out[0]};
    bin(fd, keep, q);
    out[0] = q[0];
  }
  std::vector<Array> r{out[1]};
  bin(rem, in, r);
  out[1] = r[0];
}

// ---------------------------------------------------------------- Variance
// G threads per output (32: a warp, 256: the block). Mean and squared deviations accumulate in Acc
// (double for double input, else float), as the CPU kernel does.
template <typename In, typename Acc, typename Out, int G>
__global__ void variance_kernel(const In* x, Out* o, StridedLayout<1> Lk, StridedLayout<1> Lr, int64_t m, int64_t cnt,
                                Acc den, bool take_sqrt) {
  __shared__ Acc smem[32];
  constexpr int per_block = kThreads / G;
  const int lane = threadIdx.x % G;
  const int64_t oi = (int64_t)blockIdx.x * per_block + threadIdx.x / G;
  const bool active = oi < m;
  int64_t base = 0;
  if (active) strided_offsets<1>(Lk, oi, &base);
  auto reduce = [&](Acc v) {
    auto add = [](Acc u, Acc w) { return u + w; };
    if constexpr (G == 32) return warp_reduce(v, add);
    else return block_reduce(v, add, smem, Acc(0));
  };
  Acc sum = 0;
  if (active)
    for (int64_t r = lane; r < cnt; r += G) {
      int64_t off;
      strided_offsets<1>(Lr, r, &off);
      sum += cvt<Acc>(x[base + off]);
    }
  sum = reduce(sum);
  const Acc mu = sum / Acc(cnt);
  Acc dev = 0;
  if (active)
    for (int64_t r = lane; r < cnt; r += G) {
      int64_t off;
      strided_offsets<1>(Lr, r, &off);
      Acc d = cvt<Acc>(x[base + off]) - mu;
      dev += d * d;
    }
  dev = reduce(dev);
  if (active && lane == 0) {
    Acc v = dev / den;
    o[oi] = cvt<Out>(take_sqrt ? sqrt(v) : v);
  }
}

void variance_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& vp = static_cast<const Variance&>(p);
  const Array& x = in[0];
  Array& o = out[0];
  Dtype od = o.dtype();
  bool fout = od == Dtype::float32 || od == Dtype::float64 || od == Dtype::float16 || od == Dtype::bfloat16;
  if (x.dtype() == Dtype::complex64 || !fout) return cpu_fallback(p, in, out);
  Shape ks, rs;
  Strides kst, rst;
  int64_t cnt = 1;
  auto& axes = vp.axes();
  for (int d = 0; d < x.ndim(); d++) {
    bool red = std::find(axes.begin(), axes.end(), d) != axes.end();
    (red ? rs : ks).push_back(x.shape(d));
    (red ? rst : kst).push_back(x.strides()[d]);
    if (red) cnt *= x.shape(d);
  }
  StridedLayout<1> Lk, Lr;
  if (!make_layout<1>(ks, {&kst}, Lk) || !make_layout<1>(rs, {&rst}, Lr)) return cpu_fallback(p, in, out);
  auto& s = p.stream();
  void* d = alloc_out(o, s);
  int64_t m = o.size();
  if (m == 0) return;
  const void* xp = in_ptr(x, s);
  cudaStream_t st = stream_of(s);
  // Many outputs: a warp each; few: a block each, so long reductions use the whole GPU.
  const bool warp = m >= (int64_t)num_sms() * 16 || cnt <= 1024;
  dispatch_dev(x.dtype(), [&](auto ip) {
    using In = MLX_T(ip);
    using Acc = std::conditional_t<std::is_same_v<In, double>, double, float>;
    Acc den = (Acc)std::max<int64_t>(cnt - vp.ddof(), 0);
    dispatch_dev_float(od, [&](auto opp) {
      using Out = MLX_T(opp);
      if (warp) {
        int64_t blocks = (m + kThreads / 32 - 1) / (kThreads / 32);
        variance_kernel<In, Acc, Out, 32><<<(unsigned)blocks, kThreads, 0, st>>>((const In*)xp, (Out*)d, Lk, Lr, m, cnt,
                                                                                 den, vp.take_sqrt());
      } else {
        variance_kernel<In, Acc, Out, kThreads><<<(unsigned)m, kThreads, 0, st>>>((const In*)xp, (Out*)d, Lk, Lr, m,
                                                                                   cnt, den, vp.take_sqrt());
      }
      MLX_CUDA_LAUNCHED();
    });
  });
}

// ---------------------------------------------------------------- Hadamard
// One block per row in shared memory: the radix-2 Walsh-Hadamard stages (the CPU's order of additions,
// so results are bit-identical), then for m > 1 the m x m sign matrix over the m blocks of length L.
// signs[i * m + r]: the coefficient of block i in output block r.
template <typename T, typename C>
__global__ void hadamard_kernel(const T* x, T* y, int64_t n, int64_t m, const float* signs, C scale) {
  extern __shared__ unsigned char smem_raw[];
  C* v = reinterpret_cast<C*>(smem_raw);
  const T* xr = x + blockIdx.x * n;
  T* yr = y + blockIdx.x * n;
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) v[k] = cvt<C>(xr[k]);
  __syncthreads();
  const int64_t L = n / m, half = n / 2;
  for (int64_t h = 1; h < L; h *= 2) {
    for (int64_t t = threadIdx.x; t < half; t += blockDim.x) {
      int64_t sub = t / (L / 2), w = t - sub * (L / 2);
      int64_t j = w % h, grp = w / h;
      int64_t u = sub * L + grp * 2 * h + j;
      C a = v[u], b = v[u + h];
      v[u] = a + b, v[u + h] = a - b;
    }
    __syncthreads();
  }
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
    if (m == 1) {
      yr[k] = cvt<T>(v[k] * scale);
    } else {
      int64_t r = k / L, j = k - r * L;
      C acc = C(0);
      for (int64_t i = 0; i < m; i++) {
        C xi = v[i * L + j];
        acc = signs[i * m + r] > 0.f ? acc + xi : acc - xi;
      }
      yr[k] = cvt<T>(acc * scale);
    }
  }
}

void hadamard_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& hp = static_cast<const Hadamard&>(p);
  const Array& a = in[0];
  Array& o = out[0];
  Dtype dt = a.dtype();
  bool fp = dt == Dtype::float32 || dt == Dtype::float64 || dt == Dtype::float16 || dt == Dtype::bfloat16;
  int64_t n = a.ndim() ? a.shape(-1) : 1;
  size_t csize = dt == Dtype::float64 ? 8 : 4;
  if (!fp || n <= 0 || a.size() == 0 || (size_t)n * csize > 200 * 1024 ||
      (!a.flags().row_contiguous && a.ndim() > kMaxDims))
    return cpu_fallback(p, in, out);
  int64_t q = n;
  while (q % 2 == 0) q /= 2;
  int64_t m = q == 1 ? 1 : 4 * q;
  if (n % m != 0) return cpu_fallback(p, in, out);  // the op validates; keep the CPU's error otherwise
  auto& s = p.stream();
  Array signs;
  if (m > 1) {
    // The sign matrix from the CPU kernel itself: row i of the transform of the m x m identity.
    Kernel cpu = find_kernel(Device::Type::cpu, std::type_index(typeid(Hadamard)));
    if (!cpu) return cpu_fallback(p, in, out);
    Array eye = Array::empty({m, m}, Dtype::float32);
    float* e = eye.data<float>();
    for (int64_t i = 0; i < m * m; i++) e[i] = (i / m == i % m) ? 1.f : 0.f;
    Hadamard h(p.stream(), 1.0f, hp.transposed());
    std::vector<Array> hin{eye}, hout{Array(std::make_shared<ArrayDesc>(Shape{m, m}, Dtype::float32))};
    cpu(h, hin, hout);
    signs = hout[0];
  }
  Array x = contiguous_gpu(a, s);
  const void* xp = in_ptr(x, s);
  const float* sp = m > 1 ? static_cast<const float*>(in_ptr(signs, s)) : nullptr;
  void* d = alloc_out(o, s);
  int64_t rows = o.size() / n;
  size_t shm = (size_t)n * csize;
  int threads = (int)std::min<int64_t>(512, std::max<int64_t>(32, (n / 2 + 31) / 32 * 32));
  dispatch_dev_float(dt, [&](auto tp) {
    using T = MLX_T(tp);
    using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
    auto kern = hadamard_kernel<T, C>;
    if (shm > 48 * 1024) MLX_CUDA_CHECK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)shm));
    for (int64_t r0 = 0; r0 < rows; r0 += 65535 * 512) {  // grid.x limit is large; chunk for int safety
      int64_t nr = std::min<int64_t>(rows - r0, 65535 * 512);
      kern<<<(unsigned)nr, threads, shm, stream_of(s)>>>((const T*)xp + r0 * n, (T*)d + r0 * n, n, m, sp, (C)hp.scale());
      MLX_CUDA_LAUNCHED();
    }
  });
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, Arange, arange_gpu);
MLX_REGISTER_KERNEL(gpu, Eye, eye_gpu);
MLX_REGISTER_KERNEL(gpu, AsStrided, as_strided_gpu);
MLX_REGISTER_KERNEL(gpu, View, view_gpu);
MLX_REGISTER_KERNEL(gpu, AllTrue, all_true_gpu);
MLX_REGISTER_KERNEL(gpu, IsClose, isclose_gpu);
MLX_REGISTER_KERNEL(gpu, DivMod, divmod_gpu);
MLX_REGISTER_KERNEL(gpu, Variance, variance_gpu);
MLX_REGISTER_KERNEL(gpu, Hadamard, hadamard_gpu);

}  // namespace mlx::cu
