// A primitive is one node kind of the graph: device-agnostic parameters plus transform
// rules. Kernels live in per-backend tables (backend.h), so a new backend (Metal, CUDA)
// registers kernels without touching primitives.
#pragma once
#include <string>
#include <vector>

#include "array.h"

namespace mlx {

// One-line declarations of the rule overrides a primitive provides (definitions in its .cc file).
#define MLX_DECLARE_VJP                                                                                \
  std::vector<Array> vjp(const std::vector<Array>& primals, const std::vector<Array>& cotangents,      \
                         const std::vector<int>& argnums, const std::vector<Array>& outputs) override;
#define MLX_DECLARE_JVP                                                                                \
  std::vector<Array> jvp(const std::vector<Array>& primals, const std::vector<Array>& tangents,        \
                         const std::vector<int>& argnums) override;
#define MLX_DECLARE_VMAP                                                                               \
  std::pair<std::vector<Array>, std::vector<int>> vmap(const std::vector<Array>& inputs,               \
                                                       const std::vector<int>& axes) override;
#define MLX_DECLARE_OUTPUT_SHAPES std::vector<Shape> output_shapes(const std::vector<Array>& inputs) override;

class Primitive {
 public:
  explicit Primitive(Stream s) : stream_(s) {}
  virtual ~Primitive() = default;
  virtual const char* name() const = 0;
  const Stream& stream() const { return stream_; }
  Device device() const { return stream_.device; }

  // Transform rules (issue: transforms). Default: not differentiable / vectorizable.
  virtual std::vector<Array> vjp(const std::vector<Array>& primals, const std::vector<Array>& cotangents,
                                 const std::vector<int>& argnums, const std::vector<Array>& outputs);
  virtual std::vector<Array> jvp(const std::vector<Array>& primals, const std::vector<Array>& tangents,
                                 const std::vector<int>& argnums);
  virtual std::pair<std::vector<Array>, std::vector<int>> vmap(const std::vector<Array>& inputs,
                                                               const std::vector<int>& axes);
  // Output shapes for new input shapes (shapeless compile). Default: not supported.
  virtual std::vector<Shape> output_shapes(const std::vector<Array>& inputs);
  // Same kind and same parameters (used by compile's common-subexpression pass).
  virtual bool is_equivalent(const Primitive& other) const { return false; }

 private:
  Stream stream_;
};

}  // namespace mlx
