// Typed engine errors. The binding turns each code into its JS error class (DESIGN.md §5).
#pragma once
#include <stdexcept>
#include <string>

namespace mlx {

enum class ErrorCode {
  invalid_argument,  // MLX_INVALID_ARGUMENT
  shape,             // MLX_SHAPE: incompatible or invalid shapes / axes
  dtype,             // MLX_DTYPE: unsupported dtype for an op or device
  index,             // MLX_INDEX: index out of range
  out_of_memory,     // MLX_OUT_OF_MEMORY
  disposed,          // MLX_DISPOSED
  malformed_file,    // MLX_MALFORMED_FILE
  not_implemented,   // MLX_NOT_IMPLEMENTED
  internal,          // MLX_INTERNAL
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& msg) : std::runtime_error(msg), code_(code) {}
  ErrorCode code() const { return code_; }
 private:
  ErrorCode code_;
};

[[noreturn]] inline void throw_error(ErrorCode c, const std::string& m) { throw Error(c, m); }
inline void check(bool ok, ErrorCode c, const std::string& m) { if (!ok) throw Error(c, m); }

}  // namespace mlx
