// The process-wide cuBLASLt handle and status check shared by matmul.cu and conv.cu.
#pragma once
#include <cublasLt.h>

namespace mlx::cu {

// Throws an internal error naming `what` when a cuBLAS(Lt) call failed.
void check_blas(cublasStatus_t st, const char* what);
// Created on first use (cuBLASLt handles may be shared across threads and streams).
cublasLtHandle_t cublaslt_handle();

}  // namespace mlx::cu
