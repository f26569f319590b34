// A fused elementwise program produced by compile: float32 registers computed block by block,
// so a chain of N ops reads and writes memory once instead of N times.
#pragma once
#include <vector>

#include "../engine/primitive.h"
#include "binary.h"
#include "unary.h"

namespace mlx {

struct FusedInstr {
  bool is_unary;
  UnaryOp uop;
  BinaryOp bop;
  UnaryParams params;
  int a, b;  // source registers: inputs are 0..n_inputs-1, instruction k writes n_inputs + k
};

class Compiled : public Primitive {
 public:
  Compiled(Stream s, int n_inputs, std::vector<FusedInstr> program, std::vector<int> outputs)
      : Primitive(s), n_inputs_(n_inputs), program_(std::move(program)), outputs_(std::move(outputs)) {}
  const char* name() const override { return "Compiled"; }
  int n_inputs() const { return n_inputs_; }
  const std::vector<FusedInstr>& program() const { return program_; }
  const std::vector<int>& outputs() const { return outputs_; }  // registers written to the outputs
  // Inputs broadcast together; every output has the broadcast shape.
  MLX_DECLARE_OUTPUT_SHAPES
  bool is_equivalent(const Primitive& o) const override { return false; }

 private:
  int n_inputs_;
  std::vector<FusedInstr> program_;
  std::vector<int> outputs_;
};

}  // namespace mlx
