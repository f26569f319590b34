#include "autodiff.h"

#include <unordered_map>
#include <unordered_set>

#include "../engine/primitive.h"
#include "../ops/binary.h"
#include "../ops/shape.h"
#include "../primitives/shape.h"
#include "../primitives/unary.h"
#include "graph.h"

namespace mlx {

namespace {

Array zeros_for(const Array& like) { return full(like.shape(), Array::scalar(0.0, like.dtype()), like.dtype()); }

Array accumulate(const Array& acc, const Array& v) { return acc.valid() ? add(acc, v, {}) : v; }

bool is_stop_gradient(const Array& a) {
  auto u = dynamic_cast<const Unary*>(&a.primitive());
  return u && u->op() == UnaryOp::StopGradient;
}

// The nodes gradients flow through: those depending on the primals other than through a
// stop_gradient (MLX leaves StopGradient nodes, and what only they connect, off the tape).
std::vector<Array> dependent_tape(const std::vector<Array>& primals, const std::vector<Array>& outputs) {
  std::unordered_set<const ArrayDesc*> ids;
  for (auto& p : primals) ids.insert(p.id());
  std::vector<Array> tape = tape_between(ids, outputs), kept;
  for (auto& n : tape) {
    if (is_stop_gradient(n)) continue;
    bool dep = false;
    for (auto& in : n.inputs()) dep = dep || ids.count(in.id());
    if (!dep) continue;
    for (auto& o : n.outputs()) ids.insert(o.id());
    kept.push_back(n);
  }
  return kept;
}

}  // namespace

std::vector<Array> trace_inputs(const std::vector<Array>& inputs) {
  std::vector<Array> out;
  for (auto& in : inputs) {
    // A copy node gives every primal a distinct identity, even when the same array is passed twice.
    Array c = Array(in.shape(), in.dtype(), std::make_shared<AsType>(default_stream(default_device()), in.dtype()), {in});
    c.set_tracer(true);
    out.push_back(c);
  }
  return out;
}

std::vector<Array> vjp_backward(const std::vector<Array>& primals, const std::vector<Array>& outputs,
                                const std::vector<Array>& cotangents) {
  check(outputs.size() == cotangents.size(), ErrorCode::invalid_argument,
        "[vjp] Number of outputs and cotangents differ.");
  for (size_t i = 0; i < outputs.size(); i++)
    check(outputs[i].shape() == cotangents[i].shape(), ErrorCode::shape,
          "[vjp] Cotangent shape " + shape_str(cotangents[i].shape()) + " does not match output shape " +
              shape_str(outputs[i].shape()) + ".");
  std::unordered_map<const ArrayDesc*, Array> cot;
  for (size_t i = 0; i < outputs.size(); i++) cot[outputs[i].id()] = accumulate(cot[outputs[i].id()], cotangents[i]);

  auto tape = dependent_tape(primals, outputs);
  std::unordered_set<const ArrayDesc*> needs;  // nodes whose cotangent is wanted
  for (auto& p : primals) needs.insert(p.id());
  for (auto& n : tape) for (auto& o : n.outputs()) needs.insert(o.id());

  for (auto it = tape.rbegin(); it != tape.rend(); ++it) {
    Array& node = *it;
    auto outs = node.outputs();
    std::vector<Array> cots;
    bool any = false;
    for (auto& o : outs) {
      auto c = cot.find(o.id());
      if (c != cot.end() && c->second.valid()) { cots.push_back(c->second); any = true; }
      else cots.push_back(zeros_for(o));
    }
    if (!any) continue;
    const auto& ins = node.inputs();
    std::vector<int> argnums;
    for (size_t i = 0; i < ins.size(); i++)
      if (needs.count(ins[i].id())) argnums.push_back((int)i);
    if (argnums.empty()) continue;
    auto grads = node.primitive().vjp(ins, cots, argnums, outs);
    check(grads.size() == argnums.size(), ErrorCode::internal,
          std::string("[vjp] ") + node.primitive().name() + " returned the wrong number of cotangents.");
    for (size_t k = 0; k < argnums.size(); k++) {
      auto& slot = cot[ins[argnums[k]].id()];
      slot = accumulate(slot, grads[k]);
    }
    for (auto& o : outs) cot.erase(o.id());  // free intermediate cotangents early
  }
  std::vector<Array> result;
  for (auto& p : primals) {
    auto c = cot.find(p.id());
    result.push_back(c != cot.end() && c->second.valid() ? c->second : zeros_for(p));
  }
  return result;
}

std::vector<Array> jvp_forward(const std::vector<Array>& primals, const std::vector<Array>& tangents,
                               const std::vector<Array>& outputs) {
  check(primals.size() == tangents.size(), ErrorCode::invalid_argument, "[jvp] Number of primals and tangents differ.");
  std::unordered_map<const ArrayDesc*, Array> tan;
  for (size_t i = 0; i < primals.size(); i++) {
    check(primals[i].shape() == tangents[i].shape(), ErrorCode::shape,
          "[jvp] Tangent shape " + shape_str(tangents[i].shape()) + " does not match primal shape " +
              shape_str(primals[i].shape()) + ".");
    tan[primals[i].id()] = tangents[i];
  }
  for (auto& node : dependent_tape(primals, outputs)) {
    const auto& ins = node.inputs();
    std::vector<int> argnums;
    std::vector<Array> tans;
    for (size_t i = 0; i < ins.size(); i++) {
      auto t = tan.find(ins[i].id());
      if (t != tan.end()) { argnums.push_back((int)i); tans.push_back(t->second); }
    }
    auto outs = node.outputs();
    auto res = node.primitive().jvp(ins, tans, argnums);
    check(res.size() == outs.size(), ErrorCode::internal,
          std::string("[jvp] ") + node.primitive().name() + " returned the wrong number of tangents.");
    for (size_t k = 0; k < outs.size(); k++) tan[outs[k].id()] = res[k];
  }
  std::vector<Array> result;
  for (auto& o : outputs) {
    auto t = tan.find(o.id());
    result.push_back(t != tan.end() ? t->second : zeros_for(o));
  }
  return result;
}

}  // namespace mlx
