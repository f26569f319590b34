// SVD kernel: Householder QR first (A = Q R), then one-sided Jacobi (Hestenes) on the columns of
// the square R, kept as contiguous rows; U = Q [Ur 0; 0 I] gives MLX's full U.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "../../engine/backend.h"
#include "../../primitives/linalg.h"
#include "copy.h"
#include "gemm/gemm.h"
#include "linalg_impl.h"

namespace mlx::cpu::linalg {

namespace {

template <typename T> void rotate(T* x, T* y, int64_t n, T c, T s) {
  for (int64_t i = 0; i < n; i++) {
    const T a = x[i], b = y[i];
    x[i] = c * a - s * b;
    y[i] = s * a + c * b;
  }
}

template <typename T> T dot(const T* x, const T* y, int64_t n) {
  T acc = 0;
  for (int64_t i = 0; i < n; i++) acc += x[i] * y[i];
  return acc;
}

}  // namespace

template <typename T> void svd_jacobi(const T* a, int64_t M, int64_t N, T* u, T* s, T* vt) {
  const bool want = u != nullptr;
  if (M < N) {
    // A^T = U' S V'^T, so A = V' S U'^T.
    std::vector<T> at(N * M), u2(want ? N * N : 0), v2(want ? M * M : 0);
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) at[j * M + i] = a[i * N + j];
    svd_jacobi(at.data(), N, M, want ? u2.data() : nullptr, s, want ? v2.data() : nullptr);
    if (!want) return;
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < M; j++) u[i * M + j] = v2[j * M + i];
    for (int64_t i = 0; i < N; i++)
      for (int64_t j = 0; j < N; j++) vt[i * N + j] = u2[j * N + i];
    return;
  }
  if (N == 0) {
    if (want)
      for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < M; j++) u[i * M + j] = T(i == j);
    return;
  }
  std::vector<T> qt(want ? M * M : 0), r(N * N);
  householder_qr(a, M, N, true, want ? qt.data() : nullptr, r.data());
  std::vector<T> w(N * N), v(want ? N * N : 0, T(0)), nrm(N);
  for (int64_t i = 0; i < N; i++)
    for (int64_t j = i; j < N; j++) w[j * N + i] = r[i * N + j];
  if (want)
    for (int64_t i = 0; i < N; i++) v[i * N + i] = T(1);
  const T eps = std::numeric_limits<T>::epsilon();
  const T tol = eps * std::sqrt(T(N));
  for (int sweep = 0; sweep < 60; sweep++) {
    for (int64_t j = 0; j < N; j++) nrm[j] = dot(&w[j * N], &w[j * N], N);
    bool rotated = false;
    for (int64_t p = 0; p + 1 < N; p++) {
      T* wp = &w[p * N];
      for (int64_t q = p + 1; q < N; q++) {
        T* wq = &w[q * N];
        const T g = dot(wp, wq, N), ap = nrm[p], aq = nrm[q];
        if (g == T(0) || std::abs(g) <= tol * std::sqrt(ap * aq)) continue;
        rotated = true;
        const T zeta = (aq - ap) / (2 * g);
        const T t = (zeta >= 0 ? T(1) : T(-1)) / (std::abs(zeta) + std::sqrt(T(1) + zeta * zeta));
        const T c = T(1) / std::sqrt(T(1) + t * t), sn = c * t;
        rotate(wp, wq, N, c, sn);
        if (want) rotate(&v[p * N], &v[q * N], N, c, sn);
        nrm[p] = ap - t * g;
        nrm[q] = aq + t * g;
      }
    }
    if (!rotated) break;
  }
  std::vector<T> sig(N);
  for (int64_t j = 0; j < N; j++) sig[j] = std::sqrt(dot(&w[j * N], &w[j * N], N));
  std::vector<int64_t> order(N);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return sig[x] > sig[y]; });
  for (int64_t k = 0; k < N; k++) s[k] = sig[order[k]];
  if (!want) return;
  // Left vectors of R as rows; columns of zero singular value are completed to an orthonormal basis.
  std::vector<T> ur(N * N);
  std::vector<bool> good(N);
  const T small = s[0] * eps * T(N);
  for (int64_t k = 0; k < N; k++) {
    const T sg = s[k];
    good[k] = sg > small && sg > T(0);
    for (int64_t i = 0; i < N; i++) ur[k * N + i] = good[k] ? w[order[k] * N + i] / sg : T(0);
  }
  for (int64_t k = 0, e = 0; k < N; k++) {
    if (good[k]) continue;
    for (; e < N; e++) {
      T* x = &ur[k * N];
      std::fill(x, x + N, T(0));
      x[e] = T(1);
      for (int pass = 0; pass < 2; pass++)
        for (int64_t j = 0; j < N; j++)
          if (j != k && (good[j] || j < k)) {
            const T d = dot(x, &ur[j * N], N);
            for (int64_t i = 0; i < N; i++) x[i] -= d * ur[j * N + i];
          }
      const T nx = std::sqrt(dot(x, x, N));
      if (nx > T(0.5)) {
        for (int64_t i = 0; i < N; i++) x[i] /= nx;
        e++;
        break;
      }
    }
  }
  for (int64_t k = 0; k < N; k++) std::copy(&v[order[k] * N], &v[order[k] * N] + N, vt + k * N);
  // U^T rows: first N = Ur^T Q[:, :N]^T, the rest are Q's trailing columns.
  std::vector<T> ut(M * M);
  gemm(std::is_same_v<T, float> ? Dtype::float32 : Dtype::float64, N, M, N, 1.0f, ur.data(), N, 1, qt.data(), M, 1,
       0.0f, ut.data(), M, false);
  std::copy(qt.begin() + N * M, qt.end(), ut.begin() + N * M);
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < M; j++) u[i * M + j] = ut[j * M + i];
}

template void svd_jacobi<float>(const float*, int64_t, int64_t, float*, float*, float*);
template void svd_jacobi<double>(const double*, int64_t, int64_t, double*, double*, double*);

namespace {

void svd_kernel(const Primitive& prim, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  const bool uv = static_cast<const SVD&>(prim).compute_uv();
  Array a = contiguous(inputs[0]);
  for (auto& o : outputs) o.allocate();
  const int64_t M = a.shape(-2), N = a.shape(-1), K = std::min(M, N), B = batch_count(a);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* src = a.data<T>();
    for_batches(B, 8 * M * N * K + 1, [&](int64_t b) {
      if (uv)
        svd_jacobi(src + b * M * N, M, N, outputs[0].data<T>() + b * M * M, outputs[1].data<T>() + b * K,
                   outputs[2].data<T>() + b * N * N);
      else
        svd_jacobi<T>(src + b * M * N, M, N, nullptr, outputs[0].data<T>() + b * K, nullptr);
    });
  };
  if (a.dtype() == Dtype::float64) run(double{});
  else run(float{});
}

}  // namespace

}  // namespace mlx::cpu::linalg

namespace mlx {
MLX_REGISTER_KERNEL(cpu, SVD, cpu::linalg::svd_kernel);
}
