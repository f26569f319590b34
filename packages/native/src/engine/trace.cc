#include "trace.h"

#include <atomic>

namespace mlx {

static std::atomic<int> g_depth{0};
int tracing_depth() { return g_depth.load(std::memory_order_relaxed); }
void begin_tracing() { g_depth++; }
void end_tracing() { g_depth--; }
TracingScope::TracingScope() { begin_tracing(); }
TracingScope::~TracingScope() { end_tracing(); }

}  // namespace mlx
