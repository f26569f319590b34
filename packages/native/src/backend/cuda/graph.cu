// CUDA graphs for compiled programs (compile option cudaGraph, issue #6 item 5). A decode step of a
// small model is ~600 kernels whose host cost (graph rebuild, dispatch, launch: ~8 µs each) dwarfs
// the GPU time; replaying them as one captured graph leaves one launch per call.
//
// A GraphProgram owns one device buffer per input, the arena holding every intermediate and output,
// and the instantiated graph. Its first run (the second call of the compiled function; the first is a
// normal replay that uploads constants and warms caches) copies the inputs in, runs the program's
// kernels once uncaptured to size the arena (the sizing pass), then runs them again under stream
// capture, where every allocation is served from the arena in the sizing pass's order. Each call
// after that: copy the inputs into the owned buffers (skipped for state fed back as returned),
// cudaGraphLaunch, copy the outputs into fresh buffers. A state output (compile option `state`) is
// copied inside the graph into its input's owned buffer, and that buffer is what the call returns.
//
// Safety: while a thread runs a program's kernels (both passes) the runtime refuses anything that
// would leave the stream (uploads, host reads, CPU fallbacks, cross-stream waits) by throwing; any
// throw or CUDA capture error marks the program failed and that call (and later ones) runs the plain
// replay. Pool frees from other threads during a capture are deferred until it ends.
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <typeindex>
#include <unordered_map>
#include <unordered_set>

#include "../../transforms/compile.h"
#include "index_common.cuh"

namespace mlx::cu {

namespace {

class Arena;
thread_local Arena* t_arena = nullptr;  // the arena of the program this thread is running

// Registry of arena blocks: their frees are the arena's business, not the pool's.
std::mutex g_reg_mu;
std::unordered_map<void*, Arena*> g_reg;
std::atomic<int> g_reg_size{0};

// One capture at a time; while it runs, pool frees are deferred and other threads' host reads wait.
std::mutex g_capture_mu;
std::atomic<bool> g_capturing{false};
std::atomic<std::thread::id> g_capture_thread{};
struct DeferredFree { void* p; size_t bytes; int stream; };
std::vector<DeferredFree> g_deferred;  // under g_reg_mu

// A program's device memory for intermediates and outputs: pool blocks reused as buffers die while
// its kernels run, all kept until the program dies. The capture pass takes the blocks in the order
// the sizing pass took them (checked free and large enough), so it allocates nothing.
class Arena {
 public:
  explicit Arena(const Stream& s) : stream_(s.index), st_(stream_of(s)) {}
  ~Arena() {
    std::lock_guard<std::mutex> lk(g_reg_mu);
    for (auto& [p, b] : blocks_) {
      g_reg.erase(p);
      pool_free(p, b.bytes, stream_);  // stream-ordered: after the program's last launch
    }
    g_reg_size.store((int)g_reg.size());
  }
  void begin_pass(bool capture) { next_ = 0; capture_ = capture; }
  size_t bytes() const { return total_; }

  void* alloc(size_t n) {
    std::lock_guard<std::mutex> lk(g_reg_mu);
    if (capture_ && next_ < plan_.size()) {
      void* p = plan_[next_];
      Block& b = blocks_.at(p);
      if (!b.live && b.bytes >= n) {
        next_++;
        take(p, b);
        return p;
      }
    }
    next_++;
    // Best fit among free blocks, wasting at most about half of one.
    auto it = free_.lower_bound(n);
    if (it != free_.end() && it->first <= 2 * n + 4096) {
      void* p = it->second;
      take(p, blocks_.at(p));
      if (!capture_) plan_.push_back(p);
      return p;
    }
    check(!capture_, ErrorCode::not_implemented, "[cuda graph] The capture needed memory the sizing pass did not.");
    void* p = pool_alloc(n, st_);
    blocks_[p] = Block{n, true};
    total_ += n;
    g_reg[p] = this;
    g_reg_size.store((int)g_reg.size());
    plan_.push_back(p);
    return p;
  }
  // Under g_reg_mu. A block freed while the program's kernels run can serve a later allocation.
  void release_locked(void* p) {
    Block& b = blocks_.at(p);
    if (!b.live) return;
    b.live = false;
    free_.emplace(b.bytes, p);
  }

 private:
  struct Block {
    size_t bytes;
    bool live;
  };
  void take(void* p, Block& b) {
    b.live = true;
    auto range = free_.equal_range(b.bytes);
    for (auto it = range.first; it != range.second; ++it)
      if (it->second == p) {
        free_.erase(it);
        break;
      }
  }
  int stream_;
  cudaStream_t st_;
  std::unordered_map<void*, Block> blocks_;
  std::multimap<size_t, void*> free_;
  std::vector<void*> plan_;
  size_t next_ = 0, total_ = 0;
  bool capture_ = false;
};

// Runs this thread's kernels against an arena for the scope's lifetime.
struct ArenaScope {
  ArenaScope(Arena* a, bool capture) {
    a->begin_pass(capture);
    t_arena = a;
  }
  ~ArenaScope() { t_arena = nullptr; }
};

bool row_dense(const Array& a) { return a.flags().row_contiguous && a.data_size() == a.size(); }

class GraphProgram;

// The node of one call: inputs are the call's inputs, outputs the program's outputs.
class GraphCall : public Primitive {
 public:
  GraphCall(Stream s, std::shared_ptr<GraphProgram> p) : Primitive(s), program(std::move(p)) {}
  const char* name() const override { return "CudaGraph"; }
  std::shared_ptr<GraphProgram> program;
};

class GraphProgram : public StaticProgram, public std::enable_shared_from_this<GraphProgram> {
 public:
  GraphProgram(const CompiledGraph& g, const Stream& s) : s_(s) {
    g_.inputs = g.inputs;
    g_.outputs = g.outputs;
    g_.tape = g.tape;
    state_of_output_.assign(g.outputs.size(), -1);
    for (auto [o, i] : g.graph_state) state_of_output_[o] = i;
    std::unordered_set<const ArrayDesc*> inner;
    for (auto& p : g.inputs) inner.insert(p.id());
    for (auto& n : g.tape) for (auto& o : n.outputs()) inner.insert(o.id());
    for (auto& n : g.tape)
      for (auto& in : n.inputs())
        if (!inner.count(in.id())) constants_.push_back(in);
    for (auto& o : g.outputs) {
      shapes_.push_back(o.shape());
      dtypes_.push_back(o.dtype());
    }
  }

  ~GraphProgram() override {
    graph_wait_capture();
    if (exec_ || captured_out_.size()) cudaStreamSynchronize(stream_of(s_));  // launches still queued
    if (exec_) cudaGraphExecDestroy(exec_);
    if (graph_) cudaGraphDestroy(graph_);
    cudaGetLastError();
    captured_out_.clear();  // arena blocks: returned with the arena below
    arena_.reset();
  }

  std::vector<Array> call(const std::vector<Array>& inputs) override {
    return Array::make_siblings(shapes_, dtypes_, std::make_shared<GraphCall>(s_, shared_from_this()), inputs);
  }
  bool failed() const override { return failed_.load(); }

  // The GraphCall kernel.
  void run(const std::vector<Array>& in, std::vector<Array>& out) {
    if (!captured_ && !failed_) {
      try {
        capture(in);
        add_counter("graph_captures");
        add_counter("graph_arena_bytes", (double)arena_->bytes());
      } catch (const std::exception& e) {
        failed_ = true;
        add_counter(std::string("graph_capture_failed: ") + e.what());
        captured_out_.clear();
        arena_.reset();
        owned_in_.clear();
      }
    }
    if (failed_) return run_plain(in, out);
    cudaStream_t st = stream_of(s_);
    copy_inputs(in);
    MLX_CUDA_CHECK(cudaGraphLaunch(exec_, st));
    add_counter("graph_launches");
    for (auto [o, i] : state_pairs_) {
      owned_in_[i].buffer()->set_residency(kOnDevice);  // host copies went stale
      mark_device_written(*owned_in_[i].buffer(), s_.index);
    }
    for (size_t o = 0; o < out.size(); o++) {
      Array& dst = out[o];
      if (dst.shape() != shapes_[o]) continue;  // an output nobody holds
      int i = state_of_output_[o];
      if (i >= 0) {
        dst.set_data(owned_in_[i].buffer());
        continue;
      }
      const Array& src = captured_out_[o];
      void* d = alloc_out(dst, s_);
      if (row_dense(src)) MLX_CUDA_CHECK(cudaMemcpyAsync(d, in_ptr(src, s_), dst.nbytes(), cudaMemcpyDeviceToDevice, st));
      else copy_gpu(src, d, dst.dtype(), dst.strides(), s_);
    }
  }

 private:
  // The program's kernels in tape order, on a replay over `inputs` (what eval does, without syncs).
  std::vector<Array> run_nodes(const std::vector<Array>& inputs) {
    std::vector<Array> nodes;
    std::vector<Array> results = compile_replay_nodes(g_, inputs, &nodes);
    for (auto& slot : nodes) {
      Array arr = std::move(slot);  // consumed inputs then die (donation, arena reuse)
      if (arr.evaluated()) continue;
      Primitive& prim = arr.primitive();
      Kernel k = find_kernel(Device::Type::gpu, std::type_index(typeid(prim)));
      check(k != nullptr, ErrorCode::not_implemented, std::string("[cuda graph] No kernel for ") + prim.name() + ".");
      std::vector<Array> outs = arr.outputs();
      auto keep = arr.primitive_ptr();
      k(prim, arr.inputs(), outs);
      for (auto& o : outs) o.detach();
    }
    return results;
  }

  // After a failed capture: the plain replay's kernels, results handed over as they are.
  void run_plain(const std::vector<Array>& in, std::vector<Array>& out) {
    add_counter("graph_plain_runs");
    std::vector<Array> results = run_nodes(in);
    for (size_t o = 0; o < out.size(); o++)
      if (out[o].shape() == shapes_[o]) out[o].copy_shared_buffer(results[o]);
  }

  void copy_inputs(const std::vector<Array>& in) {
    cudaStream_t st = stream_of(s_);
    std::vector<Array> src(in.begin(), in.end());
    // An input that views an owned buffer other than as its own state fed back (state passed to
    // another slot, or a view of it) is copied aside first, so no copy below reads a buffer that an
    // earlier one wrote, or overlaps itself.
    std::vector<bool> fed_back(src.size());
    for (size_t i = 0; i < src.size(); i++) {
      fed_back[i] = src[i].buffer() == owned_in_[i].buffer() && src[i].offset() == 0 && row_dense(src[i]);
      if (fed_back[i]) continue;
      for (auto& own : owned_in_)
        if (src[i].buffer() == own.buffer()) {
          src[i] = astype_gpu(src[i], src[i].dtype(), s_);
          break;
        }
    }
    for (size_t i = 0; i < src.size(); i++) {
      const Array& a = src[i];
      Array& dst = owned_in_[i];
      if (fed_back[i]) continue;
      void* d = dst.buffer()->device_ptr;
      size_t n = dst.nbytes();
      if (n == 0) continue;
      if (row_dense(a) && (a.buffer()->residency() & kOnDevice)) {
        MLX_CUDA_CHECK(cudaMemcpyAsync(d, in_ptr(a, s_), n, cudaMemcpyDeviceToDevice, st));
      } else if (row_dense(a)) {
        // Host data (token ids, positions, masks made from JS): one staged copy, the caller's
        // buffer stays host-only.
        const char* h = static_cast<const char*>(a.buffer()->host_ptr()) + a.offset() * a.itemsize();
        MLX_CUDA_CHECK(cudaMemcpyAsync(d, h, n, cudaMemcpyHostToDevice, st));
      } else {
        copy_gpu(a, d, dst.dtype(), dst.strides(), s_);
      }
    }
  }

  void capture(const std::vector<Array>& in) {
    cudaStream_t st = stream_of(s_);
    for (auto& p : g_.inputs) owned_in_.push_back(device_empty(p.shape(), p.dtype(), s_));
    for (auto [o, i] : g_state_pairs()) state_pairs_.emplace_back(o, i);
    copy_inputs(in);
    // Constants on this stream's device copy, so neither pass uploads or waits on another stream.
    for (auto& c : constants_)
      if (c.evaluated() && c.buffer()) in_ptr(c, s_);
    index_error_record();
    arena_ = std::make_unique<Arena>(s_);
    {
      ArenaScope scope(arena_.get(), false);
      run_nodes(owned_in_);  // sizing pass (its results die here, their blocks return to the arena)
    }
    std::vector<Array> results;
    {
      std::lock_guard<std::mutex> lk(g_capture_mu);
      g_capture_thread.store(std::this_thread::get_id());
      g_capturing = true;
      cudaError_t err = cudaStreamBeginCapture(st, cudaStreamCaptureModeRelaxed);
      if (err == cudaSuccess) {
        try {
          ArenaScope scope(arena_.get(), true);
          results = run_nodes(owned_in_);
          // An output that is a view of a state input's buffer would read the updated state.
          for (size_t o = 0; o < results.size(); o++)
            for (auto [so, si] : state_pairs_)
              if (results[o].buffer() == owned_in_[si].buffer() &&
                  !(so == (int)o && row_dense(results[o]) && results[o].offset() == 0))
                throw_error(ErrorCode::not_implemented, "[cuda graph] An output is a view of a state input.");
          for (auto [o, i] : state_pairs_) {
            const Array& r = results[o];
            void* d = owned_in_[i].buffer()->device_ptr;
            if (row_dense(r)) {
              const void* sp = in_ptr(r, s_);
              if (sp != d) MLX_CUDA_CHECK(cudaMemcpyAsync(d, sp, owned_in_[i].nbytes(), cudaMemcpyDeviceToDevice, st));
            } else {
              copy_gpu(r, d, r.dtype(), owned_in_[i].strides(), s_);
            }
          }
        } catch (...) {
          cudaGraph_t partial = nullptr;
          cudaStreamEndCapture(st, &partial);
          if (partial) cudaGraphDestroy(partial);
          cudaGetLastError();
          end_capture();
          throw;
        }
        err = cudaStreamEndCapture(st, &graph_);
      }
      end_capture();
      check_cuda(err, "stream capture");
    }
    check_cuda(cudaGraphInstantiate(&exec_, graph_, 0), "cudaGraphInstantiate");
    captured_out_ = std::move(results);
    captured_ = true;
  }

  std::vector<std::pair<int, int>> g_state_pairs() const {
    std::vector<std::pair<int, int>> v;
    for (size_t o = 0; o < state_of_output_.size(); o++)
      if (state_of_output_[o] >= 0) v.emplace_back((int)o, state_of_output_[o]);
    return v;
  }

  // Under g_capture_mu: capture over; frees deferred meanwhile go to the pool now.
  static void end_capture() {
    std::vector<DeferredFree> todo;
    {
      std::lock_guard<std::mutex> lk(g_reg_mu);
      g_capturing = false;
      todo.swap(g_deferred);
    }
    for (auto& f : todo) pool_free(f.p, f.bytes, f.stream);
  }

  CompiledGraph g_;  // the program's placeholders, outputs and tape (no graph fields)
  Stream s_;
  std::vector<int> state_of_output_;
  std::vector<std::pair<int, int>> state_pairs_;
  std::vector<Array> constants_;
  std::vector<Shape> shapes_;
  std::vector<Dtype> dtypes_;
  std::vector<Array> owned_in_;      // one row-contiguous device buffer per input
  std::vector<Array> captured_out_;  // the outputs where the graph leaves them (arena blocks)
  std::unique_ptr<Arena> arena_;
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
  std::atomic<bool> failed_{false};
  bool captured_ = false;
};

void graph_call_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  static_cast<const GraphCall&>(p).program->run(in, out);
}

// Whether the program qualifies: every node on one GPU stream with a GPU kernel, every output
// computed by the program (not an input or a constant).
std::shared_ptr<StaticProgram> make_program(const CompiledGraph& g, std::string* why) {
  auto refuse = [&](const std::string& reason) -> std::shared_ptr<StaticProgram> {
    *why = reason;
    add_counter("graph_unsupported: " + reason);
    return nullptr;
  };
  if (!has_backend(Device::Type::gpu)) return nullptr;
  if (g.tape.empty()) return refuse("empty program");
  Stream s = g.tape[0].primitive().stream();
  std::unordered_set<const ArrayDesc*> produced;
  for (auto& n : g.tape) {
    const Primitive& p = n.primitive();
    if (p.device().type != Device::Type::gpu) return refuse(std::string(p.name()) + " runs on the CPU");
    if (!(p.stream() == s)) return refuse("nodes on several streams");
    Kernel k = find_kernel(Device::Type::gpu, std::type_index(typeid(p)));
    if (!k || k == cpu_fallback) return refuse(std::string(p.name()) + " has no GPU kernel");
    for (auto& o : n.outputs()) produced.insert(o.id());
  }
  for (auto& o : g.outputs)
    if (!produced.count(o.id())) return refuse("an output is an input or a constant");
  return std::make_shared<GraphProgram>(g, s);
}

const bool g_registered = [] {
  register_static_program_factory(make_program);
  return true;
}();

}  // namespace

MLX_REGISTER_KERNEL(gpu, GraphCall, graph_call_kernel);

bool graph_recording() { return t_arena != nullptr; }

void* graph_alloc(size_t bytes) { return t_arena ? t_arena->alloc(bytes) : nullptr; }

bool graph_release(void* p, size_t bytes, int stream) {
  if (g_reg_size.load(std::memory_order_relaxed) == 0 && !g_capturing.load(std::memory_order_relaxed)) return false;
  std::lock_guard<std::mutex> lk(g_reg_mu);
  auto it = g_reg.find(p);
  if (it != g_reg.end()) {
    if (it->second == t_arena) it->second->release_locked(p);
    return true;  // otherwise kept by its arena until the program dies
  }
  if (g_capturing) {
    g_deferred.push_back({p, bytes, stream});  // a free on the capturing stream would join the graph
    return true;
  }
  return false;
}

void graph_forbid(const char* what) {
  if (t_arena) throw_error(ErrorCode::not_implemented, std::string("[cuda graph] ") + what + " inside a graph program.");
}

void graph_wait_capture() {
  if (!g_capturing.load() || std::this_thread::get_id() == g_capture_thread.load()) return;
  std::lock_guard<std::mutex> lk(g_capture_mu);
}

}  // namespace mlx::cu
