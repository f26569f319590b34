// CPU kernel for PagedAttention (ops/paged_attention.h). A work unit is (run of at most qb consecutive queries of
// one sequence, kv head); its rows are those queries for every query head sharing the kv head. Keys stream in
// blocks of kFastBK from position 0 (blocks wholly before every row's window are skipped): the K^T tile and the V
// tile are gathered from the pools through the sequence's slot row, then the same tile kernels as the
// scaledDotProductAttention kernel (fast_isa.h: qk, online softmax, pv). Every row's arithmetic depends only on
// its own query and keys, never on which rows share its unit or the call, and keys are never split across
// threads, so a query gets bit-identical results however the batch is composed.
#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../../engine/backend.h"
#include "../../engine/threadpool.h"
#include "../../primitives/paged_attention.h"
#include "fast_isa.h"

namespace mlx::cpu {

namespace {

constexpr int BK = kFastBK;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct Unit {
  int64_t q0;   // first query (flat index)
  int64_t qn;   // queries
  int64_t hk;   // kv head
};

void paged_attention_kernel(const Primitive& prim, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& P = static_cast<const PagedAttention&>(prim);
  const Array &q = in[0], &kp = in[1], &vp = in[2], &table = in[3], &qseq = in[4], &qend = in[5];
  Array& o = out[0];
  o.allocate();
  if (o.size() == 0) return;
  const int64_t N = q.shape(0), Hq = q.shape(1), D = q.shape(2);
  const int64_t S = kp.shape(0), Hkv = kp.shape(1), Dv = vp.shape(2);
  const int64_t T = table.shape(0), L = table.shape(1);
  const int64_t rep = Hq / Hkv;
  const int window = P.window();
  const float scale = P.scale();
  // Inputs may be strided views: read them through their strides.
  const float* qd = q.data<float>();
  const float* kd = kp.data<float>();
  const float* vd = vp.data<float>();
  const int32_t* td = table.data<int32_t>();
  const int32_t* sd = qseq.data<int32_t>();
  const int32_t* ed = qend.data<int32_t>();
  const Strides &qs = q.strides(), &ks = kp.strides(), &vs = vp.strides(), &ts = table.strides();
  const int64_t ss = qseq.strides()[0], es = qend.strides()[0];
  auto seq_of = [&](int64_t i) { return (int64_t)sd[i * ss]; };
  auto end_of = [&](int64_t i) { return (int64_t)ed[i * es]; };
  auto start_of = [&](int64_t i) { return window > 0 ? std::max<int64_t>(0, end_of(i) - window) : int64_t(0); };
  // Validate indices before touching the pools.
  for (int64_t i = 0; i < N; i++) {
    const int64_t t = seq_of(i), e = end_of(i);
    if (t < 0 || t >= T)
      throw_error(ErrorCode::index, "[paged_attention] querySeq[" + std::to_string(i) + "] = " + std::to_string(t) + " is outside the slot table's " + std::to_string(T) + " rows.");
    if (e < 1 || e > L)
      throw_error(ErrorCode::index, "[paged_attention] queryEnd[" + std::to_string(i) + "] = " + std::to_string(e) + " must be in [1, " + std::to_string(L) + "].");
    for (int64_t j = start_of(i); j < e; j++) {
      const int64_t slot = td[t * ts[0] + j * ts[1]];
      if (slot < 0 || slot >= S)
        throw_error(ErrorCode::index, "[paged_attention] slotTable[" + std::to_string(t) + ", " + std::to_string(j) + "] = " + std::to_string(slot) + " is outside the pools' " + std::to_string(S) + " slots.");
    }
  }
  const FastKernels& K = fast_kernels();
  const int dvp = (int)((Dv + K.vw - 1) / K.vw * K.vw);
  const int64_t qb = std::max<int64_t>(1, 64 / rep);
  std::vector<Unit> units;
  for (int64_t i = 0; i < N;) {
    int64_t j = i + 1;
    while (j < N && j - i < qb && seq_of(j) == seq_of(i)) j++;
    for (int64_t hk = 0; hk < Hkv; hk++) units.push_back({i, j - i, hk});
    i = j;
  }
  const int rows_max = (int)(rep * qb);
  float* od = o.data<float>();

  auto run_unit = [&](const Unit& u, std::vector<float>& Q, std::vector<float>& O, std::vector<float>& Sc,
                      std::vector<float>& Kt, std::vector<float>& Vb, std::vector<float>& m, std::vector<float>& l,
                      std::vector<float>& alpha) {
    const int64_t qn = u.qn;
    const int rows = (int)(rep * qn);
    const int64_t t = seq_of(u.q0);
    const int32_t* slots = td + t * ts[0];
    int64_t lo = INT64_MAX, hi = 0;
    for (int64_t i = 0; i < qn; i++) lo = std::min(lo, start_of(u.q0 + i)), hi = std::max(hi, end_of(u.q0 + i));
    // Row r = g * qn + i: query head hk * rep + g of query q0 + i (as the SDPA kernel orders them).
    for (int64_t g = 0; g < rep; g++)
      for (int64_t i = 0; i < qn; i++) {
        const float* p = qd + (u.q0 + i) * qs[0] + (u.hk * rep + g) * qs[1];
        float* d = Q.data() + (g * qn + i) * D;
        for (int64_t c = 0; c < D; c++) d[c] = p[c * qs[2]] * scale;
      }
    std::fill(O.begin(), O.begin() + (size_t)rows * dvp, 0.0f);
    std::fill(m.begin(), m.begin() + rows, kNegInf);
    std::fill(l.begin(), l.begin() + rows, 0.0f);
    for (int64_t j0 = lo / BK * BK; j0 < hi; j0 += BK) {
      const int nk = (int)std::min<int64_t>(BK, hi - j0);
      for (int j = 0; j < nk; j++) {
        const int64_t slot = slots[(j0 + j) * ts[1]];
        const float* kr = kd + slot * ks[0] + u.hk * ks[1];
        for (int64_t c = 0; c < D; c++) Kt[c * BK + j] = kr[c * ks[2]];
        const float* vr = vd + slot * vs[0] + u.hk * vs[1];
        float* dv = Vb.data() + (size_t)j * dvp;
        for (int64_t c = 0; c < Dv; c++) dv[c] = vr[c * vs[2]];
      }
      float* sc = Sc.data();
      K.qk(Q.data(), D, rows, Kt.data(), (int)D, sc);
      for (int r = 0; r < rows; r++) {
        float* sr = sc + r * BK;
        for (int j = nk; j < BK; j++) sr[j] = kNegInf;
        // Keys outside the row's [start, end): the lowest float, as the SDPA kernel's causal mask.
        const int64_t i = u.q0 + r % qn, s0 = start_of(i) - j0, e0 = end_of(i) - j0;
        for (int j = 0; j < nk; j++)
          if (j < s0 || j >= e0) sr[j] = -FLT_MAX;
      }
      K.softmax_step(sc, rows, m.data(), l.data(), alpha.data());
      K.pv(sc, rows, nk, Vb.data(), dvp, dvp, O.data(), dvp, alpha.data());
    }
    for (int r = 0; r < rows; r++) {
      const int64_t g = r / qn, i = u.q0 + r % qn;
      const float inv = 1.0f / l[r];
      float* dst = od + (i * Hq + u.hk * rep + g) * Dv;
      const float* src = O.data() + (size_t)r * dvp;
      for (int64_t c = 0; c < Dv; c++) dst[c] = src[c] * inv;
    }
  };

  const int64_t nu = (int64_t)units.size();
  double work = 0;
  for (const Unit& u : units) work += (double)u.qn * rep * end_of(u.q0 + u.qn - 1) * (D + Dv);
  const int nt = num_threads();
  const bool threaded = nt > 1 && nu > 1 && work > (1 << 18);
  std::atomic<int64_t> next{0};
  auto worker = [&](int, int) {
    std::vector<float> Q((size_t)rows_max * D), O((size_t)rows_max * dvp), Sc((size_t)rows_max * BK);
    std::vector<float> Kt((size_t)D * BK, 0.0f), Vb((size_t)BK * dvp, 0.0f), m(rows_max), l(rows_max), alpha(rows_max);
    for (int64_t x; (x = next.fetch_add(1, std::memory_order_relaxed)) < nu;) run_unit(units[x], Q, O, Sc, Kt, Vb, m, l, alpha);
  };
  if (threaded) parallel_run((int)std::min<int64_t>(nt, nu), worker);
  else worker(0, 1);
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, PagedAttention, paged_attention_kernel);

}  // namespace mlx::cpu
