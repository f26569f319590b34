// Tracing depth: > 0 while a transform (grad, jvp, vmap, compile) runs user code.
#pragma once

namespace mlx {

int tracing_depth();
struct TracingScope {
  TracingScope();
  ~TracingScope();
  TracingScope(const TracingScope&) = delete;
  TracingScope& operator=(const TracingScope&) = delete;
};
void begin_tracing();
void end_tracing();

}  // namespace mlx
