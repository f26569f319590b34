// cuDNN fused attention (see attention_cudnn.h). The cuDNN frontend is compiled in with dynamic
// loading: its calls into libcudnn (and the few into the CUDA runtime) go through dlsym, so nothing
// here is linked against cuDNN. One execution plan per (shape, strides, dtype, mask, scale), built
// on first use (by default on a background thread) and cached; a case cuDNN rejects is cached as
// rejected, so it is tried once.
#include "attention_cudnn.h"

#include <dlfcn.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#define NV_CUDNN_FRONTEND_USE_DYNAMIC_LOADING 1
#include <cudnn_frontend.h>

namespace cudnn_frontend {
void* cudnn_dlhandle = nullptr;  // the frontend's dlsym handle (declared by its shim)
}

namespace mlx::cu::cudnn_attn {

namespace fe = cudnn_frontend;

namespace {

std::string g_status = "not loaded";

std::string dir_of(const std::string& path) {
  auto p = path.rfind('/');
  return p == std::string::npos ? std::string() : path.substr(0, p);
}

// Path of the library that defines `sym` in handle h (empty if unknown).
std::string path_of(void* h, const char* sym) {
  void* f = dlsym(h, sym);
  Dl_info info{};
  if (f && dladdr(f, &info) && info.dli_fname) return info.dli_fname;
  return {};
}

bool load() {
  const char* off = std::getenv("MLX_CUDA_CUDNN");
  if (off && (!std::strcmp(off, "0") || !std::strcmp(off, "off"))) {
    g_status = "disabled by MLX_CUDA_CUDNN=0";
    return false;
  }
  std::vector<std::string> cands;
  if (const char* p = std::getenv("MLX_CUDNN_LIBRARY")) cands.emplace_back(p);
#ifdef MLX_CUDNN_LIB_DIR
  cands.emplace_back(std::string(MLX_CUDNN_LIB_DIR) + "/libcudnn.so.9");
#endif
  cands.emplace_back("libcudnn.so.9");
  cands.emplace_back("libcudnn.so");
  void* h = nullptr;
  for (auto& c : cands) {
    h = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h) break;
  }
  if (!h) {
    g_status = "libcudnn.so.9 not found (set MLX_CUDNN_LIBRARY)";
    return false;
  }
  using VerFn = size_t (*)();
  auto ver = reinterpret_cast<VerFn>(dlsym(h, "cudnnGetVersion"));
  size_t v = ver ? ver() : 0;
  if (v < 90000) {  // the fused attention graphs used here need cuDNN 9
    g_status = "cudnn version " + std::to_string(v) + " < 9.0";
    dlclose(h);
    return false;
  }
  // The frontend resolves a few CUDA runtime calls (cudaGetDevice, device properties) in a shared
  // libcudart. Our own runtime is linked statically, so name a CUDA 13 one: the one beside cuDNN's
  // Python wheel (nvidia/cu13/lib), the toolkit's, or whatever the loader finds.
  if (!std::getenv("CUDNN_FRONTEND_CUDART_LIB_NAME")) {
    std::vector<std::string> rt;
    std::string dir = dir_of(path_of(h, "cudnnGetVersion"));
    if (!dir.empty()) rt.push_back(dir + "/../../cu13/lib/libcudart.so.13");
#ifdef MLX_CUDART_LIB_DIR
    rt.emplace_back(std::string(MLX_CUDART_LIB_DIR) + "/libcudart.so.13");
#endif
    rt.emplace_back("libcudart.so.13");
    for (auto& r : rt) {
      void* rh = dlopen(r.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (rh) {
        setenv("CUDNN_FRONTEND_CUDART_LIB_NAME", r.c_str(), 0);
        break;
      }
    }
  }
  fe::cudnn_dlhandle = h;
  g_status = "cudnn " + std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
  return true;
}

// A plan: pending while the builder works on it, then ready (graph set) or rejected (no graph).
struct Entry {
  std::shared_ptr<fe::graph::Graph> graph;
  int64_t workspace = -1;
  bool done = false;
};

// One cuDNN handle for builds and runs (a plan runs on the handle that built it, as PyTorch keeps
// its cuDNN plan caches per handle). A run that finds the handle busy with a background build returns
// kBusy (the caller runs its own kernel) instead of waiting for the build.
// Never destroyed: the detached builder thread may still use them while the process exits.
std::mutex& g_cache_mu = *new std::mutex;  // g_cache
auto& g_cache = *new std::unordered_map<std::string, std::shared_ptr<Entry>>;
std::mutex& g_handle_mu = *new std::mutex;  // g_handle, g_kernel_cache, every cuDNN call
cudnnHandle_t g_handle = nullptr;
auto& g_kernel_cache = *new std::shared_ptr<fe::KernelCache>;
std::mutex& g_queue_mu = *new std::mutex;  // g_queue, g_thread
std::condition_variable& g_queue_cv = *new std::condition_variable;
auto& g_queue = *new std::deque<std::pair<std::string, Desc>>;
bool g_thread = false;
void (*g_hook)(const char*, double) = nullptr;
constexpr size_t kMaxPlans = 1024, kMaxQueued = 8;

void event(const char* name, double v = 1) {
  if (g_hook) g_hook(name, v);
}

enum Uid : int64_t { kQ = 1, kK, kV, kO, kBias };

std::string key_of(const Desc& d) {
  int64_t f[] = {d.dtype, d.mask, d.B, d.Hq, d.Hkv, d.Lq, d.Lk, d.D, d.Dv, d.qs[0], d.qs[1], d.qs[2], d.qs[3],
                 d.ks[0], d.ks[1], d.ks[2], d.ks[3], d.vs[0], d.vs[1], d.vs[2], d.vs[3], d.bias_b, d.bias_h};
  std::string k(reinterpret_cast<const char*>(f), sizeof f);
  k.append(reinterpret_cast<const char*>(&d.scale), sizeof d.scale);
  return k;
}

bool ensure_handle(cudnnHandle_t& h) {
  if (h) return true;
  if (fe::detail::create_handle(&h) != CUDNN_STATUS_SUCCESS) {
    h = nullptr;
    return false;
  }
  return true;
}

// MLX_CUDA_CUDNN_DYNAMIC=1: graphs with cuDNN's dynamic shapes and one shared kernel cache, so a new
// sequence length can reuse kernels compiled for another (experimental; a rejected dynamic graph is
// retried static).
bool dynamic_shapes() {
  const char* e = std::getenv("MLX_CUDA_CUDNN_DYNAMIC");
  return e && *e == '1';
}

// Called with g_handle_mu held.
void build_graph(const Desc& d, bool dynamic, Entry& e) {
  auto g = std::make_shared<fe::graph::Graph>();
  g->set_io_data_type(d.dtype == 1 ? fe::DataType_t::BFLOAT16 : fe::DataType_t::HALF)
      .set_intermediate_data_type(fe::DataType_t::FLOAT)
      .set_compute_data_type(fe::DataType_t::FLOAT);
  if (dynamic) {
    if (!g_kernel_cache) g_kernel_cache = std::make_shared<fe::KernelCache>();
    g->set_dynamic_shape_enabled(true).set_kernel_cache(g_kernel_cache);
  }
  auto tensor = [&](const char* name, int64_t uid, std::vector<int64_t> dim, std::vector<int64_t> stride) {
    return g->tensor(fe::graph::Tensor_attributes().set_name(name).set_uid(uid).set_dim(dim).set_stride(stride));
  };
  auto Q = tensor("Q", kQ, {d.B, d.Hq, d.Lq, d.D}, {d.qs[0], d.qs[1], d.qs[2], d.qs[3]});
  auto K = tensor("K", kK, {d.B, d.Hkv, d.Lk, d.D}, {d.ks[0], d.ks[1], d.ks[2], d.ks[3]});
  auto V = tensor("V", kV, {d.B, d.Hkv, d.Lk, d.Dv}, {d.vs[0], d.vs[1], d.vs[2], d.vs[3]});
  auto opt = fe::graph::SDPA_attributes().set_name("sdpa").set_generate_stats(false).set_attn_scale(d.scale);
  if (d.mask == 1) {
    if (d.Lq == d.Lk) opt.set_causal_mask(true);
    else opt.set_causal_mask_bottom_right(true);
  } else if (d.mask == 3) {
    opt.set_bias(tensor("bias", kBias, {d.bias_b, d.bias_h, d.Lq, d.Lk}, {d.bias_h * d.Lq * d.Lk, d.Lq * d.Lk, d.Lk, 1}));
  }
  auto outs = g->sdpa(Q, K, V, opt);
  outs[0]->set_output(true).set_uid(kO).set_dim({d.B, d.Hq, d.Lq, d.Dv}).set_stride({d.Hq * d.Lq * d.Dv, d.Lq * d.Dv, d.Dv, 1});
  if (!g->validate().is_good()) return;
  if (!g->build_operation_graph(g_handle).is_good()) return;
  if (!g->create_execution_plans({fe::HeurMode_t::A}).is_good()) return;
  if (!g->check_support(g_handle).is_good()) return;
  if (!g->build_plans(g_handle, fe::BuildPlanPolicy_t::HEURISTICS_CHOICE).is_good()) return;
  int64_t ws = 0;
  if (!g->get_workspace_size(ws).is_good()) return;
  e.graph = std::move(g);
  e.workspace = ws;
}

// Builds the plan for d into e (any thread; serialised on g_handle_mu).
void build(const Desc& d, Entry& e) {
  auto t0 = std::chrono::steady_clock::now();
  Entry r;
  {
    std::lock_guard<std::mutex> lk(g_handle_mu);
    try {
      if (ensure_handle(g_handle)) {
        bool dyn = dynamic_shapes();
        build_graph(d, dyn, r);
        if (!r.graph && dyn) build_graph(d, false, r);
      }
    } catch (...) {  // the frontend throws on dynamic-loading failures
      r = Entry{};
    }
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  event("cudnn_sdpa_build");
  event("cudnn_sdpa_build_ms", ms);
  if (!r.graph) event("cudnn_sdpa_rejected");
  std::lock_guard<std::mutex> lk(g_cache_mu);
  e.graph = std::move(r.graph);
  e.workspace = e.graph ? r.workspace : -1;
  e.done = true;
}

void builder_loop(int device) {
  cudaSetDevice(device);
  for (;;) {
    std::pair<std::string, Desc> job;
    {
      std::unique_lock<std::mutex> lk(g_queue_mu);
      g_queue_cv.wait(lk, [] { return !g_queue.empty(); });
      job = std::move(g_queue.front());
      g_queue.pop_front();
    }
    std::shared_ptr<Entry> e;
    {
      std::lock_guard<std::mutex> lk(g_cache_mu);
      auto it = g_cache.find(job.first);
      if (it == g_cache.end()) continue;  // the cache was cleared meanwhile
      e = it->second;
    }
    build(job.second, *e);
  }
}

}  // namespace

bool available() {
  static bool ok = [] {
    try {
      return load();
    } catch (...) {
      g_status = "cudnn load failed";
      return false;
    }
  }();
  return ok;
}

const char* status() {
  available();
  return g_status.c_str();
}

void set_event_hook(void (*hook)(const char*, double)) { g_hook = hook; }

Prepared prepare(const Desc& d, Build mode) {
  Prepared r;
  if (!available()) return r;
  std::string key = key_of(d);
  std::shared_ptr<Entry> e;
  {
    std::lock_guard<std::mutex> lk(g_cache_mu);
    auto it = g_cache.find(key);
    if (it != g_cache.end()) {
      r.workspace = it->second->done ? it->second->workspace : -1;
      r.pending = !it->second->done;
      if (!r.pending || mode == Build::kAsync) return r;
      e = it->second;  // queued for the builder, but this caller wants it now
    } else {
      if (g_cache.size() >= kMaxPlans) g_cache.clear();
      e = std::make_shared<Entry>();
      if (mode == Build::kAsync) {
        std::lock_guard<std::mutex> qk(g_queue_mu);
        if (g_queue.size() >= kMaxQueued) {  // busy: ask again on a later call
          r.pending = true;
          return r;
        }
        g_cache.emplace(key, e);
        g_queue.emplace_back(key, d);
        if (!g_thread) {
          int dev = 0;
          cudaGetDevice(&dev);
          std::thread(builder_loop, dev).detach();
          // At exit, wait for a build in progress and block later ones, so the detached builder is
          // never inside cuDNN while the process tears down (this runs before libcudnn's destructors,
          // which were registered earlier). The handle stays locked: runs from then on return kBusy.
          std::atexit([] { g_handle_mu.lock(); });
          g_thread = true;
        }
        g_queue_cv.notify_one();
        r.pending = true;
        return r;
      }
      g_cache.emplace(key, e);
    }
  }
  build(d, *e);  // synchronous (a duplicate build of a queued plan is harmless: the last one wins)
  std::lock_guard<std::mutex> lk(g_cache_mu);
  r.workspace = e->workspace;
  return r;
}

Run execute(const Desc& d, const void* q, const void* k, const void* v, const void* bias, void* out,
            void* workspace, cudaStream_t st) {
  std::shared_ptr<fe::graph::Graph> g;
  {
    std::lock_guard<std::mutex> lk(g_cache_mu);
    auto it = g_cache.find(key_of(d));
    if (it == g_cache.end() || !it->second->done || !it->second->graph) return Run::kError;
    g = it->second->graph;
  }
  std::unique_lock<std::mutex> lk(g_handle_mu, std::try_to_lock);
  if (!lk.owns_lock()) return Run::kBusy;
  try {
    if (!ensure_handle(g_handle)) return Run::kError;
    if (fe::detail::set_stream(g_handle, st) != CUDNN_STATUS_SUCCESS) return Run::kError;
    std::unordered_map<int64_t, void*> pack = {
        {kQ, const_cast<void*>(q)}, {kK, const_cast<void*>(k)}, {kV, const_cast<void*>(v)}, {kO, out}};
    if (d.mask == 3) pack[kBias] = const_cast<void*>(bias);
    return g->execute(g_handle, pack, workspace).is_good() ? Run::kOk : Run::kError;
  } catch (...) {
    return Run::kError;
  }
}

}  // namespace mlx::cu::cudnn_attn
