// The CUDA backend's host-side runtime: streams, device buffers and residency, the CPU fallback.
// Included by every .cu file of the backend (never by the CPU engine).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../../engine/array.h"
#include "../../engine/backend.h"
#include "../../engine/primitive.h"

namespace mlx::cu {

void check_cuda(cudaError_t e, const char* what);
#define MLX_CUDA_CHECK(call) ::mlx::cu::check_cuda((call), #call)
// After every launch: catches bad configurations at once (asynchronous faults surface at the next sync).
#define MLX_CUDA_LAUNCHED() ::mlx::cu::check_cuda(cudaGetLastError(), "kernel launch")

// The CUDA stream of an mx GPU stream (created on first use, non-blocking).
cudaStream_t stream_of(const Stream& s);
cudaStream_t stream_of(int index);

// Device pointer of an input at its offset, uploading a host-only buffer and ordering it after
// its last use on another stream. Valid until the end of the calling kernel.
const void* in_ptr(const Array& a, const Stream& s);
template <typename T> const T* in(const Array& a, const Stream& s) { return static_cast<const T*>(in_ptr(a, s)); }

// Gives `out` a fresh row-contiguous device buffer on stream s; returns its pointer.
void* alloc_out(Array& out, const Stream& s);
template <typename T> T* out_ptr(Array& o, const Stream& s) { return static_cast<T*>(alloc_out(o, s)); }
// A kernel launched on stream s writes b's device copy (alloc_out and donate do this).
void mark_device_written(Buffer& b, int stream);
// True when no kernel that may still run on stream s wrote a's buffer: its last kernel write was on
// another stream (ordered by an event, a full dependency), or on s before s was last synchronised.
// A PDL kernel may then read a before griddepcontrol.wait.
bool write_settled(const Array& a, const Stream& s);
// A scratch device array (row-contiguous) for intermediate results.
Array device_empty(const Shape& shape, Dtype dt, const Stream& s);

// Donation: when `in` is dense, device-resident and referenced only by this use, `out` takes its
// buffer (the kernel then runs in place). Returns true when it did.
bool donate(const Array& in, Array& out, const Stream& s);

// True when `a` is a host-resident single value: kernels take such scalars as arguments.
bool host_scalar(const Array& a);

// Runs the CPU kernel of p with migration (and counts it): for primitives or dtypes without a GPU kernel.
void cpu_fallback(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out);

// A row-contiguous device copy of a (or a itself when it already is one); `dt` converts.
Array contiguous_gpu(const Array& a, const Stream& s);
Array astype_gpu(const Array& a, Dtype dt, const Stream& s);
// Strided copy with conversion into raw device memory laid out by dst_strides (elements).
void copy_gpu(const Array& src, void* dst, Dtype dst_dt, const Strides& dst_strides, const Stream& s);

// Raises the IndexError a kernel recorded for a device-resident index (indexing.cu); called after
// a stream synchronisation, when the record is current.
void check_device_errors();

int num_sms();
bool tf32_enabled();
// Adds v to the backend debug counter `key` (mx.cuda.counters()).
void count_event(const std::string& key, double v = 1);

// The stream-ordered device pool itself (device_alloc without a graph arena), and its free.
void* pool_alloc(size_t bytes, cudaStream_t st);
void pool_free(void* p, size_t bytes, int stream);
// Adds to a counter of mx.cuda.counters().
void add_counter(const std::string& key, double v = 1);

// CUDA graph programs (graph.cu). While a thread runs a program's kernels to size or capture it,
// its device allocations come from the program's arena, and whatever would leave the stream
// (uploads, host reads, CPU fallbacks, host-side index offsets) throws instead (graph_forbid).
bool graph_recording();                                // this thread runs a program's kernels
void* graph_alloc(size_t bytes);                       // an arena block; null when not recording
bool graph_release(void* p, size_t bytes, int stream);  // true: this free is handled by graph.cu
void graph_forbid(const char* what);                   // throws while this thread is recording
void graph_wait_capture();                             // waits for another thread's capture to end

}  // namespace mlx::cu
