#include "vmap.h"

#include <unordered_map>
#include <unordered_set>

#include "../engine/primitive.h"
#include "../ops/shape.h"
#include "graph.h"

namespace mlx {

std::vector<Array> vmap_placeholders(const std::vector<Array>& inputs, const std::vector<int>& in_axes) {
  check(inputs.size() == in_axes.size(), ErrorCode::invalid_argument, "[vmap] in_axes must have one entry per input.");
  std::vector<Array> out;
  int64_t batch = -1;
  for (size_t i = 0; i < inputs.size(); i++) {
    if (in_axes[i] < 0) { out.push_back(inputs[i]); continue; }
    const Array& in = inputs[i];
    int ax = normalize_axis(in_axes[i], in.ndim(), "vmap");
    if (batch >= 0 && in.shape(ax) != batch)
      throw_error(ErrorCode::shape, "[vmap] Inconsistent sizes along the mapped axes: " + std::to_string(batch) +
                                        " and " + std::to_string(in.shape(ax)) + ".");
    batch = in.shape(ax);
    Shape s = in.shape();
    s.erase(s.begin() + ax);
    // No primitive and no data: evaluating it inside the vmapped function is an error.
    Array p(std::make_shared<ArrayDesc>(s, in.dtype()));
    p.set_tracer(true);
    out.push_back(p);
  }
  return out;
}

std::vector<Array> vmap_replace(const std::vector<Array>& inputs, const std::vector<Array>& placeholders,
                                const std::vector<int>& in_axes, const std::vector<Array>& outputs,
                                const std::vector<int>& out_axes) {
  check(outputs.size() == out_axes.size(), ErrorCode::invalid_argument, "[vmap] out_axes must have one entry per output.");
  // mapped: node -> (batched array, batch axis)
  std::unordered_map<const ArrayDesc*, std::pair<Array, int>> mapped;
  int64_t batch = 0;
  for (size_t i = 0; i < inputs.size(); i++)
    if (in_axes[i] >= 0) {
      int ax = normalize_axis(in_axes[i], inputs[i].ndim(), "vmap");
      mapped[placeholders[i].id()] = {inputs[i], ax};
      batch = inputs[i].shape(ax);
    }

  std::unordered_set<const ArrayDesc*> sources;
  for (auto& kv : mapped) sources.insert(kv.first);
  std::vector<Array> tape = tape_between(sources, outputs);

  for (auto& node : tape) {
    std::vector<Array> ins;
    std::vector<int> axes;
    for (auto& in : node.inputs()) {
      auto m = mapped.find(in.id());
      if (m != mapped.end()) { ins.push_back(m->second.first); axes.push_back(m->second.second); }
      else { ins.push_back(in); axes.push_back(-1); }
    }
    auto [outs, oaxes] = node.primitive().vmap(ins, axes);
    auto orig = node.outputs();
    for (size_t k = 0; k < orig.size(); k++) mapped[orig[k].id()] = {outs[k], oaxes[k]};
  }

  std::vector<Array> result;
  for (size_t i = 0; i < outputs.size(); i++) {
    auto m = mapped.find(outputs[i].id());
    if (m == mapped.end() || m->second.second < 0) {
      // Independent of the mapped inputs: broadcast along a new batch axis.
      Array o = m == mapped.end() ? outputs[i] : m->second.first;
      if (out_axes[i] < 0) { result.push_back(o); continue; }
      int ax = normalize_axis(out_axes[i], o.ndim() + 1, "vmap");
      Array e = expand_dims(o, {ax});
      Shape s = e.shape();
      s[ax] = batch;
      result.push_back(broadcast_to(e, s));
      continue;
    }
    check(out_axes[i] >= 0, ErrorCode::invalid_argument, "[vmap] An output that depends on mapped inputs needs an out axis.");
    auto [arr, ax] = m->second;
    int dst = normalize_axis(out_axes[i], arr.ndim(), "vmap");
    result.push_back(ax == dst ? arr : moveaxis(arr, ax, dst));
  }
  return result;
}

}  // namespace mlx
