// Linear-algebra primitives (MLX's Inverse, Cholesky, QRF, SVD, Eigh, Eig, LUF). Every one works
// on the last two axes and is batched over the leading ones; inputs are float32 or float64.
#pragma once
#include "../engine/primitive.h"

namespace mlx {

// Batched-matrix primitives share the vmap rule (move the mapped axis to the front).
class LinalgPrimitive : public Primitive {
 public:
  using Primitive::Primitive;
  MLX_DECLARE_VMAP
  // The same primitive over inputs with one more leading axis.
  virtual std::vector<Array> rebuild(const std::vector<Array>& inputs) const = 0;
};

// LU with partial pivoting. mode factor: {LU, pivots (uint32, LAPACK-style swaps)};
// split: {row permutation (uint32, A = L[perm] @ U), L, U}; slogdet: {sign, log|det|}; det: {det}.
class LUF : public LinalgPrimitive {
 public:
  enum class Mode { factor, split, slogdet, det };
  LUF(Stream s, Mode m) : LinalgPrimitive(s), mode_(m) {}
  const char* name() const override { return "LUF"; }
  Mode mode() const { return mode_; }
  std::vector<Array> rebuild(const std::vector<Array>& in) const override;
  bool is_equivalent(const Primitive& o) const override;

 private:
  Mode mode_;
};

// General inverse (tri = false, singular input raises) or triangular inverse of the `upper`
// (or lower) triangle.
class Inverse : public LinalgPrimitive {
 public:
  Inverse(Stream s, bool tri, bool upper) : LinalgPrimitive(s), tri_(tri), upper_(upper) {}
  const char* name() const override { return "Inverse"; }
  bool tri() const { return tri_; }
  bool upper() const { return upper_; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  std::vector<Array> rebuild(const std::vector<Array>& in) const override;
  bool is_equivalent(const Primitive& o) const override;

 private:
  bool tri_, upper_;
};

// Cholesky factor from the lower (or upper) triangle; not positive definite raises.
class Cholesky : public LinalgPrimitive {
 public:
  Cholesky(Stream s, bool upper) : LinalgPrimitive(s), upper_(upper) {}
  const char* name() const override { return "Cholesky"; }
  bool upper() const { return upper_; }
  std::vector<Array> rebuild(const std::vector<Array>& in) const override;
  bool is_equivalent(const Primitive& o) const override;

 private:
  bool upper_;
};

// Reduced Householder QR: Q (M x K), R (K x N), K = min(M, N).
class QRF : public LinalgPrimitive {
 public:
  using LinalgPrimitive::LinalgPrimitive;
  const char* name() const override { return "QRF"; }
  std::vector<Array> rebuild(const std::vector<Array>& in) const override;
  bool is_equivalent(const Primitive& o) const override { return dynamic_cast<const QRF*>(&o) != nullptr; }
};

// Full SVD {U (M x M), S (K), Vt (N x N)} or {S}; singular values descending.
class SVD : public LinalgPrimitive {
 public:
  SVD(Stream s, bool uv) : LinalgPrimitive(s), uv_(uv) {}
  const char* name() const override { return "SVD"; }
  bool compute_uv() const { return uv_; }
  std::vector<Array> rebuild(const std::vector<Array>& in) const override;
  bool is_equivalent(const Primitive& o) const override;

 private:
  bool uv_;
};

// Symmetric eigensolver reading the `uplo` ('L' or 'U') triangle: {w ascending, V} or {w}.
class Eigh : public LinalgPrimitive {
 public:
  Eigh(Stream s, char uplo, bool vectors) : LinalgPrimitive(s), uplo_(uplo), vectors_(vectors) {}
  const char* name() const override { return "Eigh"; }
  char uplo() const { return uplo_; }
  bool vectors() const { return vectors_; }
  std::vector<Array> rebuild(const std::vector<Array>& in) const override;
  bool is_equivalent(const Primitive& o) const override;

 private:
  char uplo_;
  bool vectors_;
};

// General eigensolver: complex64 {w, V} or {w}.
class Eig : public LinalgPrimitive {
 public:
  Eig(Stream s, bool vectors) : LinalgPrimitive(s), vectors_(vectors) {}
  const char* name() const override { return "Eig"; }
  bool vectors() const { return vectors_; }
  std::vector<Array> rebuild(const std::vector<Array>& in) const override;
  bool is_equivalent(const Primitive& o) const override;

 private:
  bool vectors_;
};

// Output shapes/dtypes of each primitive for an input `a` (batch dims kept).
std::vector<Array> make_luf(const Array& a, LUF::Mode m, Stream s);
Array make_inverse(const Array& a, bool tri, bool upper, Stream s);
Array make_cholesky(const Array& a, bool upper, Stream s);
std::vector<Array> make_qrf(const Array& a, Stream s);
std::vector<Array> make_svd(const Array& a, bool uv, Stream s);
std::vector<Array> make_eigh(const Array& a, char uplo, bool vectors, Stream s);
std::vector<Array> make_eig(const Array& a, bool vectors, Stream s);

}  // namespace mlx
