#include "allocator.h"

#include <cstdlib>
#include <functional>
#include <new>
#include <unistd.h>

#include "errors.h"

namespace mlx {

namespace {
constexpr size_t kAlign = 64;
size_t physical_memory() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? (size_t)pages * (size_t)page : (size_t)8 << 30;
}
}  // namespace

DeviceMemoryHooks* g_device_memory = nullptr;

void Buffer::migrate_to_host() const {
  if (g_device_memory) g_device_memory->to_host(const_cast<Buffer&>(*this));
}

Buffer::~Buffer() {
  if (device_ptr && g_device_memory) g_device_memory->free_device(*this);
  if (external_) {
    if (release_) release_();
  } else if (ptr_) {
    Allocator::instance().release(ptr_, capacity_);
  }
}

BufferPtr Buffer::external(void* ptr, size_t size, std::function<void()> release) {
  auto b = std::make_shared<Buffer>(ptr, size, 0);  // capacity 0: never donated or cached
  b->external_ = true;
  b->release_ = std::move(release);
  return b;
}

Allocator& Allocator::instance() {
  static Allocator* a = new Allocator();  // leaked on purpose: buffers may die during static destruction
  return *a;
}

Allocator::Allocator() {
  size_t phys = physical_memory();
  memory_limit_ = phys / 10 * 9;
  cache_limit_ = memory_limit_;
}

// Small blocks round to powers of two; large ones to 16 KiB pages so reuse wastes little.
size_t Allocator::bucket(size_t bytes) const {
  if (bytes == 0) bytes = 1;
  if (bytes <= 4096) {
    size_t b = kAlign;
    while (b < bytes) b <<= 1;
    return b;
  }
  constexpr size_t page = 16384;
  return (bytes + page - 1) / page * page;
}

BufferPtr Allocator::allocate(size_t bytes) {
  size_t cap = 0;
  void* p = allocate_raw(bytes, cap);
  return std::make_shared<Buffer>(p, bytes, cap);
}

void Allocator::note_device_alloc(size_t bytes) {
  size_t now = active_ += bytes;
  size_t pk = peak_.load();
  while (now > pk && !peak_.compare_exchange_weak(pk, now)) {}
}

void* Allocator::allocate_raw(size_t bytes, size_t& cap_out) {
  size_t cap = bucket(bytes);
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lk(mu_);
    // Reuse a cached block of the same bucket, or one at most 2x larger for big requests.
    auto it = free_.lower_bound(cap);
    if (it != free_.end() && (it->first == cap || (cap > 4096 && it->first <= cap * 2))) {
      cap = it->first;
      p = it->second;
      free_.erase(it);
      cache_bytes_ -= cap;
    } else if (active_.load() + cache_bytes_.load() + cap > memory_limit_ && cache_bytes_.load() > 0) {
      trim_cache_locked(0);
    }
  }
  if (!p) {
    if (active_.load() + cap > memory_limit_ + memory_limit_ / 8 && bytes > 0)
      throw_error(ErrorCode::out_of_memory, "[allocate] Request of " + std::to_string(bytes) +
                                                " bytes exceeds the memory limit (" +
                                                std::to_string(memory_limit_) + " bytes).");
    p = std::aligned_alloc(kAlign, cap);
    if (!p) throw_error(ErrorCode::out_of_memory, "[allocate] Out of memory allocating " + std::to_string(bytes) + " bytes.");
  }
  size_t now = active_ += cap;
  size_t pk = peak_.load();
  while (now > pk && !peak_.compare_exchange_weak(pk, now)) {}
  cap_out = cap;
  return p;
}

void Allocator::release(void* ptr, size_t cap) {
  active_ -= cap;
  std::lock_guard<std::mutex> lk(mu_);
  if (cache_limit_ == 0) { std::free(ptr); return; }
  free_.emplace(cap, ptr);
  cache_bytes_ += cap;
  if (cache_bytes_.load() > cache_limit_) trim_cache_locked(cache_limit_);
}

void Allocator::trim_cache_locked(size_t target) {
  // Free largest blocks first: they return the most memory per call.
  while (cache_bytes_.load() > target && !free_.empty()) {
    auto it = std::prev(free_.end());
    cache_bytes_ -= it->first;
    std::free(it->second);
    free_.erase(it);
  }
}

MemoryStats Allocator::stats() {
  std::lock_guard<std::mutex> lk(mu_);
  size_t dev_cache = device_cache_ ? device_cache_() : 0;
  return {active_.load(), peak_.load(), cache_bytes_.load() + dev_cache, memory_limit_, cache_limit_};
}
void Allocator::reset_peak() { peak_ = active_.load(); }
size_t Allocator::set_memory_limit(size_t b) { std::lock_guard<std::mutex> lk(mu_); size_t o = memory_limit_; memory_limit_ = b; return o; }
size_t Allocator::set_cache_limit(size_t b) {
  std::lock_guard<std::mutex> lk(mu_);
  size_t o = cache_limit_;
  cache_limit_ = b;
  trim_cache_locked(b);
  if (device_trim_) device_trim_(b);
  return o;
}
void Allocator::clear_cache() {
  std::lock_guard<std::mutex> lk(mu_);
  trim_cache_locked(0);
  if (device_trim_) device_trim_(0);
}

}  // namespace mlx
