// Gather on the GPU (take, embedding lookups, a[idx]). Index arrays that live on the host (the
// usual case: token ids made from JS data) are range-checked and turned into element offsets on
// the host, so an out-of-range index raises the same typed IndexError as on the CPU; the copy of
// the windows runs on the GPU. Device-resident indices (or many of them) are turned into
// offsets by a GPU kernel that records an out-of-range index for the end-of-eval check
// (index_common.cuh). GatherAxis (take_along_axis) reads its indices on the GPU the same way.
#include <cstring>
#include <mutex>
#include <string>

#include "../../primitives/indexing.h"
#include "index_common.cuh"

namespace mlx::cu {

namespace {

std::mutex g_rec_mu;
IndexErrorRecord* g_rec_host = nullptr;
IndexErrorRecord* g_rec_dev = nullptr;

const char* index_op_name(int op) {
  switch (op) {
    case kOpGather: return "gather";
    case kOpTakeAlongAxis: return "take_along_axis";
    case kOpScatter: return "scatter";
    default: return "put_along_axis";
  }
}

template <typename I>
__global__ void index_offsets_kernel(const I* idx, StridedLayout<1> L, int64_t n_idx, int64_t dim, int64_t hi,
                                     int64_t stride, int64_t* offs, int64_t* slots, bool first, int op,
                                     int64_t window, IndexErrorRecord* rec) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n_idx; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off;
    strided_offsets<1>(L, i, &off);
    I raw = idx[off];
    int64_t w = wrap_index(raw, dim);
    if (w < 0 || w > hi) {
      report_index_error(rec, op, (long long)raw, dim, window);
      w = 0;
    }
    offs[i] = (first ? 0 : offs[i]) + w * stride;
    if (slots) slots[i] = (first ? 0 : slots[i] * dim) + w;
  }
}

template <typename W>
__global__ void gather_kernel(const W* src, const int64_t* offs, W* dst, int64_t n_idx, int64_t wsize, StridedLayout<1> L) {
  int64_t total = n_idx * wsize;
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total; e += (int64_t)gridDim.x * blockDim.x) {
    int64_t i = e / wsize, w = e - i * wsize;
    int64_t off;
    strided_offsets<1>(L, w, &off);
    dst[e] = src[offs[i] + off];
  }
}

template <typename I> int64_t read_index(const Array& idx, int64_t elem) {
  return (int64_t)(reinterpret_cast<const I*>(idx.buffer()->host_ptr()) + idx.offset())[elem];
}

int64_t index_at(const Array& idx, int64_t elem) {
  switch (idx.dtype()) {
    case Dtype::uint8: return read_index<uint8_t>(idx, elem);
    case Dtype::uint16: return read_index<uint16_t>(idx, elem);
    case Dtype::uint32: return read_index<uint32_t>(idx, elem);
    case Dtype::uint64: return read_index<uint64_t>(idx, elem);
    case Dtype::int8: return read_index<int8_t>(idx, elem);
    case Dtype::int16: return read_index<int16_t>(idx, elem);
    case Dtype::int32: return read_index<int32_t>(idx, elem);
    case Dtype::int64: return read_index<int64_t>(idx, elem);
    default: break;
  }
  throw_error(ErrorCode::dtype, std::string("Indices must be integral, got ") + dtype_name(idx.dtype()) + ".");
}

void gather(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& p = static_cast<const Gather&>(prim);
  const Array& a = in[0];
  Array& o = out[0];
  const auto& axes = p.axes();
  const Shape& sizes = p.slice_sizes();
  int ind = o.ndim() - a.ndim();
  bool ok = ind >= 0 && a.ndim() <= kMaxDims && (a.itemsize() == 1 || a.itemsize() == 2 || a.itemsize() == 4 || a.itemsize() == 8);
  Shape ishape(o.shape().begin(), o.shape().begin() + std::max(ind, 0));
  int64_t n_idx = 1;
  for (auto d : ishape) n_idx *= d;
  bool host_idx = true;
  for (size_t j = 1; ok && j < in.size(); j++) {
    const Array& x = in[j];
    ok = x.ndim() == ind && x.shape() == ishape && is_integral(x.dtype()) && x.dtype() != Dtype::bool_;
    host_idx = host_idx && (x.buffer()->residency() & kOnHost);
  }
  if (!ok) return cpu_fallback(prim, in, out);
  if (graph_recording()) host_idx = false;  // a CUDA graph must not bake in host-side offsets
  auto& s = prim.stream();
  void* dp = alloc_out(o, s);
  if (o.size() == 0) return;
  int64_t wsize = 1;
  for (auto d : sizes) wsize *= d;
  StridedLayout<1> L;
  check(make_layout<1>(sizes, {&a.strides()}, L), ErrorCode::not_implemented, "[cuda] gather: too many dims.");
  cudaStream_t st = stream_of(s);
  Array doffs = device_empty({n_idx}, Dtype::int64, s);
  int64_t* op = static_cast<int64_t*>(doffs.buffer()->device_ptr);
  auto launch = [&] {
    const void* sp = in_ptr(a, s);
    int64_t total = n_idx * wsize;
    int blk = blocks_for(total, 256);
    dispatch_word(a.itemsize(), [&](auto wp) {
      using W = MLX_T(wp);
      gather_kernel<W><<<blk, 256, 0, st>>>((const W*)sp, op, (W*)dp, n_idx, wsize, L);
      MLX_CUDA_LAUNCHED();
    });
  };
  if (!host_idx || n_idx > (1 << 16)) {
    // Offsets on the GPU; an out-of-range index raises at the end of eval.
    if (in.size() == 1) MLX_CUDA_CHECK(cudaMemsetAsync(op, 0, n_idx * sizeof(int64_t), st));
    for (size_t j = 1; j < in.size(); j++) {
      int ax = axes[j - 1];
      index_offsets(in[j], index_layout(in[j]), n_idx, a.shape(ax), sizes[ax], a.strides()[ax], op, nullptr, j == 1,
                    kOpGather, s);
    }
    return launch();
  }

  // Offsets of each index position (row-major over ishape), range-checked like the CPU kernel.
  std::vector<int64_t> offs(n_idx, 0);
  std::vector<int64_t> pos(ind, 0);
  for (size_t j = 1; j < in.size(); j++) {
    const Array& x = in[j];
    int ax = axes[j - 1];
    int64_t dim = a.shape(ax), hi = dim - sizes[ax], stride = a.strides()[ax];
    std::fill(pos.begin(), pos.end(), 0);
    for (int64_t i = 0; i < n_idx; i++) {
      int64_t elem = 0;
      for (int d = 0; d < ind; d++) elem += pos[d] * x.strides()[d];
      int64_t raw = index_at(x, elem);
      bool is_signed = x.dtype() == Dtype::int8 || x.dtype() == Dtype::int16 || x.dtype() == Dtype::int32 || x.dtype() == Dtype::int64;
      int64_t w = is_signed && raw < 0 ? raw + dim : raw;
      if (w < 0 || w > hi || (!is_signed && x.dtype() == Dtype::uint64 && raw < 0))
        throw_error(ErrorCode::index, "[gather] Index " + std::to_string(raw) + " is out of bounds for axis with size " +
                                          std::to_string(dim) +
                                          (sizes[ax] > 1 ? " and slice size " + std::to_string(sizes[ax]) : std::string()) + ".");
      offs[i] += w * stride;
      for (int d = ind - 1; d >= 0; d--) {
        if (++pos[d] < ishape[d]) break;
        pos[d] = 0;
      }
    }
  }
  MLX_CUDA_CHECK(cudaMemcpyAsync(op, offs.data(), n_idx * sizeof(int64_t), cudaMemcpyHostToDevice, st));
  launch();
}

}  // namespace

IndexErrorRecord* index_error_record() {
  std::lock_guard<std::mutex> lk(g_rec_mu);
  if (!g_rec_dev) {
    void* h = nullptr;
    MLX_CUDA_CHECK(cudaHostAlloc(&h, sizeof(IndexErrorRecord), cudaHostAllocMapped));
    std::memset(h, 0, sizeof(IndexErrorRecord));
    void* d = nullptr;
    MLX_CUDA_CHECK(cudaHostGetDevicePointer(&d, h, 0));
    g_rec_host = static_cast<IndexErrorRecord*>(h);
    g_rec_dev = static_cast<IndexErrorRecord*>(d);
  }
  return g_rec_dev;
}

void check_device_errors() {
  if (!g_rec_host) return;
  volatile IndexErrorRecord* r = g_rec_host;
  if (r->flag == 0) return;
  int op = r->op;
  long long value = r->value, dim = r->dim, window = r->window;
  r->flag = 0;
  throw_error(ErrorCode::index, std::string("[") + index_op_name(op) + "] Index " + std::to_string(value) +
                                    " is out of bounds for axis with size " + std::to_string(dim) +
                                    (window > 1 ? " and slice size " + std::to_string(window) : std::string()) + ".");
}

void index_offsets(const Array& idx, const StridedLayout<1>& L, int64_t n_idx, int64_t dim, int64_t window,
                   int64_t stride, int64_t* offs, int64_t* slots, bool first, int op, const Stream& s) {
  if (n_idx == 0) return;
  const void* ip = in_ptr(idx, s);
  IndexErrorRecord* rec = index_error_record();
  cudaStream_t st = stream_of(s);
  dispatch_index_dev(idx.dtype(), [&](auto tp) {
    using I = MLX_T(tp);
    index_offsets_kernel<I><<<blocks_for(n_idx, 256), 256, 0, st>>>((const I*)ip, L, n_idx, dim, dim - window, stride,
                                                                    offs, slots, first, op, window, rec);
    MLX_CUDA_LAUNCHED();
  });
}

namespace {

template <typename W, typename I>
__global__ void gather_axis_kernel(const W* src, const I* idx, W* dst, int64_t n, StridedLayout<2> L, int64_t dim,
                                   int64_t astride, IndexErrorRecord* rec) {
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < n; e += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[2];
    strided_offsets<2>(L, e, off);
    I raw = idx[off[1]];
    int64_t w = wrap_index(raw, dim);
    if (w < 0 || w >= dim) {
      report_index_error(rec, kOpTakeAlongAxis, (long long)raw, dim, 1);
      w = 0;
    }
    dst[e] = src[off[0] + w * astride];
  }
}

void gather_axis(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out) {
  int axis = static_cast<const GatherAxis&>(prim).axis();
  const Array& a = in[0];
  const Array& idx = in[1];
  Array& o = out[0];
  auto& s = prim.stream();
  Strides ast = a.strides();
  int64_t astride = ast[axis], dim = a.shape(axis);
  ast[axis] = 0;
  StridedLayout<2> L;
  if (!make_layout<2>(o.shape(), {&ast, &idx.strides()}, L) || !is_integral(idx.dtype()) || idx.dtype() == Dtype::bool_)
    return cpu_fallback(prim, in, out);
  void* dp = alloc_out(o, s);
  int64_t n = o.size();
  if (n == 0) return;
  const void* sp = in_ptr(a, s);
  const void* ip = in_ptr(idx, s);
  IndexErrorRecord* rec = index_error_record();
  cudaStream_t st = stream_of(s);
  dispatch_word(a.itemsize(), [&](auto wp) {
    using W = MLX_T(wp);
    dispatch_index_dev(idx.dtype(), [&](auto tp) {
      using I = MLX_T(tp);
      gather_axis_kernel<W, I><<<blocks_for(n, 256), 256, 0, st>>>((const W*)sp, (const I*)ip, (W*)dp, n, L, dim,
                                                                  astride, rec);
      MLX_CUDA_LAUNCHED();
    });
  });
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, Gather, gather);
MLX_REGISTER_KERNEL(gpu, GatherAxis, gather_axis);

}  // namespace mlx::cu
