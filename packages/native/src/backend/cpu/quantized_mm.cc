// Row-invariant quantized matmul for many rows (see quantized_mm.h and simd/qmm_inv.h): x's group sums and re-
// layout are formed exactly as the qmv path forms them, then threads take ranges of weight rows; each range runs
// the panel kernel of qmm_inv (AVX-512) or the qmv kernel itself over all rows in blocks of 4 (invariant by
// construction). For 4-bit weights with group size 32/64/128 (the qmv kernel that decodes nibbles in registers)
// the qmv kernel is the faster of the two at 9..64 rows (bench/serve/qmm.mjs: ~60 vs ~50 GFLOP per CPU-second on
// SmolLM2 shapes); for 8-bit and other layouts the panel kernel is (~35 vs ~25). MLX_QMM_INV_KERNEL=panel|qmv
// forces one.
#include "quantized_mm.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "../../engine/threadpool.h"
#include "cpu_features.h"
#include "simd/qmm_inv.h"

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

namespace {
// 0: automatic, 1: panel kernel wherever one exists, 2: qmv kernel always.
int kernel_choice() {
  static const int c = [] {
    const char* e = std::getenv("MLX_QMM_INV_KERNEL");
    if (!e) return 0;
    const std::string v(e);
    return v == "panel" ? 1 : v == "qmv" ? 2 : 0;
  }();
  return c;
}
}  // namespace

namespace qmm_inv {
int64_t panel_floats(int64_t np, int64_t K, int gs) {
  const int64_t nb = (K + 127) / 128, G = K / gs;
  return np * (nb * 128 + 16 * std::max(nb, G));
}
}  // namespace qmm_inv

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
  qmm_inv::RangeFn inv = nullptr;
#if defined(MLX_X86)
  if (best_isa() == Isa::avx512) inv = qmm_inv::range_avx512(bits, gs);
#endif
  const int choice = kernel_choice();
  // The blocked 4-bit qmv kernel (it has a prep step) decodes in registers faster than panels pay off.
  if (choice == 2 || (choice == 0 && prep)) inv = nullptr;
  // Panel rows: every x row passes over the panel (in L2) once, so more rows when x is large cut the traffic
  // of x from L3; few rows otherwise, so that both threads get several tasks.
  int nt = threads && M * N * K >= (int64_t(1) << 20) ? num_threads() : 1;
  const int64_t cap = std::max<int64_t>(16, ((int64_t(1) << 17) / K) / 16 * 16);        // panel <= ~512 KiB
  const int64_t share = ((N + 4 * nt - 1) / (4 * nt) + 15) / 16 * 16;                    // ~4 tasks a thread
  // Without a panel kernel, ranges of 32 weight rows (packed: a few KiB, in L1) while the x rows pass over them.
  const int64_t np = !inv ? 32 : M <= 32 ? 16 : std::max<int64_t>(16, std::min(cap, share));
  const int64_t chunk = np;
  const int64_t tasks = (N + chunk - 1) / chunk;
  nt = (int)std::min<int64_t>(nt, tasks);
  std::atomic<int64_t> next{0};
  auto body = [&](int, int) {
    AlignedFloats scratch(inv ? qmm_inv::panel_floats(np, K, gs) : 0);
    for (int64_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) {
      const int64_t n0 = t * chunk, n1 = std::min(N, n0 + chunk);
      if (inv) {
        inv(a, M, n0, n1, np, scratch.data);
      } else {
        for (int64_t m = 0; m < M; m += 4) rows(a, n0, n1, m, (int)std::min<int64_t>(4, M - m));
      }
    }
  };
  if (nt <= 1) body(0, 1);
  else parallel_run(nt, body);
}

}  // namespace mlx::cpu
