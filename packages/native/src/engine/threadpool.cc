#include "threadpool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
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
      pending_ = nt - 1;
      generation_++;
    }
    cv_.notify_all();
    in_pool_task = true;
    fn(0, nt);
    in_pool_task = false;
    std::unique_lock<std::mutex> lk(mu_);
    done_cv_.wait(lk, [this] { return pending_ == 0; });
    fn_ = nullptr;
  }

 private:
  void loop(int id) {
    uint64_t seen = 0;
    in_pool_task = true;
    for (;;) {
      const std::function<void(int, int)>* fn;
      int nt;
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        fn = fn_;
        nt = nt_;
      }
      if (id < nt) {
        (*fn)(id, nt);
        std::lock_guard<std::mutex> lk(mu_);
        if (--pending_ == 0) done_cv_.notify_one();
      }
    }
  }
  int size_;
  std::vector<std::thread> workers_;
  std::mutex mu_, run_mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int, int)>* fn_ = nullptr;
  int nt_ = 0, pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
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
