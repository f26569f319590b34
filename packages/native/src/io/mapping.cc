#include "mapping.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mlx {

std::shared_ptr<FileMapping> FileMapping::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_error(ErrorCode::invalid_argument, "[load] Cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    ::close(fd);
    throw_error(ErrorCode::invalid_argument, "[load] Cannot stat " + path + ".");
  }
  std::shared_ptr<FileMapping> m(new FileMapping());
  m->size_ = (size_t)st.st_size;
  if (m->size_ > 0) {
    void* p = mmap(nullptr, m->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw_error(ErrorCode::invalid_argument, "[load] Cannot map " + path + ": " + std::strerror(errno));
    }
    m->data_ = static_cast<uint8_t*>(p);
  }
  ::close(fd);  // the mapping stays valid
  return m;
}

FileMapping::~FileMapping() {
  if (data_) munmap(data_, size_);
}

Array array_from_mapping(const std::shared_ptr<FileMapping>& m, size_t off, const Shape& shape, Dtype dtype) {
  int64_t n = shape_size(shape);
  size_t bytes = (size_t)n * dtype_size(dtype);
  if (off > m->size() || bytes > m->size() - off)
    throw_error(ErrorCode::malformed_file, "[load] Tensor data [" + std::to_string(off) + ", " +
                                               std::to_string(off + bytes) + ") lies outside the file (" +
                                               std::to_string(m->size()) + " bytes).");
  Array a(std::make_shared<ArrayDesc>(shape, dtype));
  auto keep = m;
  auto buf = Buffer::external(const_cast<uint8_t*>(m->data()) + off, bytes, [keep]() {});
  a.set_data(buf);
  return a;
}

}  // namespace mlx
