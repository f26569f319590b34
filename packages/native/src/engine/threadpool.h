// Fixed pool for intra-op parallelism. The calling thread takes a share of the work, so
// parallel_for on a 2-core machine uses exactly 2 threads. Nested calls run inline.
#pragma once
#include <cstdint>
#include <functional>

namespace mlx {

int num_threads();
void set_num_threads(int n);  // 1 disables parallelism; takes effect for the next parallel_for

// Calls fn(begin, end) over [0, n) in contiguous chunks. Runs inline when n < 2*grain.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Runs fn(t, nt) once per thread t in [0, nt): for kernels that partition work themselves (GEMM).
void parallel_run(int nt, const std::function<void(int, int)>& fn);

}  // namespace mlx
