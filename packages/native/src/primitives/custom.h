// CustomTransforms: the node behind customFunction/checkpoint (MLX's CustomTransforms).
// Inputs are the function's arguments followed by its outputs (computed normally and passed
// through stop_gradient); the forward is the identity on those trailing outputs, so eval never
// runs user code. The vjp/jvp/vmap rules call back into the host language (JS) through a hook
// the binding installs; transforms run on the JS thread, so that is safe.
#pragma once
#include <functional>
#include <memory>

#include "../engine/primitive.h"

namespace mlx {

struct CustomRuleResult {
  std::vector<Array> arrays;
  std::vector<int> axes;  // vmap only
};
// kind: "vjp" (a = primals, b = cotangents, c = outputs) -> one cotangent per primal;
//       "jvp" (a = primals, b = tangents of every primal) -> one tangent per output;
//       "vmap" (a = inputs, axes = their batch axes)       -> outputs and their batch axes.
using CustomRuleHook = std::function<CustomRuleResult(int64_t id, const char* kind, const std::vector<Array>& a,
                                                      const std::vector<Array>& b, const std::vector<Array>& c,
                                                      const std::vector<int>& axes)>;
void set_custom_rule_hook(CustomRuleHook hook);
// Ids of rule sets whose last node has been destroyed (the host may forget their rules).
std::vector<int64_t> take_released_custom_ids();

// Owns one host-side rule id; its destruction (on any thread) queues the id for release.
struct CustomRuleHandle {
  explicit CustomRuleHandle(int64_t id) : id(id) {}
  ~CustomRuleHandle();
  int64_t id;
};

class CustomTransforms : public Primitive {
 public:
  CustomTransforms(Stream s, int num_outputs, std::shared_ptr<CustomRuleHandle> rules)
      : Primitive(s), num_outputs_(num_outputs), rules_(std::move(rules)) {}
  const char* name() const override { return "CustomTransforms"; }
  int num_outputs() const { return num_outputs_; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  MLX_DECLARE_VMAP
  MLX_DECLARE_OUTPUT_SHAPES

 private:
  int num_outputs_;
  std::shared_ptr<CustomRuleHandle> rules_;
};

// Builds the custom node over `args` and the function's `outputs`; returns its outputs.
std::vector<Array> custom_transforms_apply(int64_t id, const std::vector<Array>& args,
                                           const std::vector<Array>& outputs);

}  // namespace mlx
