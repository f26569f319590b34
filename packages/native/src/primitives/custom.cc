#include "custom.h"

#include <mutex>

#include "../ops/shape.h"
#include "../ops/unary.h"

namespace mlx {

namespace {
CustomRuleHook g_hook;
std::mutex g_released_mu;
std::vector<int64_t> g_released;

CustomRuleResult call_hook(int64_t id, const char* kind, const std::vector<Array>& a, const std::vector<Array>& b,
                           const std::vector<Array>& c, const std::vector<int>& axes) {
  check((bool)g_hook, ErrorCode::internal, "[custom_function] No rule hook is installed.");
  return g_hook(id, kind, a, b, c, axes);
}
}  // namespace

void set_custom_rule_hook(CustomRuleHook hook) { g_hook = std::move(hook); }

std::vector<int64_t> take_released_custom_ids() {
  std::lock_guard<std::mutex> lk(g_released_mu);
  std::vector<int64_t> out;
  out.swap(g_released);
  return out;
}

CustomRuleHandle::~CustomRuleHandle() {
  std::lock_guard<std::mutex> lk(g_released_mu);
  g_released.push_back(id);
}

std::vector<Array> CustomTransforms::vjp(const std::vector<Array>& primals, const std::vector<Array>& cot,
                                         const std::vector<int>& argnums, const std::vector<Array>& outputs) {
  size_t n_in = primals.size() - num_outputs_;
  std::vector<Array> args(primals.begin(), primals.begin() + n_in);
  auto all = call_hook(rules_->id, "vjp", args, cot, outputs, {}).arrays;
  check(all.size() == n_in, ErrorCode::invalid_argument,
        "[custom_function] The vjp returned " + std::to_string(all.size()) + " cotangents for " +
            std::to_string(n_in) + " inputs.");
  std::vector<Array> out;
  for (int a : argnums) {
    if ((size_t)a >= n_in) { out.push_back(cot[a - n_in]); continue; }  // the stopped outputs
    Array g = all[a];
    check(g.shape() == primals[a].shape(), ErrorCode::shape,
          "[custom_function] The vjp returned a cotangent of shape " + shape_str(g.shape()) + " for an input of shape " +
              shape_str(primals[a].shape()) + ".");
    out.push_back(g);
  }
  return out;
}

std::vector<Array> CustomTransforms::jvp(const std::vector<Array>& primals, const std::vector<Array>& tangents,
                                         const std::vector<int>& argnums) {
  size_t n_in = primals.size() - num_outputs_;
  std::vector<Array> args(primals.begin(), primals.begin() + n_in), tans;
  for (size_t i = 0, k = 0; i < n_in; i++) {
    while (k < argnums.size() && (size_t)argnums[k] < i) k++;
    if (k < argnums.size() && (size_t)argnums[k] == i) tans.push_back(tangents[k]);
    else tans.push_back(full(args[i].shape(), Array::scalar(0.0, args[i].dtype()), args[i].dtype(), stream()));
  }
  auto res = call_hook(rules_->id, "jvp", args, tans, {}, {}).arrays;
  check(res.size() == (size_t)num_outputs_, ErrorCode::invalid_argument,
        "[custom_function] The jvp returned " + std::to_string(res.size()) + " tangents for " +
            std::to_string(num_outputs_) + " outputs.");
  return res;
}

std::pair<std::vector<Array>, std::vector<int>> CustomTransforms::vmap(const std::vector<Array>& inputs,
                                                                       const std::vector<int>& axes) {
  size_t n_in = inputs.size() - num_outputs_;
  std::vector<Array> args(inputs.begin(), inputs.begin() + n_in);
  std::vector<int> ax(axes.begin(), axes.begin() + n_in);
  auto res = call_hook(rules_->id, "vmap", args, {}, {}, ax);
  check(res.arrays.size() == (size_t)num_outputs_ && res.axes.size() == res.arrays.size(),
        ErrorCode::invalid_argument, "[custom_function] The vmap rule must return one output and one axis per output.");
  return {res.arrays, res.axes};
}

std::vector<Shape> CustomTransforms::output_shapes(const std::vector<Array>& inputs) {
  std::vector<Shape> out;
  for (size_t i = inputs.size() - num_outputs_; i < inputs.size(); i++) out.push_back(inputs[i].shape());
  return out;
}

std::vector<Array> custom_transforms_apply(int64_t id, const std::vector<Array>& args,
                                           const std::vector<Array>& outputs) {
  check(!outputs.empty(), ErrorCode::invalid_argument, "[custom_function] The function must return at least one array.");
  std::vector<Array> inputs = args;
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& o : outputs) {
    inputs.push_back(stop_gradient(o));
    shapes.push_back(o.shape());
    dtypes.push_back(o.dtype());
  }
  auto prim = std::make_shared<CustomTransforms>(default_stream(default_device()), (int)outputs.size(),
                                                 std::make_shared<CustomRuleHandle>(id));
  if (outputs.size() == 1) return {Array(shapes[0], dtypes[0], prim, std::move(inputs))};
  return Array::make_siblings(std::move(shapes), std::move(dtypes), prim, std::move(inputs));
}

}  // namespace mlx
