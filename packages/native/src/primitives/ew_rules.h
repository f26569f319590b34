// Declarations of the transform rules that elementwise and matmul primitives override
// (definitions in *_rules.cc next to this file).
#pragma once
#include "../engine/primitive.h"

#define MLX_EW_RULES MLX_DECLARE_VJP MLX_DECLARE_JVP MLX_DECLARE_VMAP MLX_DECLARE_OUTPUT_SHAPES
