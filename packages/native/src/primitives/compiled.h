// A fused elementwise program produced by compile: float32 registers computed block by block,
// so a chain of N ops reads and writes memory once instead of N times. Inputs and outputs keep
// their arrays' dtypes: float32 everywhere on the CPU; on the GPU also float16/bfloat16, converted
// to float32 when loaded and rounded once when stored.
#pragma once
#include <mutex>
#include <string>
#include <utility>
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

  // Kernels a backend generated for this program, by launch variant (dtypes and layout), so replays
  // skip code generation. Opaque to the engine; the CUDA backend stores its cudaKernel_t here.
  struct KernelCache {
    std::mutex mu;
    std::vector<std::pair<std::string, void*>> entries;
  };
  KernelCache& kernel_cache() const { return kernel_cache_; }

 private:
  mutable KernelCache kernel_cache_;
  int n_inputs_;
  std::vector<FusedInstr> program_;
  std::vector<int> outputs_;
};

}  // namespace mlx
