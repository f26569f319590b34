// Sort, ArgSort, Partition, ArgPartition on the GPU (topk and sampling use them). Values become the
// CPU backend's order-preserving unsigned keys (-0 == +0, every NaN the largest key), and rows are
// sorted on (key, position) pairs, which makes any sort the CPU's stable sort: results are
// bit-identical (values are copied from the input by their sorted position, so NaN payloads and
// the order of -0/+0 survive). A partition is returned fully sorted (a valid partition).
// - rows of up to 4096: one block per row, bitonic network in shared memory;
// - longer rows: CUB radix sort on (row, key) composite keys (keys up to 32 bits), or CUB's
//   segmented radix sort for 64-bit keys; both are stable, so ties keep their positions.
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_segmented_radix_sort.cuh>

#include "../../primitives/sort.h"
#include "common.cuh"

namespace mlx::cu {

namespace {

enum class KeyKind { identity, signed_int, f16, bf16, f32, f64 };

template <typename K, KeyKind Kind> __device__ __forceinline__ K make_key(K b) {
  constexpr K sign = K(K(1) << (sizeof(K) * 8 - 1));
  if constexpr (Kind == KeyKind::identity) return b;
  else if constexpr (Kind == KeyKind::signed_int) return K(b ^ sign);
  else {
    constexpr K inf = Kind == KeyKind::f16 ? K(0x7C00) : Kind == KeyKind::bf16 ? K(0x7F80)
                    : Kind == KeyKind::f32 ? K(0x7F800000u) : K(0x7FF0000000000000ull);
    K mag = K(b & K(~sign));
    if (mag > inf) return K(~K(0));  // NaN: last, in input order
    if (mag == 0) return sign;       // -0 == +0
    return (b & sign) ? K(~b) : K(b | sign);
  }
}

template <typename F> void dispatch_key(Dtype dt, F&& f) {
  using KK = KeyKind;
  switch (dt) {
    case Dtype::bool_: case Dtype::uint8: return f((uint8_t*)nullptr, std::integral_constant<KK, KK::identity>{});
    case Dtype::int8: return f((uint8_t*)nullptr, std::integral_constant<KK, KK::signed_int>{});
    case Dtype::uint16: return f((uint16_t*)nullptr, std::integral_constant<KK, KK::identity>{});
    case Dtype::int16: return f((uint16_t*)nullptr, std::integral_constant<KK, KK::signed_int>{});
    case Dtype::float16: return f((uint16_t*)nullptr, std::integral_constant<KK, KK::f16>{});
    case Dtype::bfloat16: return f((uint16_t*)nullptr, std::integral_constant<KK, KK::bf16>{});
    case Dtype::uint32: return f((uint32_t*)nullptr, std::integral_constant<KK, KK::identity>{});
    case Dtype::int32: return f((uint32_t*)nullptr, std::integral_constant<KK, KK::signed_int>{});
    case Dtype::float32: return f((uint32_t*)nullptr, std::integral_constant<KK, KK::f32>{});
    case Dtype::uint64: return f((uint64_t*)nullptr, std::integral_constant<KK, KK::identity>{});
    case Dtype::int64: return f((uint64_t*)nullptr, std::integral_constant<KK, KK::signed_int>{});
    case Dtype::float64: return f((uint64_t*)nullptr, std::integral_constant<KK, KK::f64>{});
    default: break;
  }
  throw_error(ErrorCode::internal, "[sort] Unexpected dtype.");
}

constexpr int kBitonicMax = 4096;

// One block per row: (key, position) pairs in shared memory (packed into 64 bits for keys up to
// 32 bits), padded to a power of two with pairs that sort last.
template <typename K, KeyKind Kind, bool Arg>
__global__ void bitonic_kernel(const K* src, void* dst, int64_t rows, int n, int npad, StridedLayout<2> RL,
                               int64_t in_ax, int64_t out_ax) {
  extern __shared__ __align__(16) unsigned char smem[];
  constexpr bool packed = sizeof(K) <= 4;
  uint64_t* pk = reinterpret_cast<uint64_t*>(smem);                      // packed: (key << 32) | pos
  uint32_t* pos = reinterpret_cast<uint32_t*>(smem + (size_t)npad * 8);  // 64-bit keys: positions
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    int64_t off[2];
    strided_offsets<2>(RL, r, off);
    const K* s = src + off[0];
    for (int i = threadIdx.x; i < npad; i += blockDim.x) {
      K key = i < n ? make_key<K, Kind>(s[i * in_ax]) : K(~K(0));
      uint32_t p = i < n ? (uint32_t)i : 0xFFFFFFFFu;
      if constexpr (packed) pk[i] = ((uint64_t)key << 32) | p;
      else { pk[i] = (uint64_t)key; pos[i] = p; }
    }
    __syncthreads();
    for (int k = 2; k <= npad; k <<= 1) {
      for (int j = k >> 1; j > 0; j >>= 1) {
        for (int t = threadIdx.x; t < (npad >> 1); t += blockDim.x) {
          int i = 2 * t - (t & (j - 1));
          int l = i + j;
          bool up = (i & k) == 0;
          if constexpr (packed) {
            uint64_t a = pk[i], b = pk[l];
            if ((a > b) == up) { pk[i] = b; pk[l] = a; }
          } else {
            uint64_t a = pk[i], b = pk[l];
            uint32_t pa = pos[i], pb = pos[l];
            bool gt = a > b || (a == b && pa > pb);
            if (gt == up) { pk[i] = b; pk[l] = a; pos[i] = pb; pos[l] = pa; }
          }
        }
        __syncthreads();
      }
    }
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
      uint32_t p = packed ? (uint32_t)(pk[i] & 0xFFFFFFFFu) : pos[i];
      if constexpr (Arg) static_cast<uint32_t*>(dst)[off[1] + i * out_ax] = p;
      else static_cast<K*>(dst)[off[1] + i * out_ax] = s[(int64_t)p * in_ax];
    }
    __syncthreads();
  }
}

// Long rows: keys (with the row in the high bits when `rbits_shift` > 0) and positions, flat.
template <typename K, KeyKind Kind, typename CK>
__global__ void make_keys_kernel(const K* src, CK* keys, uint32_t* vals, int64_t rows, int64_t n, StridedLayout<2> RL,
                                 int64_t in_ax, int shift) {
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < rows * n; e += (int64_t)gridDim.x * blockDim.x) {
    int64_t r = e / n, i = e - r * n;
    int64_t off[2];
    strided_offsets<2>(RL, r, off);
    CK k = (CK)make_key<K, Kind>(src[off[0] + i * in_ax]);
    if (shift > 0) k |= (CK)r << shift;
    keys[e] = k;
    vals[e] = (uint32_t)i;
  }
}

template <typename K, bool Arg>
__global__ void write_sorted_kernel(const K* src, const uint32_t* vals, void* dst, int64_t rows, int64_t n,
                                    StridedLayout<2> RL, int64_t in_ax, int64_t out_ax) {
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < rows * n; e += (int64_t)gridDim.x * blockDim.x) {
    int64_t r = e / n, i = e - r * n;
    int64_t off[2];
    strided_offsets<2>(RL, r, off);
    uint32_t p = vals[e];
    if constexpr (Arg) static_cast<uint32_t*>(dst)[off[1] + i * out_ax] = p;
    else static_cast<K*>(dst)[off[1] + i * out_ax] = src[off[0] + (int64_t)p * in_ax];
  }
}

__global__ void segment_offsets_kernel(int* offs, int64_t rows, int64_t n) {
  for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r <= rows; r += (int64_t)gridDim.x * blockDim.x)
    offs[r] = (int)(r * n);
}

void* scratch(int64_t bytes, const Stream& s, std::vector<Array>& keep) {
  keep.push_back(device_empty({std::max<int64_t>(bytes, 1)}, Dtype::uint8, s));
  return keep.back().buffer()->device_ptr;
}

template <typename K, KeyKind Kind, bool Arg>
void sort_long(const K* src, void* dst, int64_t rows, int64_t n, const StridedLayout<2>& RL, int64_t in_ax,
               int64_t out_ax, const Stream& s) {
  cudaStream_t st = stream_of(s);
  std::vector<Array> keep;
  int64_t total = rows * n;
  int blk = blocks_for(total, 256);
  uint32_t* v_in = static_cast<uint32_t*>(scratch(total * 4, s, keep));
  uint32_t* v_out = static_cast<uint32_t*>(scratch(total * 4, s, keep));
  constexpr int kbits = (int)sizeof(K) * 8;
  if constexpr (sizeof(K) <= 4) {
    int rbits = 0;
    while (rbits < 32 && (int64_t(1) << rbits) < rows) rbits++;
    uint64_t* k_in = static_cast<uint64_t*>(scratch(total * 8, s, keep));
    uint64_t* k_out = static_cast<uint64_t*>(scratch(total * 8, s, keep));
    make_keys_kernel<K, Kind, uint64_t><<<blk, 256, 0, st>>>(src, k_in, v_in, rows, n, RL, in_ax, rbits ? kbits : 0);
    MLX_CUDA_LAUNCHED();
    size_t bytes = 0;
    MLX_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, k_in, k_out, v_in, v_out, (int)total, 0, kbits + rbits, st));
    void* tmp = scratch((int64_t)bytes, s, keep);
    MLX_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(tmp, bytes, k_in, k_out, v_in, v_out, (int)total, 0, kbits + rbits, st));
  } else {
    uint64_t* k_in = static_cast<uint64_t*>(scratch(total * 8, s, keep));
    uint64_t* k_out = static_cast<uint64_t*>(scratch(total * 8, s, keep));
    make_keys_kernel<K, Kind, uint64_t><<<blk, 256, 0, st>>>(src, k_in, v_in, rows, n, RL, in_ax, 0);
    MLX_CUDA_LAUNCHED();
    int* offs = static_cast<int*>(scratch((rows + 1) * 4, s, keep));
    segment_offsets_kernel<<<blocks_for(rows + 1, 256), 256, 0, st>>>(offs, rows, n);
    MLX_CUDA_LAUNCHED();
    size_t bytes = 0;
    MLX_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(nullptr, bytes, k_in, k_out, v_in, v_out, (int)total,
                                                            (int)rows, offs, offs + 1, 0, 64, st));
    void* tmp = scratch((int64_t)bytes, s, keep);
    MLX_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(tmp, bytes, k_in, k_out, v_in, v_out, (int)total,
                                                            (int)rows, offs, offs + 1, 0, 64, st));
  }
  write_sorted_kernel<K, Arg><<<blk, 256, 0, st>>>(src, v_out, dst, rows, n, RL, in_ax, out_ax);
  MLX_CUDA_LAUNCHED();
}

void sort_any(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out, bool arg) {
  int axis = static_cast<const SortBase&>(prim).axis();
  const Array& a = in[0];
  Array& o = out[0];
  if (a.dtype() == Dtype::complex64) return cpu_fallback(prim, in, out);
  auto& s = prim.stream();
  int64_t n = o.shape(axis);
  int64_t rows = n > 0 ? o.size() / n : 0;
  if (rows * n >= (int64_t(1) << 31) || n > (int64_t(1) << 32)) return cpu_fallback(prim, in, out);
  // Rows: the other dims, iterated row-major with the input's and the output's strides.
  Strides ost = row_major_strides(o.shape());
  Shape rshape;
  Strides ris, ros;
  for (int i = 0; i < o.ndim(); i++) {
    if (i == axis) continue;
    rshape.push_back(o.shape(i));
    ris.push_back(a.strides()[i]);
    ros.push_back(ost[i]);
  }
  StridedLayout<2> RL;
  if (!make_layout<2>(rshape, {&ris, &ros}, RL)) return cpu_fallback(prim, in, out);
  void* dp = alloc_out(o, s);
  if (o.size() == 0) return;
  const void* sp = in_ptr(a, s);
  int64_t in_ax = a.strides()[axis], out_ax = ost[axis];
  cudaStream_t st = stream_of(s);
  dispatch_key(a.dtype(), [&](auto kp, auto kind) {
    using K = MLX_T(kp);
    constexpr KeyKind Kind = decltype(kind)::value;
    auto run = [&](auto argc) {
      constexpr bool Arg = decltype(argc)::value;
      if (n <= kBitonicMax) {
        int npad = 1;
        while (npad < n) npad <<= 1;
        if (npad < 2) npad = 2;
        int threads = std::min(npad / 2, 512);
        size_t smem = (size_t)npad * (sizeof(K) <= 4 ? 8 : 12);
        int grid = (int)std::min<int64_t>(rows, (int64_t)num_sms() * 64);
        bitonic_kernel<K, Kind, Arg><<<grid, threads, smem, st>>>((const K*)sp, dp, rows, (int)n, npad, RL, in_ax, out_ax);
        MLX_CUDA_LAUNCHED();
      } else {
        sort_long<K, Kind, Arg>((const K*)sp, dp, rows, n, RL, in_ax, out_ax, s);
      }
    };
    if (arg) run(std::true_type{});
    else run(std::false_type{});
  });
}

void sort_values(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) { sort_any(p, in, out, false); }
void sort_indices(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) { sort_any(p, in, out, true); }

}  // namespace

MLX_REGISTER_KERNEL(gpu, Sort, sort_values);
MLX_REGISTER_KERNEL(gpu, Partition, sort_values);
MLX_REGISTER_KERNEL(gpu, ArgSort, sort_indices);
MLX_REGISTER_KERNEL(gpu, ArgPartition, sort_indices);

}  // namespace mlx::cu
