// Read-only file mappings whose bytes back arrays without copies (safetensors, GGUF, npy).
#pragma once
#include <cstddef>
#include <memory>
#include <string>

#include "../engine/array.h"

namespace mlx {

class FileMapping {
 public:
  static std::shared_ptr<FileMapping> open(const std::string& path);  // throws malformed_file / invalid_argument
  ~FileMapping();
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
 private:
  FileMapping() = default;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// An evaluated array viewing `mapping` at byte_offset (bounds-checked; never copied or donated).
Array array_from_mapping(const std::shared_ptr<FileMapping>& mapping, size_t byte_offset, const Shape& shape, Dtype dtype);

}  // namespace mlx
