// Affine quantization primitives (MLX's "affine" mode): packed uint32 weights with one scale and bias per
// group of `group_size` consecutive elements along the last axis.
#pragma once
#include <typeinfo>

#include "../engine/primitive.h"

namespace mlx {

using VA = std::vector<Array>;
using VMR = std::pair<std::vector<Array>, std::vector<int>>;

// Parameters shared by the affine quantization primitives; equal kind and parameters are equivalent.
class AffinePrimitive : public Primitive {
 public:
  AffinePrimitive(Stream s, int group_size, int bits) : Primitive(s), group_size_(group_size), bits_(bits) {}
  int group_size() const { return group_size_; }
  int bits() const { return bits_; }
  bool is_equivalent(const Primitive& o) const override {
    auto p = dynamic_cast<const AffinePrimitive*>(&o);
    return p && typeid(*p) == typeid(*this) && p->group_size_ == group_size_ && p->bits_ == bits_;
  }
 private:
  int group_size_, bits_;
};

// inputs {w}; outputs {wq (uint32), scales, biases (dtype of w)}.
class Quantize : public AffinePrimitive {
 public:
  using AffinePrimitive::AffinePrimitive;
  const char* name() const override { return "Quantize"; }
  VMR vmap(const VA& in, const std::vector<int>& axes) override;
};

// inputs {wq, scales, biases}; output in the output's dtype.
class Dequantize : public AffinePrimitive {
 public:
  using AffinePrimitive::AffinePrimitive;
  const char* name() const override { return "Dequantize"; }
  VMR vmap(const VA& in, const std::vector<int>& axes) override;
};

// inputs {x, wq, scales, biases}. Either w has no batch dims (x's leading dims are rows), or x and w/scales/
// biases share one (broadcast) batch shape. out = x @ dequant(w).T (transpose) or x @ dequant(w).
class QuantizedMatmul : public Primitive {
 public:
  QuantizedMatmul(Stream s, int group_size, int bits, bool transpose)
      : Primitive(s), group_size_(group_size), bits_(bits), transpose_(transpose) {}
  const char* name() const override { return "QuantizedMatmul"; }
  int group_size() const { return group_size_; }
  int bits() const { return bits_; }
  bool transpose() const { return transpose_; }
  bool is_equivalent(const Primitive& o) const override;
  VA vjp(const VA& primals, const VA& cot, const std::vector<int>& argnums, const VA& outputs) override;
  VA jvp(const VA& primals, const VA& tan, const std::vector<int>& argnums) override;
  VMR vmap(const VA& in, const std::vector<int>& axes) override;
 private:
  int group_size_, bits_;
  bool transpose_;
};

// inputs {a, b, lhs_indices, rhs_indices} (indices uint32, both of the output's batch shape).
class GatherMM : public Primitive {
 public:
  explicit GatherMM(Stream s) : Primitive(s) {}
  const char* name() const override { return "GatherMM"; }
  bool is_equivalent(const Primitive& o) const override;
  VA vjp(const VA& primals, const VA& cot, const std::vector<int>& argnums, const VA& outputs) override;
};

// inputs {x, wq, scales, biases, lhs_indices, rhs_indices}.
class GatherQMM : public Primitive {
 public:
  GatherQMM(Stream s, int group_size, int bits, bool transpose)
      : Primitive(s), group_size_(group_size), bits_(bits), transpose_(transpose) {}
  const char* name() const override { return "GatherQMM"; }
  int group_size() const { return group_size_; }
  int bits() const { return bits_; }
  bool transpose() const { return transpose_; }
  bool is_equivalent(const Primitive& o) const override;
  VA vjp(const VA& primals, const VA& cot, const std::vector<int>& argnums, const VA& outputs) override;
 private:
  int group_size_, bits_;
  bool transpose_;
};

}  // namespace mlx
