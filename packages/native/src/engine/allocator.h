// Size-bucketed caching allocator for host buffers (DESIGN.md §2, Allocator).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace mlx {

class Buffer;
using BufferPtr = std::shared_ptr<Buffer>;

// Device residency (GPU backends). A buffer may hold a host copy, a device copy, or both; the
// bits say which copies are current. Without a GPU backend every buffer is kHost only and
// data() costs one predictable branch. A device backend installs DeviceMemoryHooks.
enum : uint8_t { kOnHost = 1, kOnDevice = 2 };
struct DeviceMemoryHooks {
  void (*to_host)(Buffer& b);      // make the host copy current (allocates it, waits for the device)
  void (*free_device)(Buffer& b);  // release the device copy (buffer death or host write)
};
extern DeviceMemoryHooks* g_device_memory;  // null unless a GPU backend is active

// A raw block owned by the allocator; returned to the cache when the Buffer dies.
class Buffer {
 public:
  Buffer(void* ptr, size_t size, size_t capacity) : ptr_(ptr), size_(size), capacity_(capacity) {}
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  // Host pointer; copies device-only data back first (lazy migration).
  void* data() const {
    if (__builtin_expect(!(valid_.load(std::memory_order_acquire) & kOnHost), 0)) migrate_to_host();
    return ptr_;
  }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  // Wrap foreign memory (e.g. an mmap'd file) with a custom release.
  static BufferPtr external(void* ptr, size_t size, std::function<void()> release);

  // Residency, used by device backends and eval.
  uint8_t residency() const { return valid_.load(std::memory_order_acquire); }
  void set_residency(uint8_t v) { valid_.store(v, std::memory_order_release); }
  void* host_ptr() const { return ptr_; }  // no migration; may be null for device-only buffers
  void set_host(void* p, size_t capacity) { ptr_ = p; capacity_ = capacity; }
  void* device_ptr = nullptr;  // device copy (backend-owned)
  size_t device_bytes = 0;
  int device_stream = -1;      // stream index of the last device use (orders frees and reuse)
  // The last kernel write of the device copy: the backend's write sequence number (0: none, an upload
  // or a host write) and its stream. Tells whether that write is known complete (cuda::write_settled).
  uint64_t device_write_seq = 0;
  int device_write_stream = -1;
  // The host kernel wrote this buffer: drop a stale device copy.
  void host_written() { if (device_ptr && g_device_memory) g_device_memory->free_device(*this); set_residency(kOnHost); }

 private:
  void migrate_to_host() const;
  void* ptr_;
  size_t size_, capacity_;
  std::function<void()> release_;
  bool external_ = false;
  std::atomic<uint8_t> valid_{kOnHost};
};

struct MemoryStats {
  size_t active, peak, cache, limit, cache_limit;
};

class Allocator {
 public:
  static Allocator& instance();
  BufferPtr allocate(size_t bytes);
  void* allocate_raw(size_t bytes, size_t& capacity);  // a host block without a Buffer (device backends)
  // Device backends report their allocations so active/peak/limit cover host and device.
  void note_device_alloc(size_t bytes);
  void note_device_free(size_t bytes) { active_ -= bytes; }
  void set_device_cache_probe(size_t (*probe)(), void (*trim)(size_t)) { device_cache_ = probe; device_trim_ = trim; }
  void release(void* ptr, size_t capacity);  // called by ~Buffer
  MemoryStats stats();
  void reset_peak();
  size_t set_memory_limit(size_t bytes);  // returns previous
  size_t set_cache_limit(size_t bytes);   // returns previous
  void clear_cache();
  // Called by the binding to report native growth to V8.
  size_t total_reserved() const { return active_.load() + cache_bytes_.load(); }
 private:
  Allocator();
  size_t bucket(size_t bytes) const;
  void trim_cache_locked(size_t target);
  std::mutex mu_;
  std::multimap<size_t, void*> free_;  // capacity -> block
  std::atomic<size_t> active_{0}, peak_{0}, cache_bytes_{0};
  size_t memory_limit_, cache_limit_;
  size_t (*device_cache_)() = nullptr;     // bytes cached by the device pool
  void (*device_trim_)(size_t) = nullptr;  // trim the device pool to at most n cached bytes
};

}  // namespace mlx
