#pragma once
#include <mutex>
#include <vector>

#include "array.h"

namespace mlx {

// Evaluates the graphs behind `outputs` in dependency order. Thread-safe: evaluations are
// serialised by one engine lock, so asyncEval on the engine thread and eval on the JS
// thread never race on the same nodes.
void eval(const std::vector<Array>& outputs);

std::recursive_mutex& engine_mutex();

}  // namespace mlx
