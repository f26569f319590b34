// CUDA runtime glue: device probe, one CUDA stream per mx GPU stream, the stream-ordered device
// pool (cudaMallocAsync) behind the engine's allocator statistics, lazy host<->device migration
// of buffers, and the CPU fallback for primitives without a GPU kernel.
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <typeindex>

#include "../../primitives/shape.h"
#include "common.cuh"

namespace mlx::cu {

void check_cuda(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return;
  cudaGetLastError();  // clear sticky-free errors so the process stays usable
  ErrorCode code = e == cudaErrorMemoryAllocation ? ErrorCode::out_of_memory : ErrorCode::internal;
  throw_error(code, std::string("[cuda] ") + what + ": " + cudaGetErrorString(e));
}

namespace {

std::mutex g_mu;  // streams, counters, staging
std::vector<cudaStream_t> g_streams;
cudaMemPool_t g_pool = nullptr;
int g_sms = 132;
bool g_tf32 = false;
std::map<std::string, double> g_counters;
void* g_staging = nullptr;  // pinned host staging for device->host copies
constexpr size_t kStagingBytes = 8 << 20;
std::mutex g_migrate_mu;

void count(const std::string& k, double v = 1) {
  std::lock_guard<std::mutex> lk(g_mu);
  g_counters[k] += v;
}

// Set while device_alloc reads the allocator statistics: it needs active bytes and the limit, not the
// pool's cached bytes, whose two driver queries would cost more than the allocation.
thread_local bool g_quick_stats = false;

}  // namespace

void* pool_alloc(size_t bytes, cudaStream_t st) {
  if (bytes == 0) bytes = 1;
  g_quick_stats = true;
  auto stats = Allocator::instance().stats();
  g_quick_stats = false;
  if (stats.active + bytes > stats.limit + stats.limit / 8)
    throw_error(ErrorCode::out_of_memory, "[allocate] Request of " + std::to_string(bytes) +
                                              " bytes exceeds the memory limit (" + std::to_string(stats.limit) + " bytes).");
  void* p = nullptr;
  cudaError_t e = cudaMallocFromPoolAsync(&p, bytes, g_pool, st);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    cudaDeviceSynchronize();
    cudaMemPoolTrimTo(g_pool, 0);
    e = cudaMallocFromPoolAsync(&p, bytes, g_pool, st);
  }
  check_cuda(e, "cudaMallocAsync");
  Allocator::instance().note_device_alloc(bytes);
  return p;
}

void pool_free(void* p, size_t bytes, int stream) {
  cudaFreeAsync(p, stream >= 0 ? stream_of(stream) : nullptr);
  cudaGetLastError();
  Allocator::instance().note_device_free(bytes);
}

void add_counter(const std::string& key, double v) { count(key, v); }

namespace {

void* device_alloc(size_t bytes, cudaStream_t st) {
  if (void* p = graph_alloc(bytes ? bytes : 1)) return p;  // a graph program's arena
  return pool_alloc(bytes, st);
}

void hook_free_device(Buffer& b) {
  if (!b.device_ptr) return;
  // Stream-ordered: the block returns to the pool after the last queued use. Errors are ignored
  // (this runs in destructors, possibly after the context is gone at exit).
  if (!graph_release(b.device_ptr, b.device_bytes, b.device_stream)) pool_free(b.device_ptr, b.device_bytes, b.device_stream);
  b.device_ptr = nullptr;
  b.device_bytes = 0;
  b.set_residency(b.residency() & ~kOnDevice);
}

void hook_to_host(Buffer& b) {
  graph_forbid("a device-to-host read");
  graph_wait_capture();
  std::lock_guard<std::mutex> lk(g_migrate_mu);
  if (b.residency() & kOnHost) return;
  check(b.device_ptr != nullptr, ErrorCode::internal, "[cuda] Buffer has neither a host nor a device copy.");
  size_t n = b.size();
  if (!b.host_ptr()) {
    size_t cap = 0;
    void* h = Allocator::instance().allocate_raw(n, cap);
    b.set_host(h, cap);
  }
  cudaStream_t st = stream_of(b.device_stream);
  char* dst = static_cast<char*>(b.host_ptr());
  const char* src = static_cast<const char*>(b.device_ptr);
  if (n > 4 * kStagingBytes) {
    // Large: the driver pipelines pageable copies well enough.
    MLX_CUDA_CHECK(cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToHost, st));
    MLX_CUDA_CHECK(cudaStreamSynchronize(st));
  } else {
    if (!g_staging) MLX_CUDA_CHECK(cudaMallocHost(&g_staging, kStagingBytes));
    for (size_t off = 0; off < n; off += kStagingBytes) {
      size_t c = std::min(kStagingBytes, n - off);
      MLX_CUDA_CHECK(cudaMemcpyAsync(g_staging, src + off, c, cudaMemcpyDeviceToHost, st));
      MLX_CUDA_CHECK(cudaStreamSynchronize(st));
      std::memcpy(dst + off, g_staging, c);
    }
  }
  count("download_bytes", (double)n);
  b.set_residency(b.residency() | kOnHost);
}

DeviceMemoryHooks g_hooks{hook_to_host, hook_free_device};

// The pool maps memory in chunks (32 MB) and keeps a chunk while any block in it is live, so part of
// its free space cannot be released. The cache statistic counts what the pool holds beyond that
// remainder, measured after the last trim (clearCache then reports 0, as on the CPU).
size_t g_pool_slack = 0;
size_t pool_free_bytes() {
  uint64_t reserved = 0, used = 0;
  cudaMemPoolGetAttribute(g_pool, cudaMemPoolAttrReservedMemCurrent, &reserved);
  cudaMemPoolGetAttribute(g_pool, cudaMemPoolAttrUsedMemCurrent, &used);
  return reserved > used ? (size_t)(reserved - used) : 0;
}
size_t pool_cached() {
  if (!g_pool || g_quick_stats) return 0;
  size_t f = pool_free_bytes();
  return f > g_pool_slack ? f - g_pool_slack : 0;
}
void pool_trim(size_t keep) {
  if (!g_pool) return;
  cudaDeviceSynchronize();
  cudaMemPoolTrimTo(g_pool, keep);
  size_t f = pool_free_bytes();
  g_pool_slack = f > keep ? f - keep : 0;
}

cudaEvent_t g_timer[2] = {nullptr, nullptr};
int g_timer_stream = 0;
int g_timer_state = 0;  // 0 off, 1 armed, 2 started
void timer_kernel_starts(int stream) {
  if (g_timer_state == 1 && stream == g_timer_stream) {
    MLX_CUDA_CHECK(cudaEventRecord(g_timer[0], stream_of(stream)));
    g_timer_state = 2;
  }
}

std::atomic<uint64_t> g_write_seq{0};
std::atomic<uint64_t> g_settled_seq[64];  // per stream: every kernel write up to this one is complete

void sync_stream(const Stream& s) {
  const uint64_t seq = g_write_seq.load();  // before the sync: writes issued so far complete with it
  bool timed = g_timer_state == 2 && s.index == g_timer_stream;
  if (timed) MLX_CUDA_CHECK(cudaEventRecord(g_timer[1], stream_of(s)));
  MLX_CUDA_CHECK(cudaStreamSynchronize(stream_of(s)));
  if (s.index >= 0 && s.index < 64) g_settled_seq[s.index].store(seq);
  if (timed) {
    g_timer_state = 0;
    float ms = 0.f;
    MLX_CUDA_CHECK(cudaEventElapsedTime(&ms, g_timer[0], g_timer[1]));
    count("timer_ms", 0);
    std::lock_guard<std::mutex> lk(g_mu);
    g_counters["timer_ms"] = ms;
  }
  check_device_errors();
}

std::vector<std::pair<std::string, double>> counters() {
  std::lock_guard<std::mutex> lk(g_mu);
  return {g_counters.begin(), g_counters.end()};
}
void set_option(const std::string& name, double v) {
  if (name == "tf32") g_tf32 = v != 0;
  else if (name == "timerStart") {
    // GPU-side timing of the next eval on one stream (benchmarks, like CUDA-event timing in
    // PyTorch): the start event is recorded when the first kernel allocates its output, the stop
    // event when eval synchronises the stream; the milliseconds land in the counter timer_ms.
    for (auto& ev : g_timer) if (!ev) MLX_CUDA_CHECK(cudaEventCreate(&ev));
    g_timer_stream = (int)v;
    g_timer_state = 1;
  }
  else if (name == "resetCounters") { std::lock_guard<std::mutex> lk(g_mu); g_counters.clear(); }
  else throw_error(ErrorCode::invalid_argument, "[cuda] Unknown option " + name + ".");
}

bool probe() {
  const char* off = std::getenv("MLX_DISABLE_CUDA");
  if (off && *off && std::strcmp(off, "0") != 0) return false;
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) { cudaGetLastError(); return false; }
  if (cudaSetDevice(0) != cudaSuccess) { cudaGetLastError(); return false; }
  cudaDeviceGetAttribute(&g_sms, cudaDevAttrMultiProcessorCount, 0);
  cudaMemPoolProps props{};
  props.allocType = cudaMemAllocationTypePinned;
  props.location.type = cudaMemLocationTypeDevice;
  props.location.id = 0;
  if (cudaMemPoolCreate(&g_pool, &props) != cudaSuccess) { cudaGetLastError(); return false; }
  uint64_t keep = ~0ull;  // cache freed blocks; clearCache/setCacheLimit trim
  cudaMemPoolSetAttribute(g_pool, cudaMemPoolAttrReleaseThreshold, &keep);
  const char* tf = std::getenv("MLX_CUDA_TF32");
  g_tf32 = tf && std::strcmp(tf, "1") == 0;
  g_device_memory = &g_hooks;
  Allocator::instance().set_device_cache_probe(pool_cached, pool_trim);
  return true;
}

// Layout primitives whose CPU kernels only rewrite metadata: valid on device buffers as they are.
void metadata_view(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  Kernel k = find_kernel(Device::Type::cpu, std::type_index(typeid(p)));
  k(p, in, out);
}

const bool g_registered = [] {
  register_backend_probe(Device::Type::gpu, probe);
  register_synchronize(Device::Type::gpu, sync_stream);
  register_fallback_kernel(Device::Type::gpu, cpu_fallback);
  register_backend_hooks(Device::Type::gpu, counters, set_option);
  return true;
}();

}  // namespace

MLX_REGISTER_KERNEL(gpu, Broadcast, metadata_view);
MLX_REGISTER_KERNEL(gpu, Transpose, metadata_view);
MLX_REGISTER_KERNEL(gpu, Slice, metadata_view);

int num_sms() { return g_sms; }
void count_event(const std::string& key, double v) { count(key, v); }
bool tf32_enabled() { return g_tf32; }

cudaStream_t stream_of(int index) {
  std::lock_guard<std::mutex> lk(g_mu);
  if ((int)g_streams.size() <= index) g_streams.resize(index + 1, nullptr);
  if (!g_streams[index]) MLX_CUDA_CHECK(cudaStreamCreateWithFlags(&g_streams[index], cudaStreamNonBlocking));
  return g_streams[index];
}
cudaStream_t stream_of(const Stream& s) { return stream_of(s.index); }

const void* in_ptr(const Array& a, const Stream& s) {
  Buffer& b = *a.buffer();
  cudaStream_t st = stream_of(s);
  if (!(b.residency() & kOnDevice)) {
    graph_forbid("an upload of host data");
    size_t n = b.size();
    b.device_ptr = device_alloc(n, st);
    b.device_bytes = n ? n : 1;
    b.device_stream = s.index;
    b.device_write_seq = 0;  // a copy, not a kernel: fully ordered before later kernels
    if (n) MLX_CUDA_CHECK(cudaMemcpyAsync(b.device_ptr, b.host_ptr(), n, cudaMemcpyHostToDevice, st));
    count("upload_bytes", (double)n);
    b.set_residency(b.residency() | kOnDevice);
  } else if (b.device_stream != s.index) {
    // Order this use after the last one on the other stream (uses form one chain, so the
    // stream-ordered free on the latest stream comes after all of them).
    graph_forbid("a use of a buffer from another stream");
    cudaEvent_t ev;
    MLX_CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
    MLX_CUDA_CHECK(cudaEventRecord(ev, stream_of(b.device_stream)));
    MLX_CUDA_CHECK(cudaStreamWaitEvent(st, ev, 0));
    cudaEventDestroy(ev);
    b.device_stream = s.index;
  }
  return static_cast<const char*>(b.device_ptr) + a.offset() * a.itemsize();
}

void mark_device_written(Buffer& b, int stream) {
  b.device_write_seq = ++g_write_seq;
  b.device_write_stream = stream;
}

bool write_settled(const Array& a, const Stream& s) {
  const Buffer& b = *a.buffer();
  if (b.device_write_seq == 0 || b.device_write_stream != s.index) return true;
  return s.index >= 0 && s.index < 64 && b.device_write_seq <= g_settled_seq[s.index].load();
}

void* alloc_out(Array& o, const Stream& s) {
  if (g_timer_state == 1 && !graph_recording()) timer_kernel_starts(s.index);
  size_t n = o.nbytes();
  auto buf = std::make_shared<Buffer>(nullptr, n, 0);
  buf->device_ptr = device_alloc(n, stream_of(s));
  buf->device_bytes = n ? n : 1;
  buf->device_stream = s.index;
  buf->set_residency(kOnDevice);
  mark_device_written(*buf, s.index);
  void* p = buf->device_ptr;
  o.set_data(std::move(buf));
  return p;
}

Array device_empty(const Shape& shape, Dtype dt, const Stream& s) {
  Array a(std::make_shared<ArrayDesc>(shape, dt));
  alloc_out(a, s);
  return a;
}

bool donate(const Array& in, Array& out, const Stream& s) {
  if (!in.valid() || !in.buffer() || in.itemsize() != out.itemsize() || !in.flags().row_contiguous ||
      in.data_size() != in.size() || in.size() != out.size() || in.is_tracer())
    return false;
  const BufferPtr& b = in.buffer();
  if (in.use_count() != 1 || b.use_count() != 1 || !(b->residency() & kOnDevice) ||
      b->device_bytes < (size_t)(in.offset() * in.itemsize()) + out.nbytes())
    return false;
  in_ptr(in, s);  // orders this use after the buffer's last stream
  out.move_shared_buffer(in);
  out.buffer()->set_residency(kOnDevice);  // the host copy (if any) goes stale
  mark_device_written(*out.buffer(), s.index);
  return true;
}

bool host_scalar(const Array& a) {
  return a.data_size() == 1 && (a.buffer()->residency() & kOnHost) && !(a.buffer()->residency() & kOnDevice);
}

void cpu_fallback(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  graph_forbid("a CPU fallback");
  Kernel k = find_kernel(Device::Type::cpu, std::type_index(typeid(p)));
  if (!k) throw_error(ErrorCode::not_implemented, std::string("[eval] ") + p.name() + " has no kernel on this device.");
  count(std::string("fallback:") + p.name());
  run_host_kernel(k, p, in, out);
}

}  // namespace mlx::cu
