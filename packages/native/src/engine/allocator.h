// Size-bucketed caching allocator for host buffers (DESIGN.md §2, Allocator).
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace mlx {

class Buffer;
using BufferPtr = std::shared_ptr<Buffer>;

// A raw block owned by the allocator; returned to the cache when the Buffer dies.
class Buffer {
 public:
  Buffer(void* ptr, size_t size, size_t capacity) : ptr_(ptr), size_(size), capacity_(capacity) {}
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* data() const { return ptr_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  // Wrap foreign memory (e.g. an mmap'd file) with a custom release.
  static BufferPtr external(void* ptr, size_t size, std::function<void()> release);
 private:
  void* ptr_;
  size_t size_, capacity_;
  std::function<void()> release_;
  bool external_ = false;
};

struct MemoryStats {
  size_t active, peak, cache, limit, cache_limit;
};

class Allocator {
 public:
  static Allocator& instance();
  BufferPtr allocate(size_t bytes);
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
};

}  // namespace mlx
