// Declarations of the transform rules that elementwise and matmul primitives override
// (definitions in *_rules.cc next to this file).
#pragma once
#include <utility>
#include <vector>

#define MLX_EW_RULES                                                                                        \
  std::vector<Array> vjp(const std::vector<Array>& primals, const std::vector<Array>& cotangents,           \
                         const std::vector<int>& argnums, const std::vector<Array>& outputs) override;      \
  std::vector<Array> jvp(const std::vector<Array>& primals, const std::vector<Array>& tangents,             \
                         const std::vector<int>& argnums) override;                                          \
  std::pair<std::vector<Array>, std::vector<int>> vmap(const std::vector<Array>& inputs,                    \
                                                       const std::vector<int>& axes) override;               \
  std::vector<Shape> output_shapes(const std::vector<Array>& inputs) override;
