// Profiling aid: with MLX_EVAL_TRACE=1, eval() sums kernel time per primitive and the time between kernels.
#pragma once
#include <string>

namespace mlx {

bool eval_trace_enabled();
// The summary since the last reset (a table, one primitive per line); reset clears the sums.
std::string eval_trace_report(bool reset);

}  // namespace mlx
