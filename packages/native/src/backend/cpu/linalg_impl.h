// Dense factorizations shared by the linalg kernels. Matrices are row-major with a leading
// dimension; T is float or double.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "../../engine/array.h"

namespace mlx::cpu::linalg {

// In-place LU with partial pivoting of an M x N matrix (row stride lda); ipiv[k] is the row
// swapped with row k at step k. Returns 0, or 1 + the first index with a zero pivot.
// `threads`: allow the GEMM updates to use the pool (a single large matrix).
template <typename T> int64_t lu_inplace(T* a, int64_t M, int64_t N, int64_t lda, int32_t* ipiv, bool threads);

// X = inverse of the lower (upper) triangle of the n x n `a` (unit diagonal if `unit`), written
// dense into x (zeros in the other triangle). Returns false if a diagonal entry is zero.
template <typename T> bool tri_inverse(const T* a, int64_t n, bool upper, bool unit, T* x);

// Reduced / full Householder QR of an M x N matrix: qt (kq x M rows = columns of Q, kq = K or
// M when `full`) and r (K x N). Either output may be null.
template <typename T> void householder_qr(const T* a, int64_t M, int64_t N, bool full, T* qt, T* r);

// SVD of an M x N matrix: u (M x M), s (K), vt (N x N); u/vt null when not wanted.
template <typename T> void svd_jacobi(const T* a, int64_t M, int64_t N, T* u, T* s, T* vt);

// Symmetric eigen-decomposition (full symmetric n x n `a`): ascending w, eigenvectors as
// columns of v (null: values only).
void eigh_tridiag(const double* a, int64_t n, double* w, double* v);

// General eigen-decomposition: eigenvalues (wr, wi) and, when v is non-null, the n x n real
// eigenvector block of LAPACK's packed form (a complex pair occupies columns j, j+1 as re, im).
// Returns false when the QR iteration does not converge.
bool eig_hqr(const double* a, int64_t n, double* wr, double* wi, double* v);

// Runs fn(b) for b in [0, B): over the pool when there are several matrices worth splitting.
void for_batches(int64_t B, int64_t work_per, const std::function<void(int64_t)>& fn);

// Batch count and the (contiguous) input of a linalg kernel.
int64_t batch_count(const Array& a);

}  // namespace mlx::cpu::linalg
