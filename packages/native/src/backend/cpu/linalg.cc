// CPU kernels of the LU, inverse, Cholesky and QR primitives (own implementations: blocked
// right-looking LU whose trailing updates go through the packed GEMM, row-oriented triangular
// inversion, Householder QR on the transposed matrix so every reflector touches contiguous rows).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "../../engine/backend.h"
#include "../../engine/errors.h"
#include "../../engine/threadpool.h"
#include "../../primitives/linalg.h"
#include "copy.h"
#include "gemm/gemm.h"
#include "linalg_impl.h"

namespace mlx::cpu::linalg {

template <typename T> constexpr Dtype dtype_of() { return std::is_same_v<T, float> ? Dtype::float32 : Dtype::float64; }

void for_batches(int64_t B, int64_t work_per, const std::function<void(int64_t)>& fn) {
  if (B <= 1 || B * work_per < (1 << 15)) {
    for (int64_t b = 0; b < B; b++) fn(b);
    return;
  }
  int64_t grain = std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(work_per, 1));
  parallel_for(B, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) fn(b);
  });
}

int64_t batch_count(const Array& a) {
  int64_t B = 1;
  for (int d = 0; d + 2 < a.ndim(); d++) B *= a.shape(d);
  return B;
}

template <typename T> int64_t lu_inplace(T* a, int64_t M, int64_t N, int64_t lda, int32_t* ipiv, bool threads) {
  const int64_t K = std::min(M, N);
  // Small matrices: one panel (unblocked). Large: panels of nb columns, trailing update by GEMM.
  const int64_t nb = K >= 96 ? 48 : std::max<int64_t>(K, 1);
  int64_t info = 0;
  for (int64_t k0 = 0; k0 < K; k0 += nb) {
    const int64_t ke = std::min(K, k0 + nb), kb = ke - k0;
    for (int64_t k = k0; k < ke; k++) {
      int64_t p = k;
      T best = std::abs(a[k * lda + k]);
      for (int64_t i = k + 1; i < M; i++) {
        T v = std::abs(a[i * lda + k]);
        if (v > best) best = v, p = i;
      }
      ipiv[k] = (int32_t)p;
      if (p != k) std::swap_ranges(a + k * lda, a + k * lda + N, a + p * lda);
      const T piv = a[k * lda + k];
      if (piv == T(0)) {
        if (!info) info = k + 1;
        continue;
      }
      const T inv = T(1) / piv;
      const T* rk = a + k * lda;
      for (int64_t i = k + 1; i < M; i++) {
        T* ri = a + i * lda;
        const T l = ri[k] *= inv;
        if (l != T(0))
          for (int64_t j = k + 1; j < ke; j++) ri[j] -= l * rk[j];
      }
    }
    if (ke < N) {
      // U12 = L11^-1 A12 (unit lower), then A22 -= L21 U12.
      for (int64_t i = k0 + 1; i < ke; i++) {
        T* ri = a + i * lda;
        for (int64_t k = k0; k < i; k++) {
          const T l = ri[k];
          const T* rk = a + k * lda;
          if (l != T(0))
            for (int64_t j = ke; j < N; j++) ri[j] -= l * rk[j];
        }
      }
      if (ke < M)
        gemm(dtype_of<T>(), M - ke, N - ke, kb, -1.0f, a + ke * lda + k0, lda, 1, a + k0 * lda + ke, lda, 1, 1.0f,
             a + ke * lda + ke, lda, threads);
    }
  }
  return info;
}

template <typename T> bool tri_inverse(const T* a, int64_t n, bool upper, bool unit, T* x) {
  std::fill(x, x + n * n, T(0));
  for (int64_t t = 0; t < n; t++) {
    const int64_t i = upper ? n - 1 - t : t;
    const T d = unit ? T(1) : a[i * n + i];
    if (d == T(0)) return false;
    T* xi = x + i * n;
    xi[i] = T(1);
    if (upper) {
      for (int64_t k = i + 1; k < n; k++) {
        const T l = a[i * n + k];
        const T* xk = x + k * n;
        if (l != T(0))
          for (int64_t j = k; j < n; j++) xi[j] -= l * xk[j];
      }
      const T r = T(1) / d;
      for (int64_t j = i; j < n; j++) xi[j] *= r;
    } else {
      for (int64_t k = 0; k < i; k++) {
        const T l = a[i * n + k];
        const T* xk = x + k * n;
        if (l != T(0))
          for (int64_t j = 0; j <= k; j++) xi[j] -= l * xk[j];
      }
      const T r = T(1) / d;
      for (int64_t j = 0; j <= i; j++) xi[j] *= r;
    }
  }
  return true;
}

template <typename T> void householder_qr(const T* a, int64_t M, int64_t N, bool full, T* qt, T* r) {
  const int64_t K = std::min(M, N);
  std::vector<T> at(N * M), tau(K, T(0));
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) at[j * M + i] = a[i * N + j];
  for (int64_t k = 0; k < K; k++) {
    T* x = at.data() + k * M + k;
    const int64_t m = M - k;
    T xn2 = 0;
    for (int64_t i = 1; i < m; i++) xn2 += x[i] * x[i];
    if (xn2 == T(0)) continue;  // H = I
    const T alpha = x[0];
    const T beta = -std::copysign(std::sqrt(alpha * alpha + xn2), alpha);
    tau[k] = (beta - alpha) / beta;
    const T sc = T(1) / (alpha - beta);
    for (int64_t i = 1; i < m; i++) x[i] *= sc;
    x[0] = beta;
    for (int64_t j = k + 1; j < N; j++) {
      T* y = at.data() + j * M + k;
      T w = y[0];
      for (int64_t i = 1; i < m; i++) w += x[i] * y[i];
      w *= tau[k];
      y[0] -= w;
      for (int64_t i = 1; i < m; i++) y[i] -= w * x[i];
    }
  }
  if (r)
    for (int64_t i = 0; i < K; i++)
      for (int64_t j = 0; j < N; j++) r[i * N + j] = j >= i ? at[j * M + i] : T(0);
  if (!qt) return;
  const int64_t kq = full ? M : K;
  std::fill(qt, qt + kq * M, T(0));
  for (int64_t i = 0; i < kq; i++) qt[i * M + i] = T(1);
  for (int64_t k = K - 1; k >= 0; k--) {
    if (tau[k] == T(0)) continue;
    const T* v = at.data() + k * M + k;
    const int64_t m = M - k;
    for (int64_t row = k; row < kq; row++) {
      T* y = qt + row * M + k;
      T w = y[0];
      for (int64_t i = 1; i < m; i++) w += v[i] * y[i];
      w *= tau[k];
      y[0] -= w;
      for (int64_t i = 1; i < m; i++) y[i] -= w * v[i];
    }
  }
}

#define MLX_LINALG_INST(T)                                                                       \
  template int64_t lu_inplace<T>(T*, int64_t, int64_t, int64_t, int32_t*, bool);                \
  template bool tri_inverse<T>(const T*, int64_t, bool, bool, T*);                               \
  template void householder_qr<T>(const T*, int64_t, int64_t, bool, T*, T*);
MLX_LINALG_INST(float)
MLX_LINALG_INST(double)
#undef MLX_LINALG_INST

namespace {

template <typename F> void dispatch_fp(Dtype dt, F&& f) {
  if (dt == Dtype::float64) f(double{});
  else f(float{});
}

void luf_kernel(const Primitive& prim, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  const auto mode = static_cast<const LUF&>(prim).mode();
  Array a = contiguous(inputs[0]);
  for (auto& o : outputs) o.allocate();
  const int64_t M = a.shape(-2), N = a.shape(-1), K = std::min(M, N), B = batch_count(a);
  dispatch_fp(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = a.data<T>();
    for_batches(B, M * N * K, [&](int64_t b) {
      std::vector<T> w(src + b * M * N, src + (b + 1) * M * N);
      std::vector<int32_t> piv(K);
      const int64_t info = lu_inplace(w.data(), M, N, N, piv.data(), B == 1);
      switch (mode) {
        case LUF::Mode::factor: {
          std::copy(w.begin(), w.end(), outputs[0].data<T>() + b * M * N);
          uint32_t* p = outputs[1].data<uint32_t>() + b * K;
          for (int64_t k = 0; k < K; k++) p[k] = (uint32_t)piv[k];
          break;
        }
        case LUF::Mode::split: {
          std::vector<uint32_t> q(M);
          std::iota(q.begin(), q.end(), 0u);
          for (int64_t k = 0; k < K; k++) std::swap(q[k], q[piv[k]]);
          uint32_t* P = outputs[0].data<uint32_t>() + b * M;
          for (int64_t i = 0; i < M; i++) P[q[i]] = (uint32_t)i;
          T* L = outputs[1].data<T>() + b * M * K;
          T* U = outputs[2].data<T>() + b * K * N;
          for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < K; j++) L[i * K + j] = j < i ? w[i * N + j] : T(i == j);
          for (int64_t i = 0; i < K; i++)
            for (int64_t j = 0; j < N; j++) U[i * N + j] = j >= i ? w[i * N + j] : T(0);
          break;
        }
        default: {
          // Determinants of square matrices (the op checks squareness).
          T sign = 1, logdet = 0, det = 1;
          for (int64_t k = 0; k < K; k++) {
            const T d = w[k * N + k];
            if (piv[k] != k) sign = -sign, det = -det;
            sign *= d > 0 ? T(1) : d < 0 ? T(-1) : T(0);
            logdet += std::log(std::abs(d));
            det *= d;
          }
          if (info) sign = 0, logdet = -INFINITY, det = 0;
          if (mode == LUF::Mode::det) {
            outputs[0].data<T>()[b] = det;
          } else {
            outputs[0].data<T>()[b] = sign;
            outputs[1].data<T>()[b] = logdet;
          }
        }
      }
    });
  });
}

void inverse_kernel(const Primitive& prim, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  const auto& p = static_cast<const Inverse&>(prim);
  Array a = contiguous(inputs[0]);
  Array& out = outputs[0];
  out.allocate();
  const int64_t n = a.shape(-1), B = batch_count(a);
  std::atomic<bool> singular{false};
  dispatch_fp(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = a.data<T>();
    T* dst = out.data<T>();
    for_batches(B, n * n * n, [&](int64_t b) {
      const T* ab = src + b * n * n;
      T* xb = dst + b * n * n;
      if (p.tri()) {
        if (!tri_inverse(ab, n, p.upper(), false, xb)) singular = true;
        return;
      }
      std::vector<T> w(ab, ab + n * n), li(n * n), ui(n * n);
      std::vector<int32_t> piv(n);
      if (lu_inplace(w.data(), n, n, n, piv.data(), B == 1)) {
        singular = true;
        return;
      }
      tri_inverse(w.data(), n, false, true, li.data());
      tri_inverse(w.data(), n, true, false, ui.data());
      // A = P^T L U  =>  A^-1 = U^-1 L^-1 P: the row swaps become column swaps in reverse.
      gemm(dtype_of<T>(), n, n, n, 1.0f, ui.data(), n, 1, li.data(), n, 1, 0.0f, xb, n, B == 1);
      for (int64_t k = n - 1; k >= 0; k--)
        if (piv[k] != k)
          for (int64_t i = 0; i < n; i++) std::swap(xb[i * n + k], xb[i * n + piv[k]]);
    });
  });
  if (singular)
    throw_error(ErrorCode::invalid_argument, p.tri() ? "[linalg::tri_inv] Matrix is singular (zero on the diagonal)."
                                                     : "[linalg::inv] Matrix is singular.");
}

void cholesky_kernel(const Primitive& prim, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  const bool upper = static_cast<const Cholesky&>(prim).upper();
  Array a = contiguous(inputs[0]);
  Array& out = outputs[0];
  out.allocate();
  const int64_t n = a.shape(-1), B = batch_count(a);
  std::atomic<bool> failed{false};
  dispatch_fp(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = a.data<T>();
    T* dst = out.data<T>();
    for_batches(B, n * n * n / 3 + 1, [&](int64_t b) {
      const T* ab = src + b * n * n;
      std::vector<T> l(n * n, T(0));
      // Lower factor of the symmetric matrix read from the chosen triangle.
      for (int64_t i = 0; i < n && !failed; i++) {
        T* li = l.data() + i * n;
        for (int64_t j = 0; j <= i; j++) {
          const T* lj = l.data() + j * n;
          T s = upper ? ab[j * n + i] : ab[i * n + j];
          for (int64_t k = 0; k < j; k++) s -= li[k] * lj[k];
          if (i == j) {
            if (!(s > T(0))) {
              failed = true;
              break;
            }
            li[i] = std::sqrt(s);
          } else {
            li[j] = s / lj[j];
          }
        }
      }
      T* ob = dst + b * n * n;
      for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) ob[i * n + j] = upper ? l[j * n + i] : l[i * n + j];
    });
  });
  if (failed) throw_error(ErrorCode::invalid_argument, "[linalg::cholesky] Matrix is not positive definite.");
}

void qrf_kernel(const Primitive&, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  Array a = contiguous(inputs[0]);
  for (auto& o : outputs) o.allocate();
  const int64_t M = a.shape(-2), N = a.shape(-1), K = std::min(M, N), B = batch_count(a);
  dispatch_fp(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = a.data<T>();
    for_batches(B, 2 * M * N * K, [&](int64_t b) {
      std::vector<T> qt(K * M);
      householder_qr(src + b * M * N, M, N, false, qt.data(), outputs[1].data<T>() + b * K * N);
      T* q = outputs[0].data<T>() + b * M * K;
      for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < K; j++) q[i * K + j] = qt[j * M + i];
    });
  });
}

}  // namespace

}  // namespace mlx::cpu::linalg

namespace mlx {
MLX_REGISTER_KERNEL(cpu, LUF, cpu::linalg::luf_kernel);
MLX_REGISTER_KERNEL(cpu, Inverse, cpu::linalg::inverse_kernel);
MLX_REGISTER_KERNEL(cpu, Cholesky, cpu::linalg::cholesky_kernel);
MLX_REGISTER_KERNEL(cpu, QRF, cpu::linalg::qrf_kernel);
}  // namespace mlx
