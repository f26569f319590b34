// Portable int8 GEMM (included by int8_gemm.cc and int8_gemm_avx2.cc inside their own namespaces, so the same
// loops compile once for the baseline ISA and once for AVX2: the int8 dot products auto-vectorize).
// Requires: <algorithm>, <cmath>, <cstring>, <vector>, int8_gemm.h, threadpool.h.

// Quantizes one row: q = clamp(rint(x * (127 / amax)), -127, 127); xs = amax / 127 (0 for an all-zero row).
inline void quantize_row(const float* x, int64_t K, int8_t* q, float* xs) {
  float amax = 0.0f;
  for (int64_t k = 0; k < K; k++) amax = std::max(amax, std::fabs(x[k]));
  if (!(amax > 0.0f)) {
    std::memset(q, 0, K);
    *xs = 0.0f;
    return;
  }
  const float inv = 127.0f / amax;
  *xs = amax / 127.0f;
  for (int64_t k = 0; k < K; k++) {
    float r = std::nearbyint(x[k] * inv);
    q[k] = (int8_t)std::min(127.0f, std::max(-127.0f, r));
  }
}

inline int32_t dot_i8(const int8_t* a, const int8_t* b, int64_t K) {
  int32_t s = 0;
  for (int64_t k = 0; k < K; k++) s += (int32_t)a[k] * (int32_t)b[k];
  return s;
}

inline void run_portable(const Args& a) {
  const int64_t M = a.M, K = a.K, N = a.N;
  std::vector<int8_t> q(M * K);
  std::vector<float> xs(M);
  parallel_for(M, std::max<int64_t>(1, 16384 / std::max<int64_t>(K, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) quantize_row(a.x + r * K, K, q.data() + r * K, &xs[r]);
  });
  // Blocks of 16 weight rows x 128 activation rows: both stay in cache while the dot products run.
  constexpr int64_t NB = 16, MB = 128;
  const int64_t nblocks = (N + NB - 1) / NB;
  const int64_t work = NB * K * std::min<int64_t>(M, MB);
  parallel_for(nblocks, std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(work, 1)), [&](int64_t b0, int64_t b1) {
    for (int64_t m0 = 0; m0 < M; m0 += MB) {
      const int64_t m1 = std::min(M, m0 + MB);
      for (int64_t b = b0; b < b1; b++) {
        const int64_t n0 = b * NB, n1 = std::min(N, n0 + NB);
        for (int64_t m = m0; m < m1; m++) {
          const int8_t* qm = q.data() + m * K;
          float* ym = a.y + m * N;
          for (int64_t n = n0; n < n1; n++) {
            float v = (float)dot_i8(qm, a.w + n * K, K) * (xs[m] * a.ws[n]);
            ym[n] = a.bias ? v + a.bias[n] : v;
          }
        }
      }
    }
  });
}
