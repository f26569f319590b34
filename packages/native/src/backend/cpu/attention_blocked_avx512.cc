// See attention_blocked.h. Compiled with AVX-512 flags (the column softmax is 16-wide vector code); called only
// when best_isa() is avx512.
#if defined(MLX_X86)
#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "../../engine/threadpool.h"
#include "attention_blocked.h"
#include "cpu_features.h"
#include "gemm/gemm.h"

namespace mlx::cpu {
namespace blocked_attn {
#include "simd/reduce_simd.h"
}  // namespace blocked_attn

namespace {

using blocked_attn::rsimd::exp_v;
using blocked_attn::rsimd::load;
using blocked_attn::rsimd::splat;
using blocked_attn::rsimd::store;
using vf = blocked_attn::rsimd::vf;
constexpr int W = 16;

// Query block width: a multiple of the vector width, Sᵀ (Lk x qb floats) kept around 1 MB (in L2).
int64_t query_block(int64_t Lq, int64_t Lk) {
  int64_t cap = std::clamp<int64_t>((int64_t(1) << 18) / std::max<int64_t>(Lk, 1) / W * W, 2 * W, 192);
  int64_t nb = (Lq + cap - 1) / cap;
  int64_t qb = (Lq + nb - 1) / nb;
  return std::min((qb + W - 1) / W * W, cap);
}

// In place over St [Lk x ld] (columns = queries, n of them valid): each column becomes exp(s - max); l = sums.
void column_softmax(float* St, int64_t Lk, int64_t ld, int64_t n, float* l) {
  const int64_t nv = (n + W - 1) / W;  // ld is a multiple of W, so the padded lanes are in bounds
  vf m[256 / W];
  for (int64_t c = 0; c < nv; c++) m[c] = splat(-std::numeric_limits<float>::infinity());
  for (int64_t j = 0; j < Lk; j++) {
    const float* r = St + j * ld;
    for (int64_t c = 0; c < nv; c++) { vf x = load(r + c * W); m[c] = x > m[c] ? x : m[c]; }
  }
  vf s[256 / W];
  for (int64_t c = 0; c < nv; c++) s[c] = vf{};
  for (int64_t j = 0; j < Lk; j++) {
    float* r = St + j * ld;
    for (int64_t c = 0; c < nv; c++) { vf e = exp_v(load(r + c * W) - m[c]); store(r + c * W, e); s[c] += e; }
  }
  for (int64_t c = 0; c < nv; c++) {
    float t[W];
    store(t, s[c]);
    for (int i = 0; i < W && c * W + i < n; i++) l[c * W + i] = t[i];
  }
}

}  // namespace

bool sdpa_blocked_available(int64_t Lq, int64_t Lk, int64_t D, int64_t Dv) {
  static const bool isa = best_isa() == Isa::avx512;
  // Opt-in ("1"): 12-20 % less CPU time in isolation, but inside full SigLIP encodes on the idle 2-core VM the
  // tiled kernel was ~16 % faster in two interleaved runs (bench/vlm, 2026-11-26 07:51 and 07:53). The row-group
  // kernel (attention_rows.h) takes precedence where it applies; MLX_SDPA_ROWS=0 gives these shapes back.
  const char* e = std::getenv("MLX_SDPA_BLOCKED");
  return isa && (e && e[0] == '1') && Lq >= 64 && Lk >= 128 && D >= 16 && D <= 256 && Dv >= 16 && Dv <= 512;
}

void sdpa_blocked_f32(const BlockedAttnArgs& a) {
  const int64_t qb = query_block(a.Lq, a.Lk), nqb = (a.Lq + qb - 1) / qb, rep = a.Hq / a.Hkv;
  const int64_t units = a.B * a.Hq * nqb;
  std::atomic<int64_t> next{0};
  auto worker = [&](int, int) {
    std::vector<float> St((size_t)(a.Lk * qb)), Ot((size_t)(a.Dv * qb)), l((size_t)qb);
    for (int64_t u; (u = next.fetch_add(1, std::memory_order_relaxed)) < units;) {
      const int64_t qi = u % nqb, h = (u / nqb) % a.Hq, b = u / (nqb * a.Hq), hk = h / rep;
      const int64_t q0 = qi * qb, qn = std::min(qb, a.Lq - q0);
      const float* Q = a.q + b * a.qs[0] + h * a.qs[1] + q0 * a.qs[2];
      const float* K = a.k + b * a.ks[0] + hk * a.ks[1];
      const float* V = a.v + b * a.vs[0] + hk * a.vs[1];
      // Sᵀ[j, i] = scale * sum_d K[j, d] Q[i, d]; padded columns (i >= qn) are never read back.
      gemm(Dtype::float32, a.Lk, qn, a.D, a.scale, K, a.ks[2], a.ks[3], Q, a.qs[3], a.qs[2], 0.0f, St.data(), qb, false);
      if (a.key_mask) {
        const bool* mk = a.key_mask + b * a.mb;
        for (int64_t j = 0; j < a.Lk; j++)
          if (!mk[j * a.mj]) std::fill(St.data() + j * qb, St.data() + j * qb + qn, -FLT_MAX);
      }
      if (qn < qb)
        for (int64_t j = 0; j < a.Lk; j++) std::fill(St.data() + j * qb + qn, St.data() + (j + 1) * qb, 0.0f);
      column_softmax(St.data(), a.Lk, qb, qn, l.data());
      // Oᵀ = Vᵀ · P: P is the GEMM's B operand, whose rows pack with plain copies (as the A operand it would be
      // transposed while packing, the dominant cost at Dv = 64).
      gemm(Dtype::float32, a.Dv, qn, a.Lk, 1.0f, V, a.vs[3], a.vs[2], St.data(), qb, 1, 0.0f, Ot.data(), qb, false);
      float* O = a.out + ((b * a.Hq + h) * a.Lq + q0) * a.Dv;
      for (int64_t i = 0; i < qn; i++) l[i] = 1.0f / l[i];
      for (int64_t i = 0; i < qn; i++)
        for (int64_t c = 0; c < a.Dv; c++) O[i * a.Dv + c] = Ot[c * qb + i] * l[i];
    }
  };
  const int nt = (int)std::min<int64_t>(num_threads(), units);
  if (nt > 1) parallel_run(nt, worker);
  else worker(0, 1);
}

}  // namespace mlx::cpu
#endif
