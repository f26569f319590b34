#include "fft_plan.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <map>
#include <mutex>

namespace mlx::cpu::fft {

namespace {

using cd = std::complex<double>;

// exp(sign * 2*pi*i * num / den) with the index reduced first, computed in double.
cd unit(int64_t num, int64_t den, int sign) {
  num %= den;
  if (num < 0) num += den;
  double a = 2.0 * M_PI * (double)num / (double)den;
  return {std::cos(a), sign * std::sin(a)};
}

std::vector<int> factorize(int64_t n) {
  std::vector<int> f;
  while (n % 4 == 0) f.push_back(4), n /= 4;
  if (n % 2 == 0) f.push_back(2), n /= 2;
  for (int64_t p = 3; p * p <= n; p += 2)
    while (n % p == 0) f.push_back((int)p), n /= p;
  if (n > 1) f.push_back((int)n);
  return f;
}

double direct_cost(int64_t n) {
  double c = 0;
  for (int f : factorize(n)) c += f <= 5 ? f : 1.2 * f;
  return c * (double)n;
}

int64_t good_size(int64_t n) {  // smallest 2^a 3^b 5^c >= n
  int64_t best = 2 * n;
  for (int64_t f5 = 1; f5 < best; f5 *= 5)
    for (int64_t f35 = f5; f35 < best; f35 *= 3) {
      int64_t x = f35;
      while (x < n) x *= 2;
      best = std::min(best, x);
    }
  return best;
}

bool use_bluestein(int64_t n) {
  if (n < 50) return false;
  auto f = factorize(n);
  int64_t lpf = *std::max_element(f.begin(), f.end());
  if (lpf * lpf <= n) return false;
  return 3.0 * direct_cost(good_size(2 * n - 1)) < direct_cost(n);
}

// Reference DFT in double for 2/3/5-smooth lengths (Bluestein setup only): recursive DIT.
void dft_smooth(const cd* x, int64_t stride, int64_t n, cd* out) {
  if (n == 1) { out[0] = x[0]; return; }
  int p = n % 2 == 0 ? 2 : n % 3 == 0 ? 3 : 5;
  int64_t m = n / p;
  std::vector<cd> sub(n);
  for (int r = 0; r < p; r++) dft_smooth(x + r * stride, stride * p, m, sub.data() + r * m);
  for (int64_t k = 0; k < n; k++) {
    cd acc = 0;
    for (int r = 0; r < p; r++) acc += sub[r * m + k % m] * unit((int64_t)r * k, n, -1);
    out[k] = acc;
  }
}

std::shared_ptr<const CPlan> make_cplan(int64_t n) {
  auto plan = std::make_shared<CPlan>();
  plan->n = n;
  plan->buf_len = n;
  if (use_bluestein(n)) {
    int64_t m = good_size(2 * n - 1);
    plan->bluestein = true;
    plan->m = m;
    plan->inner = get_cplan(m);
    plan->buf_len = m;
    plan->chirp.resize(2 * n);
    std::vector<cd> b(m, 0.0), B(m);
    for (int64_t k = 0; k < n; k++) {
      cd c = unit((k * k) % (2 * n), 2 * n, -1);  // exp(-i*pi*k^2/n)
      plan->chirp[2 * k] = (float)c.real();
      plan->chirp[2 * k + 1] = (float)c.imag();
      b[k] = std::conj(c);
      if (k) b[m - k] = std::conj(c);
    }
    dft_smooth(b.data(), 1, m, B.data());
    plan->bspec.resize(2 * m);
    for (int64_t k = 0; k < m; k++) {
      plan->bspec[2 * k] = (float)(B[k].real() / (double)m);
      plan->bspec[2 * k + 1] = (float)(B[k].imag() / (double)m);
    }
    return plan;
  }
  int64_t len = n;
  for (int p : factorize(n)) {
    Stage st;
    st.p = p;
    st.m = len / p;
    st.tw.resize(2 * st.m * (p - 1));
    for (int64_t j = 0; j < st.m; j++)
      for (int k = 1; k < p; k++) {
        cd w = unit(j * k, len, -1);
        st.tw[2 * (j * (p - 1) + k - 1)] = (float)w.real();
        st.tw[2 * (j * (p - 1) + k - 1) + 1] = (float)w.imag();
      }
    if (p > 5) {
      st.gcos.resize(p);
      st.gsin.resize(p);
      for (int t = 0; t < p; t++) {
        cd w = unit(t, p, 1);
        st.gcos[t] = (float)w.real();
        st.gsin[t] = (float)w.imag();
      }
    }
    plan->stages.push_back(std::move(st));
    len /= p;
  }
  return plan;
}

std::shared_ptr<const RPlan> make_rplan(int64_t n) {
  auto plan = std::make_shared<RPlan>();
  plan->n = n;
  int64_t half = n / 2;
  plan->c = get_cplan(n % 2 == 0 ? half : n);
  if (n % 2 == 0) {
    plan->rtw.resize(2 * (half + 1));
    for (int64_t k = 0; k <= half; k++) {
      cd w = unit(k, n, -1);
      plan->rtw[2 * k] = (float)w.real();
      plan->rtw[2 * k + 1] = (float)w.imag();
    }
  }
  return plan;
}

// Plans are immutable once built; the caches are bounded by dropping everything when full.
template <typename P>
struct Cache {
  std::mutex mu;
  std::map<int64_t, std::shared_ptr<const P>> map;
  template <typename Make>
  std::shared_ptr<const P> get(int64_t n, Make make) {
    {
      std::lock_guard<std::mutex> lk(mu);
      auto it = map.find(n);
      if (it != map.end()) return it->second;
    }
    auto p = make(n);  // built unlocked: Bluestein plans fetch their inner plan recursively
    std::lock_guard<std::mutex> lk(mu);
    if (map.size() >= 128) map.clear();
    return map.emplace(n, p).first->second;
  }
};

Cache<CPlan>& ccache() { static auto* c = new Cache<CPlan>(); return *c; }
Cache<RPlan>& rcache() { static auto* c = new Cache<RPlan>(); return *c; }

}  // namespace

std::shared_ptr<const CPlan> get_cplan(int64_t n) { return ccache().get(n, make_cplan); }
std::shared_ptr<const RPlan> get_rplan(int64_t n) { return rcache().get(n, make_rplan); }

}  // namespace mlx::cpu::fft
