// RandomBits on the GPU: MLX's threefry2x32 counter layout, bit-identical with the CPU kernel
// (random.cc), so a key gives the same numbers on both devices. Per key: W = ceil(bytes / 4)
// words; for j < W/2 the hash of (j, j + W/2 + odd) fills words j and j + W/2 + odd; when W is
// odd, word W/2 is the first half of the hash of (W/2, 0). Word w covers bytes [4w, 4w + 4) of
// the key's output, cut at its byte count. One thread per hash.
#include "../../primitives/random.h"
#include "common.cuh"

namespace mlx::cu {

namespace {

__device__ __forceinline__ uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

__device__ __forceinline__ void threefry(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, uint32_t& o0, uint32_t& o1) {
  const uint32_t k2 = k0 ^ k1 ^ 0x1BD11BDAu;
  uint32_t x = c0 + k0, y = c1 + k1;
#define MIX(R) x += y, y = rotl(y, R), y ^= x
  MIX(13); MIX(15); MIX(26); MIX(6);  x += k1; y += k2 + 1;
  MIX(17); MIX(29); MIX(16); MIX(24); x += k2; y += k0 + 2;
  MIX(13); MIX(15); MIX(26); MIX(6);  x += k0; y += k1 + 3;
  MIX(17); MIX(29); MIX(16); MIX(24); x += k1; y += k2 + 4;
  MIX(13); MIX(15); MIX(26); MIX(6);  x += k2; y += k0 + 5;
#undef MIX
  o0 = x, o1 = y;
}

__device__ __forceinline__ void put_word(unsigned char* dst, int64_t bytes, int64_t word, uint32_t v, bool aligned) {
  if (aligned) {
    reinterpret_cast<uint32_t*>(dst)[word] = v;
    return;
  }
  int64_t b0 = 4 * word;
#pragma unroll
  for (int k = 0; k < 4; k++)
    if (b0 + k < bytes) dst[b0 + k] = (unsigned char)(v >> (8 * k));
}

// Thread t of key k: hash j = t % per (per = half + odd hashes per key).
__global__ void bits_kernel(const uint32_t* keys, unsigned char* out, int64_t num_keys, int64_t bytes, int64_t half,
                            int64_t odd, bool aligned) {
  int64_t per = half + odd;
  for (int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; t < num_keys * per; t += (int64_t)gridDim.x * blockDim.x) {
    int64_t k = t / per, j = t - k * per;
    uint32_t k0 = keys[2 * k], k1 = keys[2 * k + 1];
    unsigned char* dst = out + k * bytes;
    uint32_t a, b;
    if (j < half) {
      threefry(k0, k1, (uint32_t)j, (uint32_t)(j + half + odd), a, b);
      put_word(dst, bytes, j, a, aligned);
      put_word(dst, bytes, j + half + odd, b, aligned);
    } else {
      threefry(k0, k1, (uint32_t)half, 0u, a, b);
      put_word(dst, bytes, half, a, aligned);
    }
  }
}

void random_bits(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out) {
  Array& o = out[0];
  auto& s = prim.stream();
  void* dp = alloc_out(o, s);
  if (o.size() == 0) return;
  Array keys = in[0].dtype() == Dtype::uint32 ? contiguous_gpu(in[0], s) : astype_gpu(in[0], Dtype::uint32, s);
  const uint32_t* kp = static_cast<const uint32_t*>(in_ptr(keys, s));
  int64_t num_keys = keys.size() / 2;
  int64_t bytes = (int64_t)o.nbytes() / num_keys;
  int64_t W = (bytes + 3) / 4, half = W / 2, odd = W % 2;
  // 4-byte stores need every key's block to start on a word (true when bytes % 4 == 0).
  bool aligned = bytes % 4 == 0;
  int64_t total = num_keys * (half + odd);
  if (total == 0) return;
  bits_kernel<<<blocks_for(total, 256), 256, 0, stream_of(s)>>>(kp, static_cast<unsigned char*>(dp), num_keys, bytes,
                                                                 half, odd, aligned);
  MLX_CUDA_LAUNCHED();
}

}  // namespace

MLX_REGISTER_KERNEL(gpu, RandomBits, random_bits);

}  // namespace mlx::cu
