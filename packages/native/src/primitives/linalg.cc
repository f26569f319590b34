#include "linalg.h"

#include "../ops/binary.h"
#include "../ops/matmul.h"
#include "../ops/unary.h"
#include "vmap_util.h"

namespace mlx {

namespace {

using V = std::vector<Array>;

Shape batch_of(const Array& a) { return Shape(a.shape().begin(), a.shape().end() - 2); }
Shape with(Shape b, std::initializer_list<int64_t> tail) {
  b.insert(b.end(), tail);
  return b;
}

}  // namespace

std::pair<V, std::vector<int>> LinalgPrimitive::vmap(const V& in, const std::vector<int>& ax) {
  V out = rebuild({batch_to_front(in[0], ax[0])});
  return {out, std::vector<int>(out.size(), 0)};
}

V make_luf(const Array& a, LUF::Mode m, Stream s) {
  const int64_t M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  Shape b = batch_of(a);
  auto p = std::make_shared<LUF>(s, m);
  switch (m) {
    case LUF::Mode::factor:
      return Array::make_siblings({a.shape(), with(b, {K})}, {a.dtype(), Dtype::uint32}, p, {a});
    case LUF::Mode::split:
      return Array::make_siblings({with(b, {M}), with(b, {M, K}), with(b, {K, N})},
                                  {Dtype::uint32, a.dtype(), a.dtype()}, p, {a});
    case LUF::Mode::slogdet: return Array::make_siblings({b, b}, {a.dtype(), a.dtype()}, p, {a});
    default: return {Array(b, a.dtype(), p, {a})};
  }
}
V LUF::rebuild(const V& in) const { return make_luf(in[0], mode_, stream()); }
bool LUF::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const LUF*>(&o);
  return p && p->mode_ == mode_;
}

Array make_inverse(const Array& a, bool tri, bool upper, Stream s) {
  return Array(a.shape(), a.dtype(), std::make_shared<Inverse>(s, tri, upper), {a});
}
V Inverse::rebuild(const V& in) const { return {make_inverse(in[0], tri_, upper_, stream())}; }
bool Inverse::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const Inverse*>(&o);
  return p && p->tri_ == tri_ && p->upper_ == upper_;
}

// d(A^-1) = -A^-1 dA A^-1, so the cotangent maps to -A^-T G A^-T. Only the general inverse
// (the triangular one reads half the input).
V Inverse::vjp(const V& primals, const V& cot, const std::vector<int>&, const V& outputs) {
  if (tri_) return Primitive::vjp(primals, cot, {0}, outputs);
  Stream s = stream();
  Array yt = swapaxes(outputs[0], -1, -2, s);
  return {negative(matmul(matmul(yt, cot[0], s), yt, s), s)};
}
V Inverse::jvp(const V& primals, const V& tangents, const std::vector<int>& argnums) {
  if (tri_) return Primitive::jvp(primals, tangents, argnums);
  Stream s = stream();
  Array y = make_inverse(primals[0], false, false, s);
  return {negative(matmul(matmul(y, tangents[0], s), y, s), s)};
}

Array make_cholesky(const Array& a, bool upper, Stream s) {
  return Array(a.shape(), a.dtype(), std::make_shared<Cholesky>(s, upper), {a});
}
V Cholesky::rebuild(const V& in) const { return {make_cholesky(in[0], upper_, stream())}; }
bool Cholesky::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const Cholesky*>(&o);
  return p && p->upper_ == upper_;
}

V make_qrf(const Array& a, Stream s) {
  const int64_t M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  Shape b = batch_of(a);
  return Array::make_siblings({with(b, {M, K}), with(b, {K, N})}, {a.dtype(), a.dtype()},
                              std::make_shared<QRF>(s), {a});
}
V QRF::rebuild(const V& in) const { return make_qrf(in[0], stream()); }

V make_svd(const Array& a, bool uv, Stream s) {
  const int64_t M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  Shape b = batch_of(a);
  auto p = std::make_shared<SVD>(s, uv);
  if (!uv) return {Array(with(b, {K}), a.dtype(), p, {a})};
  return Array::make_siblings({with(b, {M, M}), with(b, {K}), with(b, {N, N})}, {a.dtype(), a.dtype(), a.dtype()},
                              p, {a});
}
V SVD::rebuild(const V& in) const { return make_svd(in[0], uv_, stream()); }
bool SVD::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const SVD*>(&o);
  return p && p->uv_ == uv_;
}

V make_eigh(const Array& a, char uplo, bool vectors, Stream s) {
  const int64_t N = a.shape(-1);
  Shape b = batch_of(a);
  auto p = std::make_shared<Eigh>(s, uplo, vectors);
  if (!vectors) return {Array(with(b, {N}), a.dtype(), p, {a})};
  return Array::make_siblings({with(b, {N}), a.shape()}, {a.dtype(), a.dtype()}, p, {a});
}
V Eigh::rebuild(const V& in) const { return make_eigh(in[0], uplo_, vectors_, stream()); }
bool Eigh::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const Eigh*>(&o);
  return p && p->uplo_ == uplo_ && p->vectors_ == vectors_;
}

V make_eig(const Array& a, bool vectors, Stream s) {
  const int64_t N = a.shape(-1);
  Shape b = batch_of(a);
  auto p = std::make_shared<Eig>(s, vectors);
  if (!vectors) return {Array(with(b, {N}), Dtype::complex64, p, {a})};
  return Array::make_siblings({with(b, {N}), a.shape()}, {Dtype::complex64, Dtype::complex64}, p, {a});
}
V Eig::rebuild(const V& in) const { return make_eig(in[0], vectors_, stream()); }
bool Eig::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const Eig*>(&o);
  return p && p->vectors_ == vectors_;
}

}  // namespace mlx
