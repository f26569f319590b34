// Compiled with -ffp-contract=off (CMakeLists): the dequantized values must equal the reference
// float32 arithmetic exactly, so no multiply-add may be fused.
#include "gguf_quants.h"

#include <cmath>
#include <cstring>

#include "../engine/half.h"

namespace mlx::gguf {

namespace {
inline float f16(const uint8_t* p) { uint16_t h; std::memcpy(&h, p, 2); return half_to_float(h); }
inline uint32_t u32(const uint8_t* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }

// Q4_K/Q5_K packed 6-bit scales and mins for sub-block j (0..7).
inline void scale_min_k4(int j, const uint8_t* q, uint8_t& sc, uint8_t& m) {
  if (j < 4) {
    sc = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}
}  // namespace

BlockInfo block_info(int type) {
  switch (type) {
    case F32: return {1, 4};
    case F16: case BF16: return {1, 2};
    case Q4_0: return {32, 18};
    case Q4_1: return {32, 20};
    case Q5_0: return {32, 22};
    case Q5_1: return {32, 24};
    case Q8_0: return {32, 34};
    case Q4_K: return {256, 144};
    case Q5_K: return {256, 176};
    case Q6_K: return {256, 210};
    default: return {0, 0};
  }
}

void dequantize(int type, const uint8_t* src, float* dst, int64_t n) {
  BlockInfo bi = block_info(type);
  int64_t blocks = n / bi.elems;
  for (int64_t b = 0; b < blocks; b++) {
    const uint8_t* p = src + b * bi.bytes;
    float* y = dst + b * bi.elems;
    switch (type) {
      case Q4_0: {
        float d = f16(p);
        for (int j = 0; j < 16; j++) {
          y[j] = d * (float)((int)(p[2 + j] & 15) - 8);
          y[j + 16] = d * (float)((int)(p[2 + j] >> 4) - 8);
        }
        break;
      }
      case Q4_1: {
        float d = f16(p), m = f16(p + 2);
        for (int j = 0; j < 16; j++) {
          y[j] = d * (float)(p[4 + j] & 15) + m;
          y[j + 16] = d * (float)(p[4 + j] >> 4) + m;
        }
        break;
      }
      case Q5_0: {
        float d = f16(p);
        uint32_t qh = u32(p + 2);
        for (int j = 0; j < 16; j++) {
          int lo = (p[6 + j] & 15) | (((qh >> j) & 1) << 4);
          int hi = (p[6 + j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
          y[j] = d * (float)(lo - 16);
          y[j + 16] = d * (float)(hi - 16);
        }
        break;
      }
      case Q5_1: {
        float d = f16(p), m = f16(p + 2);
        uint32_t qh = u32(p + 4);
        for (int j = 0; j < 16; j++) {
          int lo = (p[8 + j] & 15) | (((qh >> j) & 1) << 4);
          int hi = (p[8 + j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
          y[j] = d * (float)lo + m;
          y[j + 16] = d * (float)hi + m;
        }
        break;
      }
      case Q8_0: {
        float d = f16(p);
        for (int j = 0; j < 32; j++) y[j] = (float)(int8_t)p[2 + j] * d;
        break;
      }
      case Q4_K: {
        float d = f16(p), dmin = f16(p + 2);
        const uint8_t* sc = p + 4;
        const uint8_t* qs = p + 16;
        for (int c = 0; c < 4; c++) {  // 64 elements per chunk: low nibbles, then high nibbles
          for (int s = 0; s < 2; s++) {
            uint8_t scale, min;
            scale_min_k4(2 * c + s, sc, scale, min);
            float dl = d * (float)scale, ml = dmin * (float)min;
            for (int j = 0; j < 32; j++) y[c * 64 + s * 32 + j] = dl * (float)((qs[c * 32 + j] >> (4 * s)) & 15) - ml;
          }
        }
        break;
      }
      case Q5_K: {
        float d = f16(p), dmin = f16(p + 2);
        const uint8_t* sc = p + 4;
        const uint8_t* qh = p + 16;
        const uint8_t* qs = p + 48;
        for (int c = 0; c < 4; c++) {
          for (int s = 0; s < 2; s++) {
            uint8_t scale, min;
            int sub = 2 * c + s;
            scale_min_k4(sub, sc, scale, min);
            float dl = d * (float)scale, ml = dmin * (float)min;
            for (int j = 0; j < 32; j++) {
              int q = ((qs[c * 32 + j] >> (4 * s)) & 15) | (((qh[j] >> sub) & 1) << 4);
              y[sub * 32 + j] = dl * (float)q - ml;
            }
          }
        }
        break;
      }
      case Q6_K: {
        const uint8_t* ql = p;
        const uint8_t* qh = p + 128;
        const int8_t* sc = reinterpret_cast<const int8_t*>(p + 192);
        float d = f16(p + 208);
        for (int e = 0; e < 256; e++) {
          int h = e / 128, r = e % 128;
          int lo = (ql[h * 64 + (r % 64)] >> (4 * (r / 64))) & 15;
          int hi = (qh[h * 32 + (r % 32)] >> (2 * (r / 32))) & 3;
          float ds = d * (float)sc[e / 16];
          y[e] = ds * (float)((lo | (hi << 4)) - 32);
        }
        break;
      }
      default: break;
    }
  }
}

bool to_affine(int type, const uint8_t* src, int64_t rows, int64_t cols, uint32_t* wq, uint16_t* scales,
               uint16_t* biases) {
  BlockInfo bi = block_info(type);
  const int bits = type == Q8_0 ? 8 : 4;
  const int64_t groups = cols / 32, words_per_row = cols * bits / 32;
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t g = 0; g < groups; g++) {
      const uint8_t* p = src + (r * groups + g) * bi.bytes;
      uint32_t* w = wq + r * words_per_row + g * (32 * bits / 32);
      float d = f16(p), bias;
      uint8_t q[32];
      if (type == Q8_0) {
        for (int j = 0; j < 32; j++) q[j] = (uint8_t)((int8_t)p[2 + j] + 128);
        bias = -128.0f * d;
      } else {
        const uint8_t* qs = p + (type == Q4_1 ? 4 : 2);
        for (int j = 0; j < 16; j++) { q[j] = qs[j] & 15; q[j + 16] = qs[j] >> 4; }
        bias = type == Q4_1 ? f16(p + 2) : -8.0f * d;
      }
      uint16_t sh = float_to_half(d), bh = float_to_half(bias);
      if (!std::isfinite(half_to_float(bh)) || half_to_float(bh) != bias) return false;
      scales[r * groups + g] = sh;
      biases[r * groups + g] = bh;
      int per = 32 / bits;
      for (int k = 0; k < 32 / per; k++) {
        uint32_t word = 0;
        for (int j = 0; j < per; j++) word |= (uint32_t)q[k * per + j] << (bits * j);
        w[k] = word;
      }
    }
  }
  return true;
}

void quantize(int type, const float* x, uint8_t* dst, int64_t n) {
  BlockInfo bi = block_info(type);
  for (int64_t b = 0; b < n / 32; b++) {
    const float* v = x + b * 32;
    uint8_t* p = dst + b * bi.bytes;
    if (type == Q8_0) {
      float amax = 0;
      for (int j = 0; j < 32; j++) amax = std::max(amax, std::fabs(v[j]));
      float d = amax / 127.0f, id = d ? 1.0f / d : 0.0f;
      uint16_t dh = float_to_half(d);
      std::memcpy(p, &dh, 2);
      for (int j = 0; j < 32; j++) p[2 + j] = (uint8_t)(int8_t)std::lround(v[j] * id);
    } else if (type == Q4_0) {
      float amax = 0, mx = 0;
      for (int j = 0; j < 32; j++) if (std::fabs(v[j]) > amax) { amax = std::fabs(v[j]); mx = v[j]; }
      float d = mx / -8.0f, id = d ? 1.0f / d : 0.0f;
      uint16_t dh = float_to_half(d);
      std::memcpy(p, &dh, 2);
      for (int j = 0; j < 16; j++) {
        int a = std::min(15, (int)(v[j] * id + 8.5f)), c = std::min(15, (int)(v[j + 16] * id + 8.5f));
        p[2 + j] = (uint8_t)(a | (c << 4));
      }
    } else {  // Q4_1
      float lo = v[0], hi = v[0];
      for (int j = 1; j < 32; j++) { lo = std::min(lo, v[j]); hi = std::max(hi, v[j]); }
      float d = (hi - lo) / 15.0f, id = d ? 1.0f / d : 0.0f;
      uint16_t dh = float_to_half(d), mh = float_to_half(lo);
      std::memcpy(p, &dh, 2);
      std::memcpy(p + 2, &mh, 2);
      for (int j = 0; j < 16; j++) {
        int a = std::min(15, (int)((v[j] - lo) * id + 0.5f)), c = std::min(15, (int)((v[j + 16] - lo) * id + 0.5f));
        p[4 + j] = (uint8_t)(a | (c << 4));
      }
    }
  }
}

}  // namespace mlx::gguf
