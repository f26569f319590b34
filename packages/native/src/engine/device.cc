#include "device.h"

#include <mutex>
#include <vector>

#include "backend.h"
#include "errors.h"

namespace mlx {

namespace {
std::mutex mu;
Device g_default_device{Device::Type::cpu, 0};
std::vector<Stream> g_streams{Stream{0, Device{Device::Type::cpu, 0}}};
int g_default_cpu_stream = 0, g_default_gpu_stream = -1;
}  // namespace

bool is_available(const Device& d) { return has_backend(d.type); }

Device default_device() { std::lock_guard<std::mutex> lk(mu); return g_default_device; }

void set_default_device(const Device& d) {
  check(is_available(d), ErrorCode::invalid_argument, "[set_default_device] Device is not available.");
  std::lock_guard<std::mutex> lk(mu);
  g_default_device = d;
}

Stream default_stream(const Device& d) {
  std::lock_guard<std::mutex> lk(mu);
  if (d.type == Device::Type::cpu) return g_streams[g_default_cpu_stream];
  if (g_default_gpu_stream < 0) {
    check(has_backend(Device::Type::gpu), ErrorCode::invalid_argument, "[default_stream] No GPU backend is available.");
    g_streams.push_back(Stream{(int)g_streams.size(), d});
    g_default_gpu_stream = (int)g_streams.size() - 1;
  }
  return g_streams[g_default_gpu_stream];
}

void set_default_stream(const Stream& s) {
  std::lock_guard<std::mutex> lk(mu);
  (s.device.type == Device::Type::cpu ? g_default_cpu_stream : g_default_gpu_stream) = s.index;
}

Stream new_stream(const Device& d) {
  check(is_available(d), ErrorCode::invalid_argument, "[new_stream] Device is not available.");
  std::lock_guard<std::mutex> lk(mu);
  g_streams.push_back(Stream{(int)g_streams.size(), d});
  return g_streams.back();
}

Stream get_stream(int index) {
  std::lock_guard<std::mutex> lk(mu);
  check(index >= 0 && index < (int)g_streams.size(), ErrorCode::invalid_argument, "[stream] Unknown stream index.");
  return g_streams[index];
}

int num_streams() { std::lock_guard<std::mutex> lk(mu); return (int)g_streams.size(); }

}  // namespace mlx
