// Row-invariant quantized matmul for many rows (see quantized_mm.h): x's group sums and re-layout are formed
// exactly as the qmv path forms them, then threads take ranges of 32 weight rows (packed: a few KiB, in L1) and
// run the qmv kernel itself over all x rows in blocks of 4, so every row gets the lone-row kernel's float ops in
// the same order (invariant by construction). A panel-decoding variant with register tiles was measured and
// removed: once the 8-bit and other widths moved to qmv_bits_avx512 and the 4-bit nibble kernel proved faster at
// 9..64 rows, nothing selected it.
#include "quantized_mm.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "../../engine/threadpool.h"

namespace mlx::cpu {

namespace {
// 64-byte aligned float buffers: the kernels' 64-byte loads would otherwise each split across two cache lines.
struct AlignedFloats {
  std::vector<float> buf;
  float* data = nullptr;
  explicit AlignedFloats(int64_t n) : buf(n + 16) {
    data = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(buf.data()) + 63) & ~uintptr_t(63));
  }
};
}  // namespace

void qmm_invariant(const float* x, int64_t M, int64_t K, int64_t N, const uint8_t* w, const void* scales,
                   const void* biases, Dtype sdt, int gs, int bits, float* y, bool threads, qmv::RowsFn rows,
                   qmv::PrepFn prep) {
  const int64_t G = K / gs;
  // The kernels read x directly when it needs no re-layout: give them 64-byte aligned rows.
  AlignedFloats xa(!prep && (reinterpret_cast<uintptr_t>(x) & 63) ? M * K : 0);
  if (xa.buf.size() > 16) {
    std::copy(x, x + M * K, xa.data);
    x = xa.data;
  }
  // Group sums: the same sequential float sum as the qmv path in quantized.cc (bias term inputs).
  std::vector<float> xsum(M * G);
  for (int64_t m = 0; m < M; m++)
    for (int64_t g = 0; g < G; g++) {
      float s = 0;
      for (int j = 0; j < gs; j++) s += x[m * K + g * gs + j];
      xsum[m * G + g] = s;
    }
  qmv::Args a{x, K, xsum.data(), G, K, gs, bits, w, K * bits / 8, scales, biases, G, sdt, y, N};
  AlignedFloats xp(prep ? M * qmv::xp_len(K) : 0);
  if (prep) {
    a.ldxp = qmv::xp_len(K);
    for (int64_t m = 0; m < M; m++) prep(x + m * K, K, xp.data + m * a.ldxp);
    a.xp = xp.data;
  }
  int nt = threads && M * N * K >= (int64_t(1) << 20) ? num_threads() : 1;
  const int64_t chunk = 32;
  const int64_t tasks = (N + chunk - 1) / chunk;
  nt = (int)std::min<int64_t>(nt, tasks);
  std::atomic<int64_t> next{0};
  auto body = [&](int, int) {
    for (int64_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) {
      const int64_t n0 = t * chunk, n1 = std::min(N, n0 + chunk);
      for (int64_t m = 0; m < M; m += 4) rows(a, n0, n1, m, (int)std::min<int64_t>(4, M - m));
    }
  };
  if (nt <= 1) body(0, 1);
  else parallel_run(nt, body);
}

}  // namespace mlx::cpu
