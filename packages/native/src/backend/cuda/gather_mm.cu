// GatherMM and GatherQMM on the GPU: one batched tiled GEMM (64 x 64 outputs per block, float
// accumulation) whose batch item i multiplies a's matrix lhs_indices[i] with b's matrix rhs_indices[i].
// The indices are read on the device (no host round trip, so MoE layers stay asynchronous): an index out
// of range is recorded and raised as an IndexError at the end of eval, as the gather kernels do; when
// the indices are host-resident they are checked first with the CPU kernel's message. GatherQMM
// dequantizes its weights (little-endian bit stream rows, any width 1-8, scale * q + bias per group)
// while loading the B tile.
#include "../../primitives/quantized.h"
#include "index_common.cuh"

namespace mlx::cu {

namespace {

constexpr int kThreads = 256;
constexpr int BM = 64, BN = 64, BK = 16;

// Element offset of batch item i of an array's leading (batch) dims.
struct BatchLayout {
  int nd;
  int64_t shape[kMaxDims];
  int64_t stride[kMaxDims];
};
__device__ __forceinline__ int64_t batch_loc(const BatchLayout& L, int64_t i) {
  int64_t off = 0;
  for (int d = L.nd - 1; d >= 0 && i > 0; d--) {
    off += (i % L.shape[d]) * L.stride[d];
    i /= L.shape[d];
  }
  return off;
}
bool batch_layout(const Array& a, BatchLayout& L) {
  int nd = a.ndim() - 2;
  if (nd > kMaxDims) return false;
  L.nd = nd < 0 ? 0 : nd;
  for (int d = 0; d < L.nd; d++) L.shape[d] = a.shape(d), L.stride[d] = a.strides()[d];
  return true;
}
int64_t batch_count(const Array& a) {
  int64_t n = 1;
  for (int d = 0; d < a.ndim() - 2; d++) n *= a.shape(d);
  return n;
}

struct QuantB {
  const uint8_t* w;   // contiguous [E, rows, row_bytes]
  const void* sc;     // contiguous [E, rows, G]
  const void* bi;
  int64_t row_bytes, rows, G;
  int gs, bits;
  bool transpose;     // rows = N (W is [N, K]) or rows = K (W is [K, N])
};

struct Params {
  const void* a;
  int64_t a_rs, a_cs;
  BatchLayout al;
  const void* b;  // float B (GatherMM)
  int64_t b_rs, b_cs;
  BatchLayout bl;
  const uint32_t* li;
  const uint32_t* ri;
  int64_t a_count, b_count, z0;
  void* out;
  int64_t M, N, K;
  IndexErrorRecord* rec;
};

__device__ __forceinline__ uint32_t unpack(const uint8_t* row, int64_t e, int bits) {
  int64_t bit = e * bits;
  const uint8_t* p = row + (bit >> 3);
  int sh = (int)(bit & 7);
  uint32_t v = p[0];
  if (sh + bits > 8) v |= (uint32_t)p[1] << 8;
  return (v >> sh) & ((1u << bits) - 1);
}

template <typename T, typename S, bool Quant>
__global__ void __launch_bounds__(kThreads) gather_gemm(Params P, QuantB Q) {
  __shared__ float As[BK][BM + 1];
  __shared__ float Bs[BK][BN + 1];
  const int64_t item = P.z0 + blockIdx.z;
  int64_t ia = P.li[item], ib = P.ri[item];
  if (ia >= P.a_count || ib >= P.b_count) {
    if (threadIdx.x == 0 && blockIdx.x == 0 && blockIdx.y == 0)
      report_index_error(P.rec, kOpGather, ia >= P.a_count ? ia : ib, ia >= P.a_count ? P.a_count : P.b_count, 1);
    ia = ia >= P.a_count ? 0 : ia, ib = ib >= P.b_count ? 0 : ib;
  }
  const T* A = static_cast<const T*>(P.a) + batch_loc(P.al, ia);
  const T* B = Quant ? nullptr : static_cast<const T*>(P.b) + batch_loc(P.bl, ib);
  const uint8_t* W = Quant ? Q.w + ib * Q.rows * Q.row_bytes : nullptr;
  const S* SC = Quant ? static_cast<const S*>(Q.sc) + ib * Q.rows * Q.G : nullptr;
  const S* BI = Quant ? static_cast<const S*>(Q.bi) + ib * Q.rows * Q.G : nullptr;
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t m0 = (int64_t)blockIdx.y * BM, n0 = (int64_t)blockIdx.x * BN;
  float acc[4][4] = {};
  for (int64_t k0 = 0; k0 < P.K; k0 += BK) {
#pragma unroll
    for (int r = 0; r < (BM * BK) / kThreads; r++) {
      int e = tid + r * kThreads;
      int mm = e / BK, kk = e % BK;  // consecutive threads along k (A rows are usually contiguous in k)
      int64_t m = m0 + mm, k = k0 + kk;
      As[kk][mm] = (m < P.M && k < P.K) ? cvt<float>(A[m * P.a_rs + k * P.a_cs]) : 0.f;
    }
#pragma unroll
    for (int r = 0; r < (BN * BK) / kThreads; r++) {
      int e = tid + r * kThreads;
      int kk, nn;
      if (Quant && Q.transpose) nn = e / BK, kk = e % BK;  // W rows are n: walk k within a row
      else kk = e / BN, nn = e % BN;
      int64_t k = k0 + kk, n = n0 + nn;
      float v = 0.f;
      if (k < P.K && n < P.N) {
        if constexpr (Quant) {
          int64_t row = Q.transpose ? n : k, col = Q.transpose ? k : n;
          uint32_t q = unpack(W + row * Q.row_bytes, col, Q.bits);
          int64_t g = row * Q.G + col / Q.gs;
          v = cvt<float>(SC[g]) * (float)q + cvt<float>(BI[g]);
        } else {
          v = cvt<float>(B[k * P.b_rs + n * P.b_cs]);
        }
      }
      Bs[kk][nn] = v;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; kk++) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; i++) a[i] = As[kk][ty + 16 * i], b[i] = Bs[kk][tx + 16 * i];
#pragma unroll
      for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
    }
    __syncthreads();
  }
  T* O = static_cast<T*>(P.out) + item * P.M * P.N;
#pragma unroll
  for (int i = 0; i < 4; i++) {
    int64_t m = m0 + ty + 16 * i;
    if (m >= P.M) continue;
#pragma unroll
    for (int j = 0; j < 4; j++) {
      int64_t n = n0 + tx + 16 * j;
      if (n < P.N) O[m * P.N + n] = cvt<T>(acc[i][j]);
    }
  }
}

// Host-resident indices: the CPU kernel's check and message.
void check_host_indices(const Array& idx, int64_t limit, const char* op) {
  if (!(idx.buffer()->residency() & kOnHost) || !idx.flags().row_contiguous || idx.data_size() != idx.size()) return;
  const uint32_t* p = idx.data<uint32_t>();
  for (int64_t i = 0; i < idx.size(); i++)
    if ((int64_t)p[i] >= limit)
      throw_error(ErrorCode::index, std::string("[") + op + "] Index " + std::to_string(p[i]) +
                                        " is out of bounds for a batch of " + std::to_string(limit) + " matrices.");
}

bool half_or_f32(Dtype d) { return d == Dtype::float32 || d == Dtype::float16 || d == Dtype::bfloat16; }

template <typename S, bool Quant>
void launch(Params P, const QuantB& Q, Dtype dt, int64_t batch, const Stream& s) {
  cudaStream_t st = stream_of(s);
  dim3 grid((unsigned)((P.N + BN - 1) / BN), (unsigned)((P.M + BM - 1) / BM), 1);
  check(grid.y <= 65535, ErrorCode::not_implemented, "[gather_mm] too many rows for one launch.");
  dispatch_dev_float(dt, [&](auto tp) {
    using T = MLX_T(tp);
    if constexpr (!std::is_same_v<T, double>) {
      for (int64_t z0 = 0; z0 < batch; z0 += 65535) {
        P.z0 = z0;
        grid.z = (unsigned)std::min<int64_t>(65535, batch - z0);
        gather_gemm<T, S, Quant><<<grid, kThreads, 0, st>>>(P, Q);
        MLX_CUDA_LAUNCHED();
      }
    }
  });
}

void gather_mm_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  const Array &a = in[0], &b = in[1];
  Array& o = out[0];
  Params P{};
  Dtype dt = o.dtype();
  if (in.size() != 4 || !half_or_f32(dt) || a.dtype() != dt || b.dtype() != dt || a.ndim() < 2 || b.ndim() < 2 ||
      in[2].dtype() != Dtype::uint32 || in[3].dtype() != Dtype::uint32 || !batch_layout(a, P.al) ||
      !batch_layout(b, P.bl) || in[2].ndim() > kMaxDims || in[3].ndim() > kMaxDims)
    return cpu_fallback(p, in, out);
  P.a_count = batch_count(a), P.b_count = batch_count(b);
  check_host_indices(in[2], P.a_count, "gather_mm");
  check_host_indices(in[3], P.b_count, "gather_mm");
  auto& s = p.stream();
  P.out = alloc_out(o, s);
  P.M = a.shape(-2), P.K = a.shape(-1), P.N = b.shape(-1);
  const int64_t batch = in[2].size();
  if (o.size() == 0 || batch == 0) return;
  Array li = contiguous_gpu(in[2], s), ri = contiguous_gpu(in[3], s);
  P.li = static_cast<const uint32_t*>(in_ptr(li, s));
  P.ri = static_cast<const uint32_t*>(in_ptr(ri, s));
  P.a = in_ptr(a, s), P.a_rs = a.strides()[a.ndim() - 2], P.a_cs = a.strides()[a.ndim() - 1];
  P.b = in_ptr(b, s), P.b_rs = b.strides()[b.ndim() - 2], P.b_cs = b.strides()[b.ndim() - 1];
  P.rec = index_error_record();
  launch<float, false>(P, QuantB{}, dt, batch, s);
}

void gather_qmm_gpu(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& qp = static_cast<const GatherQMM&>(p);
  if (in.size() != 6) return cpu_fallback(p, in, out);
  const Array &x = in[0], &w0 = in[1], &sc0 = in[2], &bi0 = in[3];
  Array& o = out[0];
  Params P{};
  Dtype dt = o.dtype();
  const int bits = qp.bits(), gs = qp.group_size();
  if (!half_or_f32(dt) || x.dtype() != dt || !half_or_f32(sc0.dtype()) || bi0.dtype() != sc0.dtype() || x.ndim() < 2 ||
      w0.ndim() < 2 || bits < 1 || bits > 8 || gs <= 0 || in[4].dtype() != Dtype::uint32 ||
      in[5].dtype() != Dtype::uint32 || !batch_layout(x, P.al) || w0.ndim() > kMaxDims || sc0.ndim() > kMaxDims ||
      in[4].ndim() > kMaxDims || in[5].ndim() > kMaxDims)
    return cpu_fallback(p, in, out);
  P.a_count = batch_count(x), P.b_count = batch_count(w0);
  check_host_indices(in[4], P.a_count, "gather_qmm");
  check_host_indices(in[5], P.b_count, "gather_qmm");
  auto& s = p.stream();
  P.out = alloc_out(o, s);
  P.M = x.shape(-2), P.K = x.shape(-1), P.N = o.shape(-1);
  const int64_t batch = in[4].size();
  if (o.size() == 0 || batch == 0) return;
  Array w = contiguous_gpu(w0, s), sc = contiguous_gpu(sc0, s), bi = contiguous_gpu(bi0, s);
  QuantB Q{};
  Q.rows = w.shape(-2);
  Q.row_bytes = w.shape(-1) * w.itemsize();
  Q.G = sc.shape(-1);
  Q.gs = gs, Q.bits = bits, Q.transpose = qp.transpose();
  Q.w = static_cast<const uint8_t*>(in_ptr(w, s));
  Q.sc = in_ptr(sc, s), Q.bi = in_ptr(bi, s);
  Array li = contiguous_gpu(in[4], s), ri = contiguous_gpu(in[5], s);
  P.li = static_cast<const uint32_t*>(in_ptr(li, s));
  P.ri = static_cast<const uint32_t*>(in_ptr(ri, s));
  P.a = in_ptr(x, s), P.a_rs = x.strides()[x.ndim() - 2], P.a_cs = x.strides()[x.ndim() - 1];
  P.rec = index_error_record();
  switch (sc.dtype()) {
    case Dtype::float16: launch<__half, true>(P, Q, dt, batch, s); break;
    case Dtype::bfloat16: launch<__nv_bfloat16, true>(P, Q, dt, batch, s); break;
    default: launch<float, true>(P, Q, dt, batch, s); break;
  }
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, GatherMM, gather_mm_gpu);
MLX_REGISTER_KERNEL(gpu, GatherQMM, gather_qmm_gpu);

}  // namespace mlx::cu
