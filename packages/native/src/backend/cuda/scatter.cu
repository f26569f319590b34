// Scatter (a.at[idx].set/add/multiply/maximum/minimum, KV-cache writes) and ScatterAxis
// (put_along_axis) on the GPU. The output starts as a copy of `a` (or takes its buffer). Index
// offsets come from index_offsets (out-of-range indices raise at the end of eval).
// Reductions use atomics (a compare-and-swap loop that applies the CPU's exact update rule, or the
// native atomicAdd for 32/64-bit sums), so float sums may be reassociated. Plain assignment keeps
// the CPU's "last index wins" for repeated indices: a first pass records the largest index
// position per destination slot and only that position writes.
#include <cstring>

#include "../../primitives/indexing.h"
#include "index_common.cuh"

namespace mlx::cu {

namespace {

constexpr int kThreads = 256;

template <typename T> __device__ __forceinline__ bool is_nan_dev(T v) {
  if constexpr (is_fp_v<T>) {
    float f = (float)v;
    if constexpr (std::is_same_v<T, double>) return v != v;
    else return f != f;
  } else return false;
}

// The CPU's update rule (scatter.cc apply): halves compute in float and round; NaN updates win
// max/min; bools OR (sum/max) or AND (prod/min).
template <typename T, ScatterReduce R> __device__ __forceinline__ T combine(T x, T u) {
  if constexpr (R == ScatterReduce::none) return u;
  else if constexpr (std::is_same_v<T, bool>) {
    if constexpr (R == ScatterReduce::sum || R == ScatterReduce::max) return x || u;
    else return x && u;
  } else {
    using C = Calc<T>;
    C a = cvt<C>(x), b = cvt<C>(u);
    if constexpr (R == ScatterReduce::sum) return cvt<T>(static_cast<C>(a + b));
    else if constexpr (R == ScatterReduce::prod) return cvt<T>(static_cast<C>(a * b));
    else if constexpr (R == ScatterReduce::max) return (b > a || is_nan_dev(u)) ? u : x;
    else return (a > b || is_nan_dev(u)) ? u : x;
  }
}

template <typename To, typename From> __device__ __forceinline__ To bits_as(From v) {
  static_assert(sizeof(To) == sizeof(From));
  To r;
  memcpy(&r, &v, sizeof(To));
  return r;
}

template <typename T, ScatterReduce R> __device__ __forceinline__ void atomic_apply(T* addr, T u) {
  if constexpr (R == ScatterReduce::sum && (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                                            std::is_same_v<T, int32_t> || std::is_same_v<T, uint32_t>)) {
    atomicAdd(addr, u);
  } else if constexpr (R == ScatterReduce::sum && (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>)) {
    atomicAdd(reinterpret_cast<unsigned long long*>(addr), (unsigned long long)u);
  } else if constexpr (sizeof(T) == 8) {
    auto* a = reinterpret_cast<unsigned long long*>(addr);
    unsigned long long old = *a, assumed;
    do {
      assumed = old;
      unsigned long long nv = bits_as<unsigned long long>(combine<T, R>(bits_as<T>(assumed), u));
      if (nv == assumed) return;
      old = atomicCAS(a, assumed, nv);
    } while (old != assumed);
  } else if constexpr (sizeof(T) == 4) {
    auto* a = reinterpret_cast<unsigned int*>(addr);
    unsigned int old = *a, assumed;
    do {
      assumed = old;
      unsigned int nv = bits_as<unsigned int>(combine<T, R>(bits_as<T>(assumed), u));
      if (nv == assumed) return;
      old = atomicCAS(a, assumed, nv);
    } while (old != assumed);
  } else {
    // 1- and 2-byte elements: CAS on the aligned 32-bit word that holds them.
    using B = std::conditional_t<sizeof(T) == 1, uint8_t, uint16_t>;
    uintptr_t p = reinterpret_cast<uintptr_t>(addr);
    auto* w = reinterpret_cast<unsigned int*>(p & ~uintptr_t(3));
    unsigned int shift = (unsigned int)(p & 3) * 8, mask = (sizeof(T) == 1 ? 0xFFu : 0xFFFFu) << shift;
    unsigned int old = *w, assumed;
    do {
      assumed = old;
      T cur = bits_as<T>(B((assumed & mask) >> shift));
      unsigned int nb = (unsigned int)bits_as<B>(combine<T, R>(cur, u)) << shift;
      unsigned int nv = (assumed & ~mask) | nb;
      if (nv == assumed) return;
      old = atomicCAS(w, assumed, nv);
    } while (old != assumed);
  }
}

// winners[slot] = largest index position writing that slot.
__global__ void winner_kernel(const int64_t* slots, int* winners, int64_t n_idx) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n_idx; i += (int64_t)gridDim.x * blockDim.x)
    atomicMax(&winners[slots[i]], (int)i);
}

template <typename T, ScatterReduce R>
__global__ void scatter_kernel(T* out, const T* upd, const int64_t* offs, const int64_t* slots, const int* winners,
                               int64_t n_idx, int64_t wsize, StridedLayout<1> UI, StridedLayout<2> WL) {
  int64_t total = n_idx * wsize;
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total; e += (int64_t)gridDim.x * blockDim.x) {
    int64_t i = e / wsize, w = e - i * wsize;
    if (winners && winners[slots[i]] != (int)i) continue;
    int64_t uo, wo[2];
    strided_offsets<1>(UI, i, &uo);
    strided_offsets<2>(WL, w, wo);
    T* d = out + offs[i] + wo[0];
    T u = upd[uo + wo[1]];
    if constexpr (R == ScatterReduce::none) *d = u;
    else atomic_apply<T, R>(d, u);
  }
}

template <typename F> void dispatch_reduce(ScatterReduce r, F&& f) {
  switch (r) {
    case ScatterReduce::none: return f(std::integral_constant<ScatterReduce, ScatterReduce::none>{});
    case ScatterReduce::sum: return f(std::integral_constant<ScatterReduce, ScatterReduce::sum>{});
    case ScatterReduce::prod: return f(std::integral_constant<ScatterReduce, ScatterReduce::prod>{});
    case ScatterReduce::max: return f(std::integral_constant<ScatterReduce, ScatterReduce::max>{});
    case ScatterReduce::min: return f(std::integral_constant<ScatterReduce, ScatterReduce::min>{});
  }
}

// The output starts as a row-contiguous copy of `src`, or takes its buffer when nothing else holds it.
void init_output(const Array& src, Array& o, const Stream& s) {
  if (src.dtype() == o.dtype() && donate(src, o, s)) return;
  void* d = alloc_out(o, s);
  copy_gpu(src, d, o.dtype(), o.strides(), s);
}

bool has_complex(const std::vector<Array>& v) {
  for (auto& a : v) if (a.dtype() == Dtype::complex64) return true;
  return false;
}

void scatter(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& outs) {
  auto& p = static_cast<const Scatter&>(prim);
  const Array& a = in[0];
  const Array& upd = in.back();
  Array& o = outs[0];
  const auto& axes = p.axes();
  int ind = upd.ndim() - a.ndim();
  if (has_complex(in) || ind < 0) return cpu_fallback(prim, in, outs);
  Shape ishape(upd.shape().begin(), upd.shape().begin() + ind);
  Shape window(upd.shape().begin() + ind, upd.shape().end());
  int64_t n_idx = 1, wsize = 1, slots_total = 1;
  for (auto d : ishape) n_idx *= d;
  for (auto d : window) wsize *= d;
  bool overlap = false;
  for (int ax : axes) {
    overlap = overlap || window[ax] != 1;
    slots_total *= a.shape(ax);
  }
  for (size_t j = 1; j + 1 < in.size(); j++)
    if (in[j].shape() != ishape || !is_integral(in[j].dtype()) || in[j].dtype() == Dtype::bool_)
      return cpu_fallback(prim, in, outs);
  // Overlapping windows of different positions: plain assignment would need the CPU's order.
  if (p.reduce() == ScatterReduce::none && overlap && n_idx > 1) return cpu_fallback(prim, in, outs);
  Strides ost = row_major_strides(a.shape());
  Strides uist(upd.strides().begin(), upd.strides().begin() + ind);
  Strides uwst(upd.strides().begin() + ind, upd.strides().end());
  StridedLayout<1> UI;
  StridedLayout<2> WL;
  if (!make_layout<1>(ishape, {&uist}, UI) || !make_layout<2>(window, {&ost, &uwst}, WL) || n_idx >= (1ll << 31))
    return cpu_fallback(prim, in, outs);
  auto& s = prim.stream();
  init_output(a, o, s);
  if (upd.size() == 0) return;
  cudaStream_t st = stream_of(s);
  char* base = static_cast<char*>(o.buffer()->device_ptr) + o.offset() * o.itemsize();
  Array doffs = device_empty({n_idx}, Dtype::int64, s);
  int64_t* offs = static_cast<int64_t*>(doffs.buffer()->device_ptr);
  bool use_winner = p.reduce() == ScatterReduce::none && n_idx > 1 && !axes.empty() && slots_total <= (1ll << 24);
  Array dslots, dwin;
  int64_t* slots = nullptr;
  int* winners = nullptr;
  if (use_winner) {
    dslots = device_empty({n_idx}, Dtype::int64, s);
    slots = static_cast<int64_t*>(dslots.buffer()->device_ptr);
  }
  if (axes.empty()) MLX_CUDA_CHECK(cudaMemsetAsync(offs, 0, n_idx * sizeof(int64_t), st));
  for (size_t j = 0; j < axes.size(); j++) {
    const Array& x = in[j + 1];
    index_offsets(x, index_layout(x), n_idx, a.shape(axes[j]), window[axes[j]], ost[axes[j]], offs, slots, j == 0,
                  kOpScatter, s);
  }
  if (use_winner) {
    dwin = device_empty({slots_total}, Dtype::int32, s);
    winners = static_cast<int*>(dwin.buffer()->device_ptr);
    MLX_CUDA_CHECK(cudaMemsetAsync(winners, 0xFF, slots_total * sizeof(int), st));  // -1
    winner_kernel<<<blocks_for(n_idx, kThreads), kThreads, 0, st>>>(slots, winners, n_idx);
    MLX_CUDA_LAUNCHED();
  }
  const void* up = in_ptr(upd, s);
  int blk = blocks_for(n_idx * wsize, kThreads);
  dispatch_dev(o.dtype(), [&](auto tp) {
    using T = MLX_T(tp);
    dispatch_reduce(p.reduce(), [&](auto rt) {
      constexpr ScatterReduce R = decltype(rt)::value;
      scatter_kernel<T, R><<<blk, kThreads, 0, st>>>((T*)base, (const T*)up, offs, slots, winners, n_idx, wsize, UI, WL);
      MLX_CUDA_LAUNCHED();
    });
  });
}

// put_along_axis. L iterates the index shape with the axis removed (out strides with the axis
// zeroed, idx, upd); each thread walks its column along the axis in order, so a repeated index
// keeps the last value as on the CPU. Sums instead spread over all elements with atomics.
template <typename T, typename I, bool Sum>
__global__ void scatter_axis_kernel(T* out, const I* idx, const T* upd, int64_t n, StridedLayout<3> L, int64_t len,
                                    int64_t ist, int64_t ust, int64_t dim, int64_t ostride, IndexErrorRecord* rec) {
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < n; e += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[3];
    strided_offsets<3>(L, e, off);
    for (int64_t k = 0; k < len; k++) {
      I raw = idx[off[1] + k * ist];
      int64_t w = wrap_index(raw, dim);
      if (w < 0 || w >= dim) {
        report_index_error(rec, kOpPutAlongAxis, (long long)raw, dim, 1);
        continue;
      }
      T* d = out + off[0] + w * ostride;
      T u = upd[off[2] + k * ust];
      if constexpr (Sum) atomic_apply<T, ScatterReduce::sum>(d, u);
      else *d = u;
    }
  }
}

void scatter_axis(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& outs) {
  auto& p = static_cast<const ScatterAxis&>(prim);
  int axis = p.axis();
  const Array& a = in[0];
  const Array& idx = in[1];
  const Array& upd = in[2];
  Array& o = outs[0];
  if (has_complex(in) || !is_integral(idx.dtype()) || idx.dtype() == Dtype::bool_) return cpu_fallback(prim, in, outs);
  bool sum = p.reduce() == ScatterReduce::sum;
  Strides ost = row_major_strides(a.shape());
  int64_t ostride = ost[axis], dim = a.shape(axis);
  ost[axis] = 0;
  Strides ist = idx.strides(), ust = upd.strides();
  Shape shape = idx.shape();
  int64_t len = 1, ist_ax = 0, ust_ax = 0;
  if (!sum) {
    // Columns: the axis is walked inside the kernel.
    len = shape[axis];
    ist_ax = ist[axis];
    ust_ax = ust[axis];
    shape[axis] = 1;
  }
  StridedLayout<3> L;
  if (!make_layout<3>(shape, {&ost, &ist, &ust}, L)) return cpu_fallback(prim, in, outs);
  auto& s = prim.stream();
  init_output(a, o, s);
  if (idx.size() == 0) return;
  int64_t n = 1;
  for (auto d : shape) n *= d;
  cudaStream_t st = stream_of(s);
  char* base = static_cast<char*>(o.buffer()->device_ptr) + o.offset() * o.itemsize();
  const void* ip = in_ptr(idx, s);
  const void* up = in_ptr(upd, s);
  IndexErrorRecord* rec = index_error_record();
  dispatch_dev(o.dtype(), [&](auto tp) {
    using T = MLX_T(tp);
    dispatch_index_dev(idx.dtype(), [&](auto ipp) {
      using I = MLX_T(ipp);
      int blk = blocks_for(n, kThreads);
      if (sum)
        scatter_axis_kernel<T, I, true><<<blk, kThreads, 0, st>>>((T*)base, (const I*)ip, (const T*)up, n, L, len,
                                                                  ist_ax, ust_ax, dim, ostride, rec);
      else
        scatter_axis_kernel<T, I, false><<<blk, kThreads, 0, st>>>((T*)base, (const I*)ip, (const T*)up, n, L, len,
                                                                   ist_ax, ust_ax, dim, ostride, rec);
      MLX_CUDA_LAUNCHED();
    });
  });
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, Scatter, scatter);
MLX_REGISTER_KERNEL(gpu, ScatterAxis, scatter_axis);

}  // namespace mlx::cu
