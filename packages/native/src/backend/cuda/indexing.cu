// Gather on the GPU (take, embedding lookups, a[idx]). Index arrays that live on the host (the
// usual case: token ids made from JS data) are range-checked and turned into element offsets on
// the host, so an out-of-range index raises the same typed IndexError as on the CPU; the copy of
// the windows runs on the GPU. Device-resident indices use the CPU kernel (with migration).
#include <string>

#include "../../primitives/indexing.h"
#include "common.cuh"

namespace mlx::cu {

namespace {

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
  for (size_t j = 1; ok && j < in.size(); j++) {
    const Array& x = in[j];
    ok = (x.buffer()->residency() & kOnHost) && x.ndim() == ind && x.shape() == ishape && is_integral(x.dtype()) &&
         x.dtype() != Dtype::bool_;
  }
  if (!ok || n_idx > (1 << 22)) return cpu_fallback(prim, in, out);
  auto& s = prim.stream();
  void* dp = alloc_out(o, s);
  if (o.size() == 0) return;

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
  int64_t wsize = 1;
  for (auto d : sizes) wsize *= d;
  StridedLayout<1> L;
  check(make_layout<1>(sizes, {&a.strides()}, L), ErrorCode::not_implemented, "[cuda] gather: too many dims.");
  Array doffs = device_empty({n_idx}, Dtype::int64, s);
  cudaStream_t st = stream_of(s);
  int64_t* op = static_cast<int64_t*>(doffs.buffer()->device_ptr);
  MLX_CUDA_CHECK(cudaMemcpyAsync(op, offs.data(), n_idx * sizeof(int64_t), cudaMemcpyHostToDevice, st));
  const void* sp = in_ptr(a, s);
  int64_t total = n_idx * wsize;
  int blk = blocks_for(total, 256);
  switch (a.itemsize()) {
    case 1: gather_kernel<uint8_t><<<blk, 256, 0, st>>>((const uint8_t*)sp, op, (uint8_t*)dp, n_idx, wsize, L); break;
    case 2: gather_kernel<uint16_t><<<blk, 256, 0, st>>>((const uint16_t*)sp, op, (uint16_t*)dp, n_idx, wsize, L); break;
    case 4: gather_kernel<uint32_t><<<blk, 256, 0, st>>>((const uint32_t*)sp, op, (uint32_t*)dp, n_idx, wsize, L); break;
    default: gather_kernel<uint64_t><<<blk, 256, 0, st>>>((const uint64_t*)sp, op, (uint64_t*)dp, n_idx, wsize, L); break;
  }
  MLX_CUDA_LAUNCHED();
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, Gather, gather);

}  // namespace mlx::cu
