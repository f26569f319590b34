#include "graph.h"

namespace mlx {

std::vector<Array> tape_between(const std::unordered_set<const ArrayDesc*>& sources, const std::vector<Array>& outputs) {
  std::vector<Array> tape;
  std::unordered_set<const ArrayDesc*> visited, depends(sources.begin(), sources.end());
  std::vector<std::pair<Array, size_t>> stack;
  for (auto& out : outputs) {
    if (visited.count(out.id())) continue;
    visited.insert(out.id());
    stack.emplace_back(out, 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (sources.count(node.id())) { stack.pop_back(); continue; }
      const auto& ins = node.inputs();
      if (next < ins.size()) {
        Array child = ins[next++];
        if (!visited.count(child.id())) {
          visited.insert(child.id());
          stack.emplace_back(std::move(child), 0);
        }
        continue;
      }
      bool dep = false;
      for (auto& in : ins) dep = dep || depends.count(in.id());
      if (dep) {
        for (auto& o : node.outputs()) { depends.insert(o.id()); visited.insert(o.id()); }
        tape.push_back(node);
      }
      stack.pop_back();
    }
  }
  return tape;
}

}  // namespace mlx
