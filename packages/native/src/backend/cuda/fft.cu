// FFT on the GPU through cuFFT: one batched 1-D pass per axis (the CPU kernel's order: c2c passes in
// axis order; rfft does the real pass on the last axis first; irfft the complex passes first, the real
// pass last). Each pass gathers the lines along its axis into a contiguous (batch, n) buffer (any input
// strides), runs a cached cuFFT plan and scatters the result with the scale folded in. A pass over the
// output's last axis lets cuFFT write into the output directly. irfft zeroes the imaginary parts of the
// DC and Nyquist bins during its gather, as the CPU kernel does (cuFFT leaves their effect undefined).
#include <cufft.h>

#include <list>
#include <map>
#include <mutex>
#include <tuple>

#include "../../primitives/fft.h"
#include "common.cuh"

namespace mlx::cu {

namespace {

constexpr int kThreads = 256;

void check_cufft(cufftResult r, const char* what) {
  if (r == CUFFT_SUCCESS) return;
  cudaGetLastError();
  ErrorCode code = r == CUFFT_ALLOC_FAILED ? ErrorCode::out_of_memory : ErrorCode::internal;
  throw_error(code, std::string("[fft] cuFFT ") + what + " failed (cufftResult " + std::to_string((int)r) + ").");
}

// Plans cached per (n, batch, type), least recently used evicted past kMaxPlans. A plan runs on the
// caller's stream (set before each exec under the cache lock).
constexpr size_t kMaxPlans = 32;
struct PlanCache {
  using Key = std::tuple<int64_t, int64_t, int>;
  std::mutex mu;
  std::list<std::pair<Key, cufftHandle>> lru;
  std::map<Key, std::list<std::pair<Key, cufftHandle>>::iterator> index;
};
PlanCache& plans() {
  static PlanCache* c = new PlanCache();  // never destroyed: plans die with the context at exit
  return *c;
}

// Runs one batched transform: in/out contiguous (batch, n_in) / (batch, n_out).
void exec_plan(int64_t n, int64_t batch, cufftType type, void* src, void* dst, bool inverse, cudaStream_t st) {
  auto& c = plans();
  std::lock_guard<std::mutex> lk(c.mu);
  PlanCache::Key key{n, batch, (int)type};
  cufftHandle h;
  auto it = c.index.find(key);
  if (it != c.index.end()) {
    c.lru.splice(c.lru.begin(), c.lru, it->second);
    h = it->second->second;
  } else {
    if (c.lru.size() >= kMaxPlans) {
      // The evicted plan may still be queued on some stream: wait for the device first.
      MLX_CUDA_CHECK(cudaDeviceSynchronize());
      cufftDestroy(c.lru.back().second);
      c.index.erase(c.lru.back().first);
      c.lru.pop_back();
    }
    check_cufft(cufftCreate(&h), "plan creation");
    long long nn = n;
    size_t work = 0;
    cufftResult r = cufftMakePlanMany64(h, 1, &nn, nullptr, 1, 0, nullptr, 1, 0, type, batch, &work);
    if (r != CUFFT_SUCCESS) {
      cufftDestroy(h);
      check_cufft(r, "plan");
    }
    c.lru.emplace_front(key, h);
    c.index[key] = c.lru.begin();
  }
  check_cufft(cufftSetStream(h, st), "set stream");
  switch (type) {
    case CUFFT_C2C:
      check_cufft(cufftExecC2C(h, (cufftComplex*)src, (cufftComplex*)dst, inverse ? CUFFT_INVERSE : CUFFT_FORWARD),
                  "C2C");
      break;
    case CUFFT_R2C: check_cufft(cufftExecR2C(h, (cufftReal*)src, (cufftComplex*)dst), "R2C"); break;
    case CUFFT_C2R: check_cufft(cufftExecC2R(h, (cufftComplex*)src, (cufftReal*)dst), "C2R"); break;
    default: break;
  }
}

// Gathers src (permuted so the axis is last) into contiguous lines of length len; for irfft (n_real > 0,
// complex) the imaginary parts of bin 0 and, for even n_real, bin n_real / 2 become 0.
template <typename E>
__global__ void gather_lines(const E* src, E* dst, StridedLayout<1> L, int64_t total, int64_t len, int64_t n_real) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off;
    strided_offsets<1>(L, i, &off);
    E v = src[off];
    if constexpr (std::is_same_v<E, float2>) {
      if (n_real > 0) {
        int64_t k = i % len;
        if (k == 0 || (n_real % 2 == 0 && k == n_real / 2)) v.y = 0.f;
      }
    }
    dst[i] = v;
  }
}

__device__ __forceinline__ float scaled(float v, float s) { return v * s; }
__device__ __forceinline__ float2 scaled(float2 v, float s) { return make_float2(v.x * s, v.y * s); }

// Scatters contiguous lines into dst (permuted so the axis is last), times scale.
template <typename E>
__global__ void scatter_lines(const E* src, E* dst, StridedLayout<1> L, int64_t total, float scale) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off;
    strided_offsets<1>(L, i, &off);
    dst[off] = scaled(src[i], scale);
  }
}

template <typename E> __global__ void scale_in_place(E* x, int64_t total, float scale) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x)
    x[i] = scaled(x[i], scale);
}

// Length-1 transforms (the identity up to the real/complex change), which cuFFT does not plan.
__global__ void length_one(const void* src, void* dst, int64_t batch, int kind) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < batch; i += (int64_t)gridDim.x * blockDim.x) {
    if (kind == 0) ((float2*)dst)[i] = ((const float2*)src)[i];
    else if (kind == 1) ((float2*)dst)[i] = make_float2(((const float*)src)[i], 0.f);
    else ((float*)dst)[i] = ((const float2*)src)[i].x;
  }
}

// Shape and strides with `ax` moved last.
void axis_last(const Shape& shape, const Strides& st, int ax, Shape& ps, Strides& pst) {
  ps.clear(), pst.clear();
  for (int d = 0; d < (int)shape.size(); d++)
    if (d != ax) ps.push_back(shape[d]), pst.push_back(st[d]);
  ps.push_back(shape[ax]), pst.push_back(st[ax]);
}

struct Pass {
  cufftType type;
  bool inverse;
  int64_t n;     // transform length (the real length for r2c / c2r)
  float scale;
};

// One pass over axis `ax`: src (dtype per type, shape src_shape / strides src_st at device pointer sp)
// into dst (row-contiguous, shape dst_shape at device pointer dp).
void run_pass(const Pass& p, const void* sp, const Shape& src_shape, const Strides& src_st, void* dp,
              const Shape& dst_shape, int ax, const Stream& s) {
  cudaStream_t st = stream_of(s);
  const bool in_real = p.type == CUFFT_R2C, out_real = p.type == CUFFT_C2R;
  const int64_t ib = in_real ? 4 : 8, ob = out_real ? 4 : 8;
  const int64_t len_in = src_shape[ax], len_out = dst_shape[ax];
  int64_t batch = 1;
  for (int d = 0; d < (int)dst_shape.size(); d++) if (d != ax) batch *= dst_shape[d];
  const int64_t tin = batch * len_in, tout = batch * len_out;
  if (tout == 0) return;

  // Gather (always for c2r: cuFFT overwrites its input; otherwise unless already contiguous lines).
  Shape ps;
  Strides pst;
  axis_last(src_shape, src_st, ax, ps, pst);
  StridedLayout<1> Lin;
  check(make_layout<1>(ps, {&pst}, Lin), ErrorCode::not_implemented, "[fft] too many non-mergeable dimensions.");
  bool lines_contig = Lin.ndim == 1 && Lin.strides[0][0] == 1;
  Array gathered;
  void* g = const_cast<void*>(sp);
  if (!lines_contig || out_real) {
    gathered = device_empty({tin}, in_real ? Dtype::float32 : Dtype::complex64, s);
    g = gathered.buffer()->device_ptr;
    if (in_real)
      gather_lines<float><<<blocks_for(tin, kThreads), kThreads, 0, st>>>((const float*)sp, (float*)g, Lin, tin, len_in, 0);
    else
      gather_lines<float2><<<blocks_for(tin, kThreads), kThreads, 0, st>>>((const float2*)sp, (float2*)g, Lin, tin,
                                                                           len_in, out_real ? p.n : 0);
    MLX_CUDA_LAUNCHED();
  }

  // Transform into the output directly when its lines are contiguous (axis last), else into scratch.
  const bool direct = ax == (int)dst_shape.size() - 1;
  Array result;
  void* r = dp;
  if (!direct) {
    result = device_empty({tout}, out_real ? Dtype::float32 : Dtype::complex64, s);
    r = result.buffer()->device_ptr;
  }
  if (p.n == 1) {
    length_one<<<blocks_for(batch, kThreads), kThreads, 0, st>>>(g, r, batch, in_real ? 1 : out_real ? 2 : 0);
    MLX_CUDA_LAUNCHED();
  } else {
    // Batches beyond the int range of one plan's strides go in chunks.
    const int64_t chunk = std::min<int64_t>(batch, std::max<int64_t>(1, (int64_t(1) << 30) / std::max(len_in, len_out)));
    for (int64_t b0 = 0; b0 < batch; b0 += chunk) {
      int64_t nb = std::min(chunk, batch - b0);
      exec_plan(p.n, nb, p.type, (char*)g + b0 * len_in * ib, (char*)r + b0 * len_out * ob, p.inverse, st);
    }
  }

  if (direct) {
    if (p.scale != 1.f) {
      if (out_real) scale_in_place<float><<<blocks_for(tout, kThreads), kThreads, 0, st>>>((float*)r, tout, p.scale);
      else scale_in_place<float2><<<blocks_for(tout, kThreads), kThreads, 0, st>>>((float2*)r, tout, p.scale);
      MLX_CUDA_LAUNCHED();
    }
    return;
  }
  Shape qs;
  Strides qst;
  axis_last(dst_shape, row_major_strides(dst_shape), ax, qs, qst);
  StridedLayout<1> Lout;
  check(make_layout<1>(qs, {&qst}, Lout), ErrorCode::not_implemented, "[fft] too many non-mergeable dimensions.");
  if (out_real)
    scatter_lines<float><<<blocks_for(tout, kThreads), kThreads, 0, st>>>((const float*)r, (float*)dp, Lout, tout, p.scale);
  else
    scatter_lines<float2><<<blocks_for(tout, kThreads), kThreads, 0, st>>>((const float2*)r, (float2*)dp, Lout, tout,
                                                                           p.scale);
  MLX_CUDA_LAUNCHED();
}

void fft_gpu(const Primitive& prim, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  auto& fp = static_cast<const FFT&>(prim);
  const Array& in = inputs[0];
  Array& out = outputs[0];
  auto& s = prim.stream();
  // More dims than the strided layout holds: the CPU kernel.
  if (in.ndim() > kMaxDims) return cpu_fallback(prim, inputs, outputs);
  void* op = alloc_out(out, s);
  if (out.size() == 0 || in.size() == 0) return;
  const auto& axes = fp.axes();
  const float scale = (float)fp.scale();
  const int na = (int)axes.size();
  const void* ip = in_ptr(in, s);

  // Complex passes over `list`, reading (src, shape, strides) first and the output afterwards.
  auto c2c = [&](const std::vector<int>& list, const void* src, Shape src_shape, Strides src_st, void* dst,
                 const Shape& dst_shape, bool inverse, float last_scale) {
    for (size_t i = 0; i < list.size(); i++) {
      Pass p{CUFFT_C2C, inverse, dst_shape[list[i]], i + 1 == list.size() ? last_scale : 1.f};
      run_pass(p, src, src_shape, src_st, dst, dst_shape, list[i], s);
      src = dst;
      src_shape = dst_shape;
      src_st = row_major_strides(dst_shape);
    }
  };

  if (!fp.real()) {
    c2c(axes, ip, in.shape(), in.strides(), op, out.shape(), fp.inverse(), scale);
    return;
  }
  const int last = axes.back();
  std::vector<int> rest(axes.begin(), axes.end() - 1);
  if (!fp.inverse()) {
    Pass p{CUFFT_R2C, false, in.shape(last), na == 1 ? scale : 1.f};
    run_pass(p, ip, in.shape(), in.strides(), op, out.shape(), last, s);
    if (na > 1) c2c(rest, op, out.shape(), out.strides(), op, out.shape(), false, scale);
    return;
  }
  const void* src = ip;
  Shape src_shape = in.shape();
  Strides src_st = in.strides();
  Array tmp;
  if (na > 1) {
    tmp = device_empty(in.shape(), Dtype::complex64, s);
    c2c(rest, src, src_shape, src_st, tmp.buffer()->device_ptr, in.shape(), true, 1.f);
    src = tmp.buffer()->device_ptr;
    src_st = tmp.strides();
  }
  Pass p{CUFFT_C2R, true, out.shape(last), scale};
  run_pass(p, src, src_shape, src_st, op, out.shape(), last, s);
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, FFT, fft_gpu);

}  // namespace mlx::cu
