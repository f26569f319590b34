// Symmetric eigensolver: Householder tridiagonalisation with accumulated transforms, then
// implicit QL with Wilkinson shifts (the EISPACK tred2 / tql2 scheme), in double precision.
// The QL rotations act on the transposed vector matrix so each touches two contiguous rows.
#include <algorithm>
#include <cmath>
#include <complex>
#include <numeric>

#include "../../engine/backend.h"
#include "../../engine/errors.h"
#include "../../primitives/linalg.h"
#include "copy.h"
#include "linalg_impl.h"

namespace mlx::cpu::linalg {

namespace {

// V holds the symmetric A on entry and Q^T (rows = Q's columns) on exit; d / e the tridiagonal.
// EISPACK's loops run down columns, so V is addressed column-major: those become contiguous.
void tred2(int64_t n, double* V, double* d, double* e) {
  auto at = [&](int64_t i, int64_t j) -> double& { return V[j * n + i]; };
  for (int64_t j = 0; j < n; j++) d[j] = at(n - 1, j);
  for (int64_t i = n - 1; i > 0; i--) {
    double scale = 0, h = 0;
    for (int64_t k = 0; k < i; k++) scale += std::abs(d[k]);
    if (scale == 0) {
      e[i] = d[i - 1];
      for (int64_t j = 0; j < i; j++) d[j] = at(i - 1, j), at(i, j) = 0, at(j, i) = 0;
    } else {
      for (int64_t k = 0; k < i; k++) d[k] /= scale, h += d[k] * d[k];
      double f = d[i - 1], g = std::sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (int64_t j = 0; j < i; j++) e[j] = 0;
      for (int64_t j = 0; j < i; j++) {
        f = d[j];
        at(j, i) = f;
        g = e[j] + at(j, j) * f;
        for (int64_t k = j + 1; k <= i - 1; k++) g += at(k, j) * d[k], e[k] += at(k, j) * f;
        e[j] = g;
      }
      f = 0;
      for (int64_t j = 0; j < i; j++) e[j] /= h, f += e[j] * d[j];
      const double hh = f / (h + h);
      for (int64_t j = 0; j < i; j++) e[j] -= hh * d[j];
      for (int64_t j = 0; j < i; j++) {
        f = d[j], g = e[j];
        for (int64_t k = j; k <= i - 1; k++) at(k, j) -= f * e[k] + g * d[k];
        d[j] = at(i - 1, j);
        at(i, j) = 0;
      }
    }
    d[i] = h;
  }
  for (int64_t i = 0; i < n - 1; i++) {
    at(n - 1, i) = at(i, i);
    at(i, i) = 1;
    const double h = d[i + 1];
    if (h != 0) {
      for (int64_t k = 0; k <= i; k++) d[k] = at(k, i + 1) / h;
      for (int64_t j = 0; j <= i; j++) {
        double g = 0;
        for (int64_t k = 0; k <= i; k++) g += at(k, i + 1) * at(k, j);
        for (int64_t k = 0; k <= i; k++) at(k, j) -= g * d[k];
      }
    }
    for (int64_t k = 0; k <= i; k++) at(k, i + 1) = 0;
  }
  for (int64_t j = 0; j < n; j++) d[j] = at(n - 1, j), at(n - 1, j) = 0;
  at(n - 1, n - 1) = 1;
  e[0] = 0;
}

// Implicit QL on (d, e); Zt (rows = eigenvectors) is rotated along (null: values only).
void tql2(int64_t n, double* d, double* e, double* Zt) {
  for (int64_t i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  double f = 0, tst1 = 0;
  const double eps = std::ldexp(1.0, -52);
  for (int64_t l = 0; l < n; l++) {
    tst1 = std::max(tst1, std::abs(d[l]) + std::abs(e[l]));
    int64_t m = l;
    while (m < n - 1 && std::abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      int iter = 0;
      do {
        if (++iter > 60) break;
        double g = d[l];
        double p = (d[l + 1] - g) / (2 * e[l]);
        double r = std::hypot(p, 1.0);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const double dl1 = d[l + 1];
        double h = g - d[l];
        for (int64_t i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        double c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const double el1 = e[l + 1];
        for (int64_t i = m - 1; i >= l; i--) {
          c3 = c2, c2 = c, s2 = s;
          g = c * e[i];
          h = c * p;
          r = std::hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (Zt) {
            double* zi = Zt + i * n;
            double* zj = Zt + (i + 1) * n;
            for (int64_t k = 0; k < n; k++) {
              const double hk = zj[k];
              zj[k] = s * zi[k] + c * hk;
              zi[k] = c * zi[k] - s * hk;
            }
          }
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (std::abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

}  // namespace

void eigh_tridiag(const double* a, int64_t n, double* w, double* v) {
  if (n == 0) return;
  std::vector<double> zt(a, a + n * n), d(n), e(n);
  tred2(n, zt.data(), d.data(), e.data());
  tql2(n, d.data(), e.data(), v ? zt.data() : nullptr);
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return d[x] < d[y]; });
  for (int64_t k = 0; k < n; k++) w[k] = d[order[k]];
  if (v)
    for (int64_t i = 0; i < n; i++)
      for (int64_t k = 0; k < n; k++) v[i * n + k] = zt[order[k] * n + i];
}

namespace {

void eigh_kernel(const Primitive& prim, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  const auto& p = static_cast<const Eigh&>(prim);
  Array a = contiguous(inputs[0]);
  for (auto& o : outputs) o.allocate();
  const int64_t n = a.shape(-1), B = batch_count(a);
  const bool lower = p.uplo() == 'L';
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* src = a.data<T>();
    for_batches(B, 9 * n * n * n + 1, [&](int64_t b) {
      const T* ab = src + b * n * n;
      std::vector<double> s(n * n), w(n), v(p.vectors() ? n * n : 0);
      for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j <= i; j++) s[i * n + j] = s[j * n + i] = lower ? ab[i * n + j] : ab[j * n + i];
      eigh_tridiag(s.data(), n, w.data(), p.vectors() ? v.data() : nullptr);
      std::copy(w.begin(), w.end(), outputs[0].data<T>() + b * n);
      if (p.vectors()) std::copy(v.begin(), v.end(), outputs[1].data<T>() + b * n * n);
    });
  };
  if (a.dtype() == Dtype::float64) run(double{});
  else run(float{});
}

}  // namespace

}  // namespace mlx::cpu::linalg

namespace mlx {
MLX_REGISTER_KERNEL(cpu, Eigh, cpu::linalg::eigh_kernel);
}
