// Table-driven kernel dispatch: each backend maps a primitive's C++ type to a kernel.
// A backend is a folder that registers its kernels with MLX_REGISTER_KERNEL.
#pragma once
#include <typeindex>
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
