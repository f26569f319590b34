// GGML block formats: exact dequantization (matching the reference `gguf` package bit for bit),
// conversion of Q4_0/Q4_1/Q8_0 into MLX's affine quantized layout, and quantization for writing.
#pragma once
#include <cstddef>
#include <cstdint>

namespace mlx::gguf {

enum Type : int {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q4_K = 12, Q5_K = 13, Q6_K = 14, BF16 = 30,
};

// Elements per block and bytes per block; {0, 0} for unsupported types.
struct BlockInfo { int elems, bytes; };
BlockInfo block_info(int type);

// n must be a multiple of the block size; src holds n / elems blocks.
void dequantize(int type, const uint8_t* src, float* dst, int64_t n);

// Q4_0/Q4_1 (bits 4) and Q8_0 (bits 8) as MLX affine groups of 32: w = q * scale + bias.
// wq: rows x (cols * bits / 32) uint32; scales, biases: rows x (cols / 32) float16 bits.
// Returns false when a scale or bias overflows float16 (caller then dequantizes instead).
bool to_affine(int type, const uint8_t* src, int64_t rows, int64_t cols, uint32_t* wq, uint16_t* scales,
               uint16_t* biases);

// Quantizes n floats (multiple of 32) to Q4_0, Q4_1 or Q8_0 blocks, following llama.cpp's reference.
void quantize(int type, const float* src, uint8_t* dst, int64_t n);

}  // namespace mlx::gguf
