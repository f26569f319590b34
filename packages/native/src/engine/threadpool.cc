#include "threadpool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <stdlib.h>  // getloadavg
#include <mutex>
#include <thread>
#include <vector>

namespace mlx {

namespace {

thread_local bool in_pool_task = false;

class Pool {
 public:
  explicit Pool(int n) : size_(n) {
    for (int i = 1; i < n; i++) workers_.emplace_back([this, i] { loop(i); });
  }
  ~Pool() {
    { std::lock_guard<std::mutex> lk(mu_); stop_ = true; }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  int size() const { return size_; }

  void run(int nt, const std::function<void(int, int)>& fn) {
    std::lock_guard<std::mutex> serial(run_mu_);  // one parallel region at a time
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = &fn;
      nt_ = nt;
      pending_.store(nt - 1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    if (sleepers_.load(std::memory_order_acquire) > 0) cv_.notify_all();
    in_pool_task = true;
    fn(0, nt);
    in_pool_task = false;
    // Workers usually finish within microseconds of the caller: spin before sleeping.
    if (!spin_until([this] { return pending_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lk(mu_);
      done_cv_.wait(lk, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
  }

 private:
  void loop(int id) {
    uint64_t seen = 0;
    in_pool_task = true;
    for (;;) {
      const std::function<void(int, int)>* fn;
      int nt;
      // A decode step runs ~100 small parallel kernels microseconds apart: a worker that spins briefly
      // takes the next one without a futex wake (see spin_allowed).
      spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; });
      {
        std::unique_lock<std::mutex> lk(mu_);
        sleepers_.fetch_add(1, std::memory_order_acq_rel);
        cv_.wait(lk, [&] { return stop_ || generation_.load(std::memory_order_acquire) != seen; });
        sleepers_.fetch_sub(1, std::memory_order_acq_rel);
        if (stop_) return;
        seen = generation_.load(std::memory_order_acquire);
        fn = fn_;
        nt = nt_;
      }
      if (id < nt) {
        (*fn)(id, nt);
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          std::lock_guard<std::mutex> lk(mu_);  // a caller past its spin may be about to wait
          done_cv_.notify_one();
        }
      }
    }
  }
  // Spinning pays only when the cores are ours: on an oversubscribed machine a spinning (yielding) thread
  // loses the scheduler's wake-up preference and results wait longer than with a futex wake. So spin only
  // while the 1-minute load average is below cores + 1.5 (this process's own busy threads count), checked
  // every 250 ms; MLX_POOL_SPIN_US sets the spin (0: never, default 50).
  bool spin_allowed() {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch()).count();
    if (now - load_checked_ms_.load(std::memory_order_relaxed) > 250) {
      load_checked_ms_.store(now, std::memory_order_relaxed);
      double l = 0;
      const double cores = std::max(1u, std::thread::hardware_concurrency());
      spin_ok_.store(getloadavg(&l, 1) == 1 && l < cores + 1.5, std::memory_order_relaxed);
    }
    return spin_ok_.load(std::memory_order_relaxed);
  }
  template <typename Pred>
  bool spin_until(Pred done) {
    if (spin_us_ <= 0 || !spin_allowed()) return done();
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(spin_us_);
    // Pause-spin for a few hundred iterations, then yield between checks: on an idle machine the yield
    // returns at once, on a loaded one it hands the core to whoever is runnable.
    for (int i = 0;; i++) {
      if (done()) return true;
      if (i < 256) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        continue;
      }
      if (std::chrono::steady_clock::now() > until) return done();
      std::this_thread::yield();
    }
  }
  int size_;
  std::vector<std::thread> workers_;
  std::mutex mu_, run_mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int, int)>* fn_ = nullptr;
  int nt_ = 0;
  std::atomic<int> pending_{0}, sleepers_{0};
  std::atomic<uint64_t> generation_{0};
  bool stop_ = false;
  std::atomic<int64_t> load_checked_ms_{-1000000};
  std::atomic<bool> spin_ok_{false};
  const int spin_us_ = [] {
    const char* e = std::getenv("MLX_POOL_SPIN_US");
    return e ? std::atoi(e) : 50;
  }();
};

int default_threads() {
  if (const char* e = std::getenv("MLX_NUM_THREADS")) {
    int n = std::atoi(e);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

std::atomic<int> g_threads{default_threads()};
Pool& pool() {
  static Pool* p = new Pool(default_threads());  // leaked: worker threads must outlive static dtors
  return *p;
}

}  // namespace

int num_threads() { return std::min(g_threads.load(), pool().size()); }
void set_num_threads(int n) { g_threads = std::max(1, n); }

void parallel_run(int nt, const std::function<void(int, int)>& fn) {
  nt = std::min(nt, num_threads());
  if (nt <= 1 || in_pool_task) {
    for (int t = 0; t < std::max(nt, 1); t++) fn(t, std::max(nt, 1));
    return;
  }
  pool().run(nt, fn);
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  int nt = num_threads();
  grain = std::max<int64_t>(grain, 1);
  if (nt <= 1 || in_pool_task || n < 2 * grain) { fn(0, n); return; }
  nt = (int)std::min<int64_t>(nt, n / grain);
  pool().run(nt, [&](int t, int T) {
    int64_t b = n * t / T, e = n * (t + 1) / T;
    if (b < e) fn(b, e);
  });
}

}  // namespace mlx
