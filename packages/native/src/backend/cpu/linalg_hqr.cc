// General (nonsymmetric) eigensolver: Householder reduction to Hessenberg form, Francis
// double-shift QR to real Schur form with accumulated transforms, then back substitution for the
// eigenvectors (the EISPACK orthes / hqr2 scheme), in double precision.
#include <algorithm>
#include <cmath>
#include <complex>

#include "../../engine/backend.h"
#include "../../engine/errors.h"
#include "../../primitives/linalg.h"
#include "copy.h"
#include "linalg_impl.h"

namespace mlx::cpu::linalg {

namespace {

struct Mat {
  double* p;
  int64_t n;
  double& operator()(int64_t i, int64_t j) const { return p[i * n + j]; }
};

void cdiv(double xr, double xi, double yr, double yi, double& cr, double& ci) {
  std::complex<double> c = std::complex<double>(xr, xi) / std::complex<double>(yr, yi);
  cr = c.real(), ci = c.imag();
}

void orthes(int64_t nn, Mat H, Mat V) {
  const int64_t low = 0, high = nn - 1;
  std::vector<double> ort(nn, 0.0);
  for (int64_t m = low + 1; m <= high - 1; m++) {
    double scale = 0;
    for (int64_t i = m; i <= high; i++) scale += std::abs(H(i, m - 1));
    if (scale == 0) continue;
    double h = 0;
    for (int64_t i = high; i >= m; i--) ort[i] = H(i, m - 1) / scale, h += ort[i] * ort[i];
    double g = std::sqrt(h);
    if (ort[m] > 0) g = -g;
    h -= ort[m] * g;
    ort[m] -= g;
    for (int64_t j = m; j < nn; j++) {
      double f = 0;
      for (int64_t i = high; i >= m; i--) f += ort[i] * H(i, j);
      f /= h;
      for (int64_t i = m; i <= high; i++) H(i, j) -= f * ort[i];
    }
    for (int64_t i = 0; i <= high; i++) {
      double f = 0;
      for (int64_t j = high; j >= m; j--) f += ort[j] * H(i, j);
      f /= h;
      for (int64_t j = m; j <= high; j++) H(i, j) -= f * ort[j];
    }
    ort[m] *= scale;
    H(m, m - 1) = scale * g;
  }
  for (int64_t i = 0; i < nn; i++)
    for (int64_t j = 0; j < nn; j++) V(i, j) = i == j;
  for (int64_t m = high - 1; m >= low + 1; m--) {
    if (H(m, m - 1) == 0) continue;
    for (int64_t i = m + 1; i <= high; i++) ort[i] = H(i, m - 1);
    for (int64_t j = m; j <= high; j++) {
      double g = 0;
      for (int64_t i = m; i <= high; i++) g += ort[i] * V(i, j);
      g = (g / ort[m]) / H(m, m - 1);
      for (int64_t i = m; i <= high; i++) V(i, j) += g * ort[i];
    }
  }
}

bool hqr2(int64_t nn, Mat H, Mat V, double* d, double* e, bool vectors) {
  int64_t n = nn - 1;
  const int64_t low = 0, high = nn - 1;
  const double eps = std::ldexp(1.0, -52);
  double exshift = 0, p = 0, q = 0, r = 0, s = 0, z = 0, t, w, x, y;
  double norm = 0;
  for (int64_t i = 0; i < nn; i++)
    for (int64_t j = std::max<int64_t>(i - 1, 0); j < nn; j++) norm += std::abs(H(i, j));
  int iter = 0;
  int64_t total = 0;
  while (n >= low) {
    int64_t l = n;
    while (l > low) {
      s = std::abs(H(l - 1, l - 1)) + std::abs(H(l, l));
      if (s == 0) s = norm;
      if (std::abs(H(l, l - 1)) < eps * s) break;
      l--;
    }
    if (l == n) {
      H(n, n) += exshift;
      d[n] = H(n, n), e[n] = 0;
      n--, iter = 0;
    } else if (l == n - 1) {
      w = H(n, n - 1) * H(n - 1, n);
      p = (H(n - 1, n - 1) - H(n, n)) / 2;
      q = p * p + w;
      z = std::sqrt(std::abs(q));
      H(n, n) += exshift;
      H(n - 1, n - 1) += exshift;
      x = H(n, n);
      if (q >= 0) {
        z = p >= 0 ? p + z : p - z;
        d[n - 1] = x + z;
        d[n] = d[n - 1];
        if (z != 0) d[n] = x - w / z;
        e[n - 1] = 0, e[n] = 0;
        x = H(n, n - 1);
        s = std::abs(x) + std::abs(z);
        p = x / s, q = z / s;
        r = std::sqrt(p * p + q * q);
        p /= r, q /= r;
        for (int64_t j = n - 1; j < nn; j++) {
          z = H(n - 1, j);
          H(n - 1, j) = q * z + p * H(n, j);
          H(n, j) = q * H(n, j) - p * z;
        }
        for (int64_t i = 0; i <= n; i++) {
          z = H(i, n - 1);
          H(i, n - 1) = q * z + p * H(i, n);
          H(i, n) = q * H(i, n) - p * z;
        }
        for (int64_t i = low; i <= high; i++) {
          z = V(i, n - 1);
          V(i, n - 1) = q * z + p * V(i, n);
          V(i, n) = q * V(i, n) - p * z;
        }
      } else {
        d[n - 1] = x + p, d[n] = x + p, e[n - 1] = z, e[n] = -z;
      }
      n -= 2, iter = 0;
    } else {
      if (++total > 100 * nn + 100) return false;
      x = H(n, n), y = 0, w = 0;
      if (l < n) y = H(n - 1, n - 1), w = H(n, n - 1) * H(n - 1, n);
      if (iter == 10) {
        exshift += x;
        for (int64_t i = low; i <= n; i++) H(i, i) -= x;
        s = std::abs(H(n, n - 1)) + std::abs(H(n - 1, n - 2));
        x = y = 0.75 * s;
        w = -0.4375 * s * s;
      }
      if (iter == 30) {
        s = (y - x) / 2;
        s = s * s + w;
        if (s > 0) {
          s = std::sqrt(s);
          if (y < x) s = -s;
          s = x - w / ((y - x) / 2 + s);
          for (int64_t i = low; i <= n; i++) H(i, i) -= s;
          exshift += s;
          x = y = w = 0.964;
        }
      }
      iter++;
      int64_t m = n - 2;
      while (m >= l) {
        z = H(m, m);
        r = x - z;
        s = y - z;
        p = (r * s - w) / H(m + 1, m) + H(m, m + 1);
        q = H(m + 1, m + 1) - z - r - s;
        r = H(m + 2, m + 1);
        s = std::abs(p) + std::abs(q) + std::abs(r);
        p /= s, q /= s, r /= s;
        if (m == l) break;
        if (std::abs(H(m, m - 1)) * (std::abs(q) + std::abs(r)) <
            eps * (std::abs(p) * (std::abs(H(m - 1, m - 1)) + std::abs(z) + std::abs(H(m + 1, m + 1)))))
          break;
        m--;
      }
      for (int64_t i = m + 2; i <= n; i++) {
        H(i, i - 2) = 0;
        if (i > m + 2) H(i, i - 3) = 0;
      }
      for (int64_t k = m; k <= n - 1; k++) {
        const bool notlast = k != n - 1;
        if (k != m) {
          p = H(k, k - 1);
          q = H(k + 1, k - 1);
          r = notlast ? H(k + 2, k - 1) : 0.0;
          x = std::abs(p) + std::abs(q) + std::abs(r);
          if (x == 0) continue;
          p /= x, q /= x, r /= x;
        }
        s = std::sqrt(p * p + q * q + r * r);
        if (p < 0) s = -s;
        if (s == 0) continue;
        if (k != m) H(k, k - 1) = -s * x;
        else if (l != m) H(k, k - 1) = -H(k, k - 1);
        p += s;
        x = p / s, y = q / s, z = r / s;
        q /= p, r /= p;
        for (int64_t j = k; j < nn; j++) {
          p = H(k, j) + q * H(k + 1, j);
          if (notlast) p += r * H(k + 2, j), H(k + 2, j) -= p * z;
          H(k, j) -= p * x;
          H(k + 1, j) -= p * y;
        }
        for (int64_t i = 0; i <= std::min(n, k + 3); i++) {
          p = x * H(i, k) + y * H(i, k + 1);
          if (notlast) p += z * H(i, k + 2), H(i, k + 2) -= p * r;
          H(i, k) -= p;
          H(i, k + 1) -= p * q;
        }
        for (int64_t i = low; i <= high; i++) {
          p = x * V(i, k) + y * V(i, k + 1);
          if (notlast) p += z * V(i, k + 2), V(i, k + 2) -= p * r;
          V(i, k) -= p;
          V(i, k + 1) -= p * q;
        }
      }
    }
  }
  if (!vectors || norm == 0) return true;
  // Back substitution on the quasi-triangular Schur form.
  for (n = nn - 1; n >= 0; n--) {
    p = d[n], q = e[n];
    if (q == 0) {
      int64_t l = n;
      H(n, n) = 1;
      for (int64_t i = n - 1; i >= 0; i--) {
        w = H(i, i) - p;
        r = 0;
        for (int64_t j = l; j <= n; j++) r += H(i, j) * H(j, n);
        if (e[i] < 0) {
          z = w, s = r;
        } else {
          l = i;
          if (e[i] == 0) {
            H(i, n) = w != 0 ? -r / w : -r / (eps * norm);
          } else {
            x = H(i, i + 1);
            y = H(i + 1, i);
            q = (d[i] - p) * (d[i] - p) + e[i] * e[i];
            t = (x * s - z * r) / q;
            H(i, n) = t;
            H(i + 1, n) = std::abs(x) > std::abs(z) ? (-r - w * t) / x : (-s - y * t) / z;
          }
          t = std::abs(H(i, n));
          if ((eps * t) * t > 1)
            for (int64_t j = i; j <= n; j++) H(j, n) /= t;
        }
      }
    } else if (q < 0) {
      int64_t l = n - 1;
      if (std::abs(H(n, n - 1)) > std::abs(H(n - 1, n))) {
        H(n - 1, n - 1) = q / H(n, n - 1);
        H(n - 1, n) = -(H(n, n) - p) / H(n, n - 1);
      } else {
        cdiv(0.0, -H(n - 1, n), H(n - 1, n - 1) - p, q, H(n - 1, n - 1), H(n - 1, n));
      }
      H(n, n - 1) = 0;
      H(n, n) = 1;
      for (int64_t i = n - 2; i >= 0; i--) {
        double ra = 0, sa = 0, vr, vi;
        for (int64_t j = l; j <= n; j++) ra += H(i, j) * H(j, n - 1), sa += H(i, j) * H(j, n);
        w = H(i, i) - p;
        if (e[i] < 0) {
          z = w, r = ra, s = sa;
        } else {
          l = i;
          if (e[i] == 0) {
            cdiv(-ra, -sa, w, q, H(i, n - 1), H(i, n));
          } else {
            x = H(i, i + 1);
            y = H(i + 1, i);
            vr = (d[i] - p) * (d[i] - p) + e[i] * e[i] - q * q;
            vi = (d[i] - p) * 2 * q;
            if (vr == 0 && vi == 0)
              vr = eps * norm * (std::abs(w) + std::abs(q) + std::abs(x) + std::abs(y) + std::abs(z));
            cdiv(x * r - z * ra + q * sa, x * s - z * sa - q * ra, vr, vi, H(i, n - 1), H(i, n));
            if (std::abs(x) > std::abs(z) + std::abs(q)) {
              H(i + 1, n - 1) = (-ra - w * H(i, n - 1) + q * H(i, n)) / x;
              H(i + 1, n) = (-sa - w * H(i, n) - q * H(i, n - 1)) / x;
            } else {
              cdiv(-r - y * H(i, n - 1), -s - y * H(i, n), z, q, H(i + 1, n - 1), H(i + 1, n));
            }
          }
          t = std::max(std::abs(H(i, n - 1)), std::abs(H(i, n)));
          if ((eps * t) * t > 1)
            for (int64_t j = i; j <= n; j++) H(j, n - 1) /= t, H(j, n) /= t;
        }
      }
    }
  }
  for (int64_t j = nn - 1; j >= low; j--)
    for (int64_t i = low; i <= high; i++) {
      z = 0;
      for (int64_t k = low; k <= std::min(j, high); k++) z += V(i, k) * H(k, j);
      V(i, j) = z;
    }
  return true;
}

}  // namespace

bool eig_hqr(const double* a, int64_t n, double* wr, double* wi, double* v) {
  if (n == 0) return true;
  std::vector<double> h(a, a + n * n), vv(n * n);
  orthes(n, Mat{h.data(), n}, Mat{vv.data(), n});
  if (!hqr2(n, Mat{h.data(), n}, Mat{vv.data(), n}, wr, wi, v != nullptr)) return false;
  if (v) std::copy(vv.begin(), vv.end(), v);
  return true;
}

namespace {

void eig_kernel(const Primitive& prim, const std::vector<Array>& inputs, std::vector<Array>& outputs) {
  const bool vectors = static_cast<const Eig&>(prim).vectors();
  Array a = contiguous(inputs[0]);
  for (auto& o : outputs) o.allocate();
  const int64_t n = a.shape(-1), B = batch_count(a);
  std::atomic<bool> failed{false};
  using C = std::complex<double>;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* src = a.data<T>();
    for_batches(B, 10 * n * n * n + 1, [&](int64_t b) {
      std::vector<double> m(src + b * n * n, src + (b + 1) * n * n), wr(n), wi(n), v(vectors ? n * n : 0);
      if (!eig_hqr(m.data(), n, wr.data(), wi.data(), vectors ? v.data() : nullptr)) {
        failed = true;
        return;
      }
      auto* w = outputs[0].data<complex64_t>() + b * n;
      for (int64_t k = 0; k < n; k++) w[k] = complex64_t((float)wr[k], (float)wi[k]);
      if (!vectors) return;
      auto* out = outputs[1].data<complex64_t>() + b * n * n;
      std::vector<C> col(n);
      for (int64_t j = 0; j < n; j++) {
        // A complex pair (wi[j] > 0) stores re, im in columns j, j + 1; the partner is the conjugate.
        for (int64_t i = 0; i < n; i++) {
          if (wi[j] == 0) col[i] = C(v[i * n + j], 0);
          else if (wi[j] > 0) col[i] = C(v[i * n + j], v[i * n + j + 1]);
          else col[i] = C(v[i * n + j - 1], -v[i * n + j]);
        }
        // LAPACK's normalisation: unit 2-norm, largest component real.
        double nrm = 0;
        int64_t big = 0;
        for (int64_t i = 0; i < n; i++) {
          nrm += std::norm(col[i]);
          if (std::abs(col[i]) > std::abs(col[big])) big = i;
        }
        C scale = nrm > 0 ? std::conj(col[big]) / (std::abs(col[big]) * std::sqrt(nrm)) : C(1);
        for (int64_t i = 0; i < n; i++) {
          C x = col[i] * scale;
          out[i * n + j] = complex64_t((float)x.real(), (float)x.imag());
        }
      }
    });
  };
  if (a.dtype() == Dtype::float64) run(double{});
  else run(float{});
  if (failed) throw_error(ErrorCode::invalid_argument, "[linalg::eig] The QR iteration did not converge.");
}

}  // namespace

}  // namespace mlx::cpu::linalg

namespace mlx {
MLX_REGISTER_KERNEL(cpu, Eig, cpu::linalg::eig_kernel);
}
