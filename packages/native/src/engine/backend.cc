#include "backend.h"

#include <mutex>
#include <unordered_map>

#include "array.h"

namespace mlx {

namespace {
struct Table {
  bool present = false;
  std::unordered_map<std::type_index, Kernel> kernels;
  SyncFn sync = nullptr;
  bool (*probe)() = nullptr;
  Kernel fallback = nullptr;
  CountersFn counters = nullptr;
  OptionFn option = nullptr;
};
Table& table(Device::Type d) {
  static Table tables[2];
  return tables[(int)d];
}
}  // namespace

void register_kernel(Device::Type d, std::type_index p, Kernel k) {
  // The CPU is always there; other devices become present through register_backend or a probe.
  if (d == Device::Type::cpu) table(d).present = true;
  table(d).kernels[p] = k;
}
Kernel find_kernel(Device::Type d, std::type_index p) {
  auto& tb = table(d);
  auto it = tb.kernels.find(p);
  return it == tb.kernels.end() ? tb.fallback : it->second;
}
void register_backend(Device::Type d) { table(d).present = true; }
void register_backend_probe(Device::Type d, bool (*probe)()) { table(d).probe = probe; }
void register_fallback_kernel(Device::Type d, Kernel k) { table(d).fallback = k; }
bool has_backend(Device::Type d) {
  auto& tb = table(d);
  if (!tb.present && tb.probe) {
    static std::mutex mu;
    std::lock_guard<std::mutex> lk(mu);
    if (tb.probe) {
      tb.present = tb.probe();
      tb.probe = nullptr;
    }
  }
  return tb.present;
}

void register_backend_hooks(Device::Type d, CountersFn c, OptionFn o) { table(d).counters = c; table(d).option = o; }
std::vector<std::pair<std::string, double>> backend_counters(Device::Type d) {
  return has_backend(d) && table(d).counters ? table(d).counters() : std::vector<std::pair<std::string, double>>{};
}
void set_backend_option(Device::Type d, const std::string& name, double value) {
  check(has_backend(d) && table(d).option, ErrorCode::invalid_argument, "[backend] Device is not available.");
  table(d).option(name, value);
}

void run_host_kernel(Kernel k, const Primitive& p, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  if (!g_device_memory) { k(p, inputs, outputs); return; }
  for (auto& in : inputs)
    if (in.valid() && in.buffer() && !(in.buffer()->residency() & kOnHost)) in.buffer()->data();
  k(p, inputs, outputs);
  // An output buffer that is no input's buffer was written here (fresh or donated): its device copy is stale.
  for (auto& o : outputs) {
    if (!o.valid() || !o.buffer() || !o.buffer()->device_ptr) continue;
    bool view = false;
    for (auto& in : inputs) view = view || (in.valid() && in.buffer() == o.buffer());
    if (!view) o.buffer()->host_written();
  }
}
void register_synchronize(Device::Type d, SyncFn fn) { table(d).sync = fn; }
void synchronize(const Stream& s) {
  if (auto fn = table(s.device.type).sync) fn(s);
}

}  // namespace mlx
