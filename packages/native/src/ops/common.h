// Shared helpers for op functions: stream selection, axis normalisation, broadcasting.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "../engine/array.h"

namespace mlx {

// Every op takes an optional stream or device, like MLX's `stream=` keyword.
struct StreamOrDevice {
  std::optional<Stream> stream;
  std::optional<Device> device;
  StreamOrDevice() = default;
  StreamOrDevice(Stream s) : stream(s) {}
  StreamOrDevice(Device d) : device(d) {}
};
Stream to_stream(const StreamOrDevice& s);

// Maps a possibly negative axis into [0, ndim); throws a shape error naming the op.
int normalize_axis(int axis, int ndim, const char* op);
std::vector<int> normalize_axes(const std::vector<int>& axes, int ndim, const char* op);  // sorted, unique
Shape broadcast_shapes(const Shape& a, const Shape& b);
std::string shape_str(const Shape& s);

}  // namespace mlx
