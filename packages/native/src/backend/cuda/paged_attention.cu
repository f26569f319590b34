// PagedAttention on the GPU (ops/paged_attention.h; the CPU kernel is backend/cpu/paged_attention.cc).
// One block per (query, kv head, group of up to kMaxRep query heads sharing that kv head): its kWarps warps take
// the query's keys round-robin (key j goes to warp (j - start) % kWarps), each keeping an online softmax per head
// in registers (lane l holds dims l, l + 32, ...), then the warps' partial results are merged in shared memory in
// warp order. Nothing depends on which other queries share the launch, so a query's result is the same however
// the batch is composed (the CPU kernel's contract); the split over warps is fixed, so it is deterministic too.
// Slots and indices are read on the device (the launch never waits on the host, as CUDA-graph replay needs):
// an out-of-range slot table entry, sequence or end is recorded (IndexError at the end of eval) and clamped.
#include <cfloat>

#include "../../primitives/paged_attention.h"
#include "index_common.cuh"

namespace mlx::cu {

namespace {

constexpr int kWarps = 4;
constexpr int kMaxRep = 8;    // query heads per block (more: several blocks per kv head)

struct PagedArgs {
  const void *q, *k, *v;
  const int32_t *table, *qseq, *qend;
  float* out;
  int64_t N, Hq, D, Dv, S, Hkv, T, L, rep;
  int64_t qs[3], ks[3], vs[3], ts[2], ss, es;
  float scale;
  int window;
  IndexErrorRecord* rec;
};

template <typename T, int E>
__global__ void __launch_bounds__(kWarps * 32) paged_decode_kernel(PagedArgs A) {
  const int64_t i = blockIdx.x, hk = blockIdx.y;
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  const int g0 = blockIdx.z * kMaxRep;
  const int R = A.rep - g0 < kMaxRep ? (int)(A.rep - g0) : kMaxRep;
  __shared__ float sm_m[kWarps][kMaxRep], sm_l[kWarps][kMaxRep];
  __shared__ float sm_acc[kWarps][kMaxRep][E * 32];

  int64_t t = A.qseq[i * A.ss], end = A.qend[i * A.es];
  if (t < 0 || t >= A.T) {
    if (threadIdx.x == 0 && hk == 0 && blockIdx.z == 0) report_index_error(A.rec, kOpGather, t, A.T, 1);
    t = 0;
  }
  if (end < 1 || end > A.L) {
    if (threadIdx.x == 0 && hk == 0 && blockIdx.z == 0) report_index_error(A.rec, kOpGather, end - 1, A.L, 1);
    end = end < 1 ? 1 : A.L;
  }
  const int64_t start = A.window > 0 && end > A.window ? end - A.window : 0;

  // This lane's dims of each head's query, scaled as the CPU kernel does (q * scale, then the dot product).
  float q[kMaxRep][E], acc[kMaxRep][E], m[kMaxRep], l[kMaxRep];
  const T* qp = static_cast<const T*>(A.q);
#pragma unroll
  for (int g = 0; g < kMaxRep; g++) {
    m[g] = -INFINITY, l[g] = 0.f;
#pragma unroll
    for (int e = 0; e < E; e++) {
      const int64_t c = lane + 32 * e;
      acc[g][e] = 0.f;
      q[g][e] = (g < R && c < A.D) ? cvt<float>(qp[i * A.qs[0] + (hk * A.rep + g0 + g) * A.qs[1] + c * A.qs[2]]) * A.scale : 0.f;
    }
  }
  const T* kp = static_cast<const T*>(A.k);
  const T* vp = static_cast<const T*>(A.v);
  const int32_t* slots = A.table + t * A.ts[0];
  for (int64_t j = start + w; j < end; j += kWarps) {
    int64_t slot = slots[j * A.ts[1]];
    if (slot < 0 || slot >= A.S) {
      if (lane == 0 && hk == 0 && blockIdx.z == 0) report_index_error(A.rec, kOpGather, slot, A.S, 1);
      slot = 0;
    }
    float kr[E], vr[E];
#pragma unroll
    for (int e = 0; e < E; e++) {
      const int64_t c = lane + 32 * e;
      kr[e] = c < A.D ? cvt<float>(kp[slot * A.ks[0] + hk * A.ks[1] + c * A.ks[2]]) : 0.f;
      vr[e] = c < A.Dv ? cvt<float>(vp[slot * A.vs[0] + hk * A.vs[1] + c * A.vs[2]]) : 0.f;
    }
#pragma unroll
    for (int g = 0; g < kMaxRep; g++) {
      if (g >= R) break;
      float s = 0.f;
#pragma unroll
      for (int e = 0; e < E; e++) s += q[g][e] * kr[e];
      s = warp_reduce(s, [](float a, float b) { return a + b; });
      const float mn = fmaxf(m[g], s);
      const float corr = expf(m[g] - mn), p = expf(s - mn);
      l[g] = l[g] * corr + p;
#pragma unroll
      for (int e = 0; e < E; e++) acc[g][e] = acc[g][e] * corr + p * vr[e];
      m[g] = mn;
    }
  }
#pragma unroll
  for (int g = 0; g < kMaxRep; g++) {
    if (g >= R) break;
    if (lane == 0) sm_m[w][g] = m[g], sm_l[w][g] = l[g];
#pragma unroll
    for (int e = 0; e < E; e++) sm_acc[w][g][lane + 32 * e] = acc[g][e];
  }
  __syncthreads();
  // Merge: thread x writes output element (g, c) for every x < R * Dv, in warp order.
  for (int x = threadIdx.x; x < R * A.Dv; x += blockDim.x) {
    const int g = x / (int)A.Dv, c = x % (int)A.Dv;
    float M = -INFINITY;
#pragma unroll
    for (int ww = 0; ww < kWarps; ww++) M = fmaxf(M, sm_m[ww][g]);
    float num = 0.f, den = 0.f;
#pragma unroll
    for (int ww = 0; ww < kWarps; ww++) {
      const float f = sm_l[ww][g] > 0.f ? expf(sm_m[ww][g] - M) : 0.f;
      num += sm_acc[ww][g][c] * f;
      den += sm_l[ww][g] * f;
    }
    A.out[(i * A.Hq + hk * A.rep + g0 + g) * A.Dv + c] = num / den;
  }
}

template <typename T> void launch(const PagedArgs& A, cudaStream_t st) {
  const int64_t width = std::max(A.D, A.Dv);
  const dim3 grid((unsigned)A.N, (unsigned)A.Hkv, (unsigned)((A.rep + kMaxRep - 1) / kMaxRep));
  const int block = kWarps * 32;
  if (width <= 32) paged_decode_kernel<T, 1><<<grid, block, 0, st>>>(A);
  else if (width <= 64) paged_decode_kernel<T, 2><<<grid, block, 0, st>>>(A);
  else if (width <= 128) paged_decode_kernel<T, 4><<<grid, block, 0, st>>>(A);
  else paged_decode_kernel<T, 8><<<grid, block, 0, st>>>(A);
  MLX_CUDA_LAUNCHED();
}

void paged_attention(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& P = static_cast<const PagedAttention&>(prim);
  const Array &q = in[0], &kp = in[1], &vp = in[2], &table = in[3], &qseq = in[4], &qend = in[5];
  const Stream& s = P.stream();
  PagedArgs A{};
  A.N = q.shape(0), A.Hq = q.shape(1), A.D = q.shape(2);
  A.S = kp.shape(0), A.Hkv = kp.shape(1), A.Dv = vp.shape(2);
  A.T = table.shape(0), A.L = table.shape(1);
  A.rep = A.Hq / A.Hkv;
  // Head sizes past 256 (no model here has them) or index tables too large for the grid: the CPU kernel.
  if (std::max(A.D, A.Dv) > 256 || A.N > 0x7fffffff || A.Hkv > 65535 || A.rep > 65535 * kMaxRep)
    return cpu_fallback(prim, in, out);
  A.out = out_ptr<float>(out[0], s);
  if (out[0].size() == 0) return;
  for (int d = 0; d < 3; d++) A.qs[d] = q.strides()[d], A.ks[d] = kp.strides()[d], A.vs[d] = vp.strides()[d];
  A.ts[0] = table.strides()[0], A.ts[1] = table.strides()[1];
  A.ss = qseq.strides()[0], A.es = qend.strides()[0];
  A.q = in_ptr(q, s), A.k = in_ptr(kp, s), A.v = in_ptr(vp, s);
  auto idx = [&](const Array& a) { return static_cast<const int32_t*>(in_ptr(a, s)); };
  A.table = idx(table), A.qseq = idx(qseq), A.qend = idx(qend);
  A.scale = P.scale();
  A.window = P.window();
  A.rec = index_error_record();
  cudaStream_t st = stream_of(s);
  switch (q.dtype()) {
    case Dtype::float32: launch<float>(A, st); break;
    case Dtype::bfloat16: launch<__nv_bfloat16>(A, st); break;
    case Dtype::float16: launch<__half>(A, st); break;
    default: throw_error(ErrorCode::dtype, "[paged_attention] q must be a floating point array.");
  }
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, PagedAttention, paged_attention);

}  // namespace mlx::cu
