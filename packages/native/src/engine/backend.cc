#include "backend.h"

#include <unordered_map>

namespace mlx {

namespace {
struct Table {
  bool present = false;
  std::unordered_map<std::type_index, Kernel> kernels;
  SyncFn sync = nullptr;
};
Table& table(Device::Type d) {
  static Table tables[2];
  return tables[(int)d];
}
}  // namespace

void register_kernel(Device::Type d, std::type_index p, Kernel k) {
  table(d).present = true;
  table(d).kernels[p] = k;
}
Kernel find_kernel(Device::Type d, std::type_index p) {
  auto& t = table(d).kernels;
  auto it = t.find(p);
  return it == t.end() ? nullptr : it->second;
}
void register_backend(Device::Type d) { table(d).present = true; }
bool has_backend(Device::Type d) { return table(d).present; }
void register_synchronize(Device::Type d, SyncFn fn) { table(d).sync = fn; }
void synchronize(const Stream& s) {
  if (auto fn = table(s.device.type).sync) fn(s);
}

}  // namespace mlx
