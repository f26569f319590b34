// Table-driven kernel dispatch: each backend maps a primitive's C++ type to a kernel.
// A backend is a folder that registers its kernels with MLX_REGISTER_KERNEL.
#pragma once
#include <string>
#include <typeindex>
#include <utility>
#include <vector>

#include "device.h"

namespace mlx {

class Array;
class Primitive;

using Kernel = void (*)(const Primitive& p, const std::vector<Array>& inputs, std::vector<Array>& outputs);

void register_kernel(Device::Type device, std::type_index prim, Kernel k);
Kernel find_kernel(Device::Type device, std::type_index prim);  // nullptr if missing
void register_backend(Device::Type device);
bool has_backend(Device::Type device);
// A backend compiled in but usable only when hardware is present (CUDA without a GPU) registers a
// probe instead of register_backend; it runs once, on first use.
void register_backend_probe(Device::Type device, bool (*probe)());
// Kernel used when a primitive has none on this device (the GPU backend runs the CPU kernel).
void register_fallback_kernel(Device::Type device, Kernel k);

// Runs a host (CPU) kernel when a device backend is active: inputs get a current host copy
// first, and outputs written on the host drop stale device copies. Plain call otherwise.
void run_host_kernel(Kernel k, const Primitive& p, const std::vector<Array>& inputs, std::vector<Array>& outputs);

// Debug counters a backend exposes (e.g. "fallback:Sort" for GPU primitives run by the CPU kernel),
// and named options set from JS (e.g. "tf32").
using CountersFn = std::vector<std::pair<std::string, double>> (*)();
using OptionFn = void (*)(const std::string& name, double value);
void register_backend_hooks(Device::Type device, CountersFn counters, OptionFn option);
std::vector<std::pair<std::string, double>> backend_counters(Device::Type device);
void set_backend_option(Device::Type device, const std::string& name, double value);

// Synchronise a device's streams (GPU backends wait for queued work).
using SyncFn = void (*)(const Stream& s);
void register_synchronize(Device::Type device, SyncFn fn);
void synchronize(const Stream& s);

#define MLX_KERNEL_CONCAT2(a, b) a##b
#define MLX_KERNEL_CONCAT(a, b) MLX_KERNEL_CONCAT2(a, b)
#define MLX_REGISTER_KERNEL(DEVICE, PRIM, FN)                                           \
  static const bool MLX_KERNEL_CONCAT(mlx_kernel_reg_, __COUNTER__) =                  \
      (::mlx::register_kernel(::mlx::Device::Type::DEVICE, std::type_index(typeid(PRIM)), FN), true)

}  // namespace mlx
