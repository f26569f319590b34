// FFT plans (factorisation, twiddles, Bluestein data), cached by length, and the description
// of one 1-D pass over every line of an axis that the per-ISA executors (fft_impl.h) run.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "../../engine/array.h"

namespace mlx::cpu::fft {

// One Stockham radix-p stage on a sub-length p*m: twiddles w^(j*k), j < m, 1 <= k < p,
// interleaved (re, im), forward sign. Generic odd primes also carry cos/sin of 2*pi*t/p.
struct Stage {
  int p;
  int64_t m;
  std::vector<float> tw;
  std::vector<float> gcos, gsin;
};

// A complex transform of length n: direct mixed-radix stages, or Bluestein through an inner
// 2/3/5-smooth plan of length m >= 2n-1.
struct CPlan {
  int64_t n = 1;
  std::vector<Stage> stages;
  bool bluestein = false;
  int64_t m = 0;
  std::shared_ptr<const CPlan> inner;
  std::vector<float> chirp;  // exp(-i*pi*k^2/n), k < n, interleaved
  std::vector<float> bspec;  // FFT_m of the conjugate chirp, divided by m, interleaved
  int64_t buf_len = 1;       // complex elements each work buffer needs
};

// A real transform of even length N = 2M through a complex plan of length M (odd N uses a
// complex plan of length N). rtw[k] = exp(-2*pi*i*k/N), k <= M, interleaved.
struct RPlan {
  int64_t n = 1;
  std::shared_ptr<const CPlan> c;
  std::vector<float> rtw;
};

std::shared_ptr<const CPlan> get_cplan(int64_t n);
std::shared_ptr<const RPlan> get_rplan(int64_t n);

enum class Kind { c2c, r2c, c2r };

// Every line along one axis. Offsets and strides are in elements of the in/out types
// (float for real data, complex64 for complex data). `outer` lists the other dims.
struct LinePass {
  Kind kind = Kind::c2c;
  bool inverse = false;
  int64_t n = 1;  // logical length (real length for r2c / c2r)
  const void* in = nullptr;
  void* out = nullptr;
  int64_t in_st = 1, out_st = 1;
  Shape outer;
  Strides outer_in, outer_out;
  float scale = 1.f;
  const CPlan* cplan = nullptr;  // c2c, or odd-length real
  const RPlan* rplan = nullptr;  // even-length real
  int64_t lines() const {
    int64_t r = 1;
    for (auto s : outer) r *= s;
    return r;
  }
  void offsets(int64_t b, int64_t& io, int64_t& oo) const {
    io = oo = 0;
    for (int d = (int)outer.size() - 1; d >= 0; d--) {
      int64_t i = b % outer[d];
      b /= outer[d];
      io += i * outer_in[d];
      oo += i * outer_out[d];
    }
  }
};

// Executors for lines [b0, b1): one line at a time, or `width` lines per SIMD vector.
void lines_scalar(const LinePass& p, int64_t b0, int64_t b1);
void lines_vec4(const LinePass& p, int64_t b0, int64_t b1);
#if defined(MLX_X86)
void lines_avx2(const LinePass& p, int64_t b0, int64_t b1);    // 8 lines per vector
void lines_avx512(const LinePass& p, int64_t b0, int64_t b1);  // 16 lines per vector
#endif

}  // namespace mlx::cpu::fft
