// CPU kernel for ScaledDotProductAttention: flash-style. A work unit is (batch, kv head, block of
// queries, range of keys); its rows are the queries of every query head sharing that kv head
// (grouped-query attention reads each K/V tile once for all of them). Keys stream in blocks of
// kFastBK: S = (scale Q) K^T on a register-tiled SIMD kernel, masking, an online softmax (running
// max / sum, rescaled accumulators), O += P V. The L x L scores never exist. Causal units stop at
// the last block any of their rows can see. When there are few units (decode: one query), the
// keys are split across threads and the partial results merged (flash-decoding).
#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

#include "../../engine/backend.h"
#include "../../engine/dispatch.h"
#include "../../engine/threadpool.h"
#include "../../primitives/fast.h"
#include "attention_blocked.h"
#include "attention_rows.h"
#include "fast_isa.h"

namespace mlx::cpu {

namespace {

using Mask = ScaledDotProductAttention::Mask;
constexpr int BK = kFastBK;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct Shapes {
  int64_t B, Hq, Hkv, Lq, Lk, D, Dv, rep;
  int64_t qb, nqb, nsplit, nblk;
  int rows_max;
  int dvp;  // Dv padded to the vector width
};

template <typename T> struct Attn {
  const Shapes& S;
  const FastKernels& K;
  const T *q, *k, *v, *sinks;
  const void* mask;
  Strides qs, ks, vs, ms;
  Mask mk;
  float scale;
  T* out;
  bool v_direct;  // V tiles read in place (float32, unit stride, Dv a multiple of the vector width)
  bool k_direct;  // K tiles transposed with SIMD (float32, unit stride along D)
  const uint8_t* live = nullptr;  // boolean mask: per key block, whether any query may see a key in it

  struct Scratch {
    std::vector<float> Q, O, Sc, Kt, Vb, m, l, alpha;
    Scratch(const Shapes& S) {
      Q.resize((size_t)S.rows_max * S.D);
      O.resize((size_t)S.rows_max * S.dvp);
      Sc.resize((size_t)S.rows_max * BK);
      Kt.assign((size_t)S.D * BK, 0.0f);
      Vb.assign((size_t)BK * S.dvp, 0.0f);
      m.resize(S.rows_max);
      l.resize(S.rows_max);
      alpha.resize(S.rows_max);
    }
  };

  // Runs unit (b, hk, qblock, split); writes the output directly (nsplit == 1) or the partial
  // (O, m, l) at `part` (rows x dvp floats, then m, then l).
  void unit(int64_t b, int64_t hk, int64_t qbi, int64_t sp, Scratch& w, float* part) const {
    int64_t q0 = qbi * S.qb, qn = std::min(S.qb, S.Lq - q0);
    int rows = (int)(S.rep * qn);
    // Pack scale * Q.
    for (int64_t g = 0; g < S.rep; g++) {
      int64_t h = hk * S.rep + g;
      for (int64_t i = 0; i < qn; i++) {
        const T* p = q + b * qs[0] + h * qs[1] + (q0 + i) * qs[2];
        float* d = w.Q.data() + (g * qn + i) * S.D;
        for (int64_t c = 0; c < S.D; c++) d[c] = (float)p[c * qs[3]] * scale;
      }
    }
    std::fill(w.O.begin(), w.O.begin() + (size_t)rows * S.dvp, 0.0f);
    std::fill(w.m.begin(), w.m.begin() + rows, kNegInf);
    std::fill(w.l.begin(), w.l.begin() + rows, 0.0f);
    int64_t blk0 = sp * S.nblk / S.nsplit, blk1 = (sp + 1) * S.nblk / S.nsplit;
    int64_t coff = S.Lk - S.Lq;  // causal: query i sees keys j <= i + coff
    if (mk == Mask::causal && q0 + coff >= 0) blk1 = std::min(blk1, (q0 + qn - 1 + coff) / BK + 1);
    for (int64_t kb = blk0; kb < blk1; kb++) {
      if (live && !live[kb]) continue;  // every score of the block is masked: it adds nothing
      int64_t j0 = kb * BK;
      int nk = (int)std::min<int64_t>(BK, S.Lk - j0);
      // K^T tile.
      const T* kp = k + b * ks[0] + hk * ks[1] + j0 * ks[2];
      if (k_direct) {
        K.pack_kt((const float*)kp, ks[2], nk, (int)S.D, w.Kt.data());
      } else {
        for (int j = 0; j < nk; j++) {
          const T* kr = kp + j * ks[2];
          for (int64_t c = 0; c < S.D; c++) w.Kt[c * BK + j] = (float)kr[c * ks[3]];
        }
      }
      float* Sc = w.Sc.data();
      K.qk(w.Q.data(), S.D, rows, w.Kt.data(), (int)S.D, Sc);
      for (int r = 0; r < rows; r++) {
        float* sr = Sc + r * BK;
        for (int j = nk; j < BK; j++) sr[j] = kNegInf;
        if (mk == Mask::none) continue;
        int64_t g = r / qn, i = q0 + r % qn, h = hk * S.rep + g;
        if (mk == Mask::causal) {
          // Masked scores are the lowest float (MLX's where(mask, s, finfo.min)).
          for (int64_t j = std::max<int64_t>(0, i + coff + 1 - j0); j < nk; j++) sr[j] = -FLT_MAX;
        } else if (mk == Mask::boolean) {
          const bool* mp = (const bool*)mask + b * ms[0] + h * ms[1] + i * ms[2] + j0 * ms[3];
          for (int j = 0; j < nk; j++)
            if (!mp[j * ms[3]]) sr[j] = -FLT_MAX;
        } else {
          const T* mp = (const T*)mask + b * ms[0] + h * ms[1] + i * ms[2] + j0 * ms[3];
          for (int j = 0; j < nk; j++) sr[j] += (float)mp[j * ms[3]];
        }
      }
      K.softmax_step(Sc, rows, w.m.data(), w.l.data(), w.alpha.data());
      const float* Vp;
      int64_t ldv;
      const T* vp = v + b * vs[0] + hk * vs[1] + j0 * vs[2];
      if (v_direct) {
        Vp = (const float*)vp;
        ldv = vs[2];
      } else {
        for (int j = 0; j < nk; j++) {
          const T* vr = vp + j * vs[2];
          float* d = w.Vb.data() + (size_t)j * S.dvp;
          for (int64_t c = 0; c < S.Dv; c++) d[c] = (float)vr[c * vs[3]];
        }
        Vp = w.Vb.data();
        ldv = S.dvp;
      }
      K.pv(Sc, rows, nk, Vp, ldv, S.dvp, w.O.data(), S.dvp, w.alpha.data());
    }
    if (part) {
      std::memcpy(part, w.O.data(), sizeof(float) * rows * S.dvp);
      std::memcpy(part + (size_t)S.rows_max * S.dvp, w.m.data(), sizeof(float) * rows);
      std::memcpy(part + (size_t)S.rows_max * (S.dvp + 1), w.l.data(), sizeof(float) * rows);
      return;
    }
    for (int r = 0; r < rows; r++) {
      int64_t g = r / qn, i = q0 + r % qn;
      finish(b, hk * S.rep + g, i, w.O.data() + (size_t)r * S.dvp, 1.0f, w.l[r], w.m[r]);
    }
  }

  // out = O * f / (l + exp(sink - m)) with f the weight of O (partials are pre-weighted).
  void finish(int64_t b, int64_t h, int64_t i, const float* O, float f, float l, float m) const {
    float denom = l;
    if (sinks) {
      float sk = (float)sinks[h];
      float M = std::max(m, sk);
      float a = m == kNegInf ? 0.0f : std::exp(m - M);
      f *= a;
      denom = l * a + std::exp(sk - M);
    }
    float inv = f / denom;
    T* o = out + ((b * S.Hq + h) * S.Lq + i) * S.Dv;
    for (int64_t c = 0; c < S.Dv; c++) o[c] = T(O[c] * inv);
  }

  // Merges the nsplit partials of base unit (b, hk, qbi).
  void merge(int64_t b, int64_t hk, int64_t qbi, const float* parts, size_t part_size) const {
    int64_t q0 = qbi * S.qb, qn = std::min(S.qb, S.Lq - q0);
    int rows = (int)(S.rep * qn);
    std::vector<float> acc(S.dvp);
    for (int r = 0; r < rows; r++) {
      float M = kNegInf;
      for (int64_t sp = 0; sp < S.nsplit; sp++) M = std::max(M, parts[sp * part_size + (size_t)S.rows_max * S.dvp + r]);
      std::fill(acc.begin(), acc.end(), 0.0f);
      float L = 0;
      for (int64_t sp = 0; sp < S.nsplit; sp++) {
        const float* p = parts + sp * part_size;
        float ms = p[(size_t)S.rows_max * S.dvp + r], ls = p[(size_t)S.rows_max * (S.dvp + 1) + r];
        if (ms == kNegInf && M != kNegInf) continue;
        float f = M == kNegInf ? 1.0f : std::exp(ms - M);
        L += f * ls;
        for (int c = 0; c < S.dvp; c++) acc[c] += f * p[(size_t)r * S.dvp + c];
      }
      int64_t g = r / qn, i = q0 + r % qn;
      finish(b, hk * S.rep + g, i, acc.data(), 1.0f, L, M);
    }
  }
};

void sdpa_kernel(const Primitive& prim, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  auto& P = static_cast<const ScaledDotProductAttention&>(prim);
  const Array &q = inputs[0], &k = inputs[1], &v = inputs[2];
  Array& out = outputs[0];
  out.allocate();
  if (out.size() == 0) return;
  const FastKernels& K = fast_kernels();
  Shapes S;
  S.B = q.shape(0); S.Hq = q.shape(1); S.Lq = q.shape(2); S.D = q.shape(3);
  S.Hkv = k.shape(1); S.Lk = k.shape(2); S.Dv = v.shape(3);
  S.rep = S.Hq / S.Hkv;
  S.dvp = (int)((S.Dv + K.vw - 1) / K.vw * K.vw);
  S.qb = std::min<int64_t>(S.Lq, std::max<int64_t>(1, 64 / S.rep));
  S.nqb = (S.Lq + S.qb - 1) / S.qb;
  S.rows_max = (int)(S.rep * S.qb);
  S.nblk = (S.Lk + BK - 1) / BK;
#if defined(MLX_X86)
  // Long non-causal float32 attention (vision / audio encoders) without sinks: whole score rows of 6 queries at a
  // time (attention_rows.h), or, opt-in, per-block GEMMs (attention_blocked.h), instead of the online-softmax tiles.
  const bool rows = sdpa_rows_available(S.Lq, S.Lk, S.D, S.Dv, q.strides()[3], k.strides()[3], v.strides()[3]);
  if (out.dtype() == Dtype::float32 && !P.has_sinks() && (rows || sdpa_blocked_available(S.Lq, S.Lk, S.D, S.Dv)) &&
      q.dtype() == Dtype::float32 && k.dtype() == Dtype::float32 && v.dtype() == Dtype::float32) {
    const bool* key_mask = nullptr;
    int64_t mb = 0, mj = 0;
    bool ok = P.mask() == Mask::none;
    if (P.mask() == Mask::boolean && inputs[3].ndim() == 4) {  // keys only: the same for every head and query
      const Array& m = inputs[3];
      const Strides& st = m.strides();
      ok = (m.shape(1) == 1 || st[1] == 0) && (m.shape(2) == 1 || st[2] == 0);
      key_mask = m.data<bool>();
      mb = m.shape(0) == 1 ? 0 : st[0];
      mj = m.shape(3) == 1 ? 0 : st[3];
    }
    if (ok) {
      BlockedAttnArgs a{S.B, S.Hq, S.Hkv, S.Lq, S.Lk, S.D, S.Dv, q.data<float>(), k.data<float>(), v.data<float>(),
                        q.strides().data(), k.strides().data(), v.strides().data(), key_mask, mb, mj, P.scale(),
                        out.data<float>()};
      if (rows) sdpa_rows_f32(a);
      else sdpa_blocked_f32(a);
      return;
    }
  }
#endif
  int nt = num_threads();
  int64_t base_units = S.B * S.Hkv * S.nqb;
  // Boolean masks: key blocks that no query sees are skipped (a decode step over a fixed-size cache buffer
  // masks the unused tail). Only when every query row sees some key: a fully masked row keeps MLX's
  // average over all keys, so it needs every block.
  std::vector<uint8_t> live;
  int64_t live_blocks = S.nblk;
  if (P.mask() == Mask::boolean && S.nblk > 1) {
    const Array& m = inputs[3];
    const Strides& st = m.strides();
    const bool* mp = m.data<bool>();
    // The mask is broadcast to [B, Hq, Lq, Lk]: a stride-0 axis is scanned once.
    const int64_t sB = st[0], sH = st[1], sQ = st[2], sK = st[3];
    const int64_t mB = sB ? S.B : 1, mH = sH ? S.Hq : 1, mQ = sQ ? S.Lq : 1;
    live.assign(S.nblk, 0);
    bool rows_ok = true;
    for (int64_t b = 0; b < mB && rows_ok; b++)
      for (int64_t h = 0; h < mH && rows_ok; h++)
        for (int64_t i = 0; i < mQ && rows_ok; i++) {
          const bool* row = mp + b * sB + h * sH + i * sQ;
          bool any = false;
          for (int64_t j = 0; j < S.Lk; j++)
            if (row[j * sK]) any = true, live[j / BK] = 1;
          rows_ok = any;
        }
    if (rows_ok) {
      live_blocks = 0;
      for (auto l : live) live_blocks += l;
    } else {
      live.clear();
    }
  }
  double work = (double)S.B * S.Hq * S.Lq * S.Lk * (S.D + S.Dv) * live_blocks / std::max<int64_t>(S.nblk, 1);
  bool threaded = nt > 1 && work > (1 << 18);
  S.nsplit = 1;
  if (threaded && base_units < 4 * nt)  // split keys so every thread has work (at least 4 blocks each)
    S.nsplit = std::max<int64_t>(1, std::min<int64_t>((8 * nt + base_units - 1) / base_units, S.nblk / 4));
  int64_t units = base_units * S.nsplit;
  size_t part_size = (size_t)S.rows_max * (S.dvp + 2);
  std::vector<float> parts(S.nsplit > 1 ? units * part_size : 0);
  int mi = P.mask() == Mask::boolean || P.mask() == Mask::additive ? 3 : -1;
  int si = P.has_sinks() ? (mi >= 0 ? 4 : 3) : -1;

  dispatch_float(out.dtype(), "scaled_dot_product_attention", [&](auto tag) {
    using T = typename decltype(tag)::type;
    Attn<T> A{S, K, q.data<T>(), k.data<T>(), v.data<T>(), si >= 0 ? inputs[si].data<T>() : nullptr,
              mi >= 0 ? inputs[mi].raw_data() : nullptr, q.strides(), k.strides(), v.strides(),
              mi >= 0 ? inputs[mi].strides() : Strides(4, 0), P.mask(), P.scale(), out.data<T>(), false, false};
    A.k_direct = std::is_same_v<T, float> && k.strides()[3] == 1;
    A.v_direct = std::is_same_v<T, float> && v.strides()[3] == 1 && S.Dv == S.dvp;
    A.live = live.empty() ? nullptr : live.data();
    if (S.Lk == 0) {  // no keys: an empty sum (sinks alone give zero too)
      std::fill(out.data<T>(), out.data<T>() + out.size(), T(0.0f));
      return;
    }
    // Unit order: causal units with late queries (more keys) first, for dynamic balancing.
    auto decode = [&](int64_t u, int64_t& b, int64_t& hk, int64_t& qbi, int64_t& sp) {
      sp = u % S.nsplit;
      int64_t r = u / S.nsplit;
      qbi = S.nqb - 1 - r % S.nqb;
      r /= S.nqb;
      hk = r % S.Hkv;
      b = r / S.Hkv;
    };
    std::atomic<int64_t> next{0};
    auto worker = [&](int, int) {
      typename Attn<T>::Scratch w(S);
      for (int64_t u; (u = next.fetch_add(1)) < units;) {
        int64_t b, hk, qbi, sp;
        decode(u, b, hk, qbi, sp);
        A.unit(b, hk, qbi, sp, w, S.nsplit > 1 ? parts.data() + u * part_size : nullptr);
      }
    };
    if (threaded) parallel_run(std::min<int64_t>(nt, units), worker);
    else worker(0, 1);
    if (S.nsplit > 1) {
      parallel_for(base_units, 1, [&](int64_t u0, int64_t u1) {
        for (int64_t bu = u0; bu < u1; bu++) {
          int64_t b, hk, qbi, sp;
          decode(bu * S.nsplit, b, hk, qbi, sp);
          A.merge(b, hk, qbi, parts.data() + bu * S.nsplit * part_size, part_size);
        }
      });
    }
  });
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, ScaledDotProductAttention, sdpa_kernel);

}  // namespace mlx::cpu
