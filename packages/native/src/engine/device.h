#pragma once
#include <cstdint>
#include <string>

namespace mlx {

struct Device {
  enum class Type : uint8_t { cpu = 0, gpu = 1 };
  Type type = Type::cpu;
  int index = 0;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
};

// An ordered queue of work on one device. Work on one stream runs in order; the CPU backend
// executes a stream's work on the thread that evaluates it.
struct Stream {
  int index = 0;
  Device device;
  bool operator==(const Stream& o) const { return index == o.index; }
};

bool is_available(const Device& d);
Device default_device();
void set_default_device(const Device& d);
Stream default_stream(const Device& d);
void set_default_stream(const Stream& s);
Stream new_stream(const Device& d);
Stream get_stream(int index);  // throws invalid_argument for unknown index
int num_streams();

}  // namespace mlx
