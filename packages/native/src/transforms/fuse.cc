#include "fuse.h"

#include <algorithm>
#include <unordered_map>

#include "../backend/cpu/elementwise_f32.h"
#include "../primitives/compiled.h"
#include "../primitives/shape.h"

namespace mlx {

namespace {

const Unary* as_unary(const Array& a) { return a.has_primitive() ? dynamic_cast<const Unary*>(&a.primitive()) : nullptr; }
const Binary* as_binary(const Array& a) { return a.has_primitive() ? dynamic_cast<const Binary*>(&a.primitive()) : nullptr; }

// Elementwise nodes with a float32 kernel can join a fused program when their inputs have their
// dtype: float32 on any device; float16/bfloat16 too on the GPU, whose fused kernel loads them into
// float32 registers and rounds only the stored outputs (the CPU kernel reads float32 only).
bool fusable_dtype(const Array& a) {
  Dtype dt = a.dtype();
  if (dt == Dtype::float32) return true;
  return (dt == Dtype::float16 || dt == Dtype::bfloat16) && a.primitive().stream().device.type == Device::Type::gpu;
}

bool fusable(const Array& a) {
  if (!a.has_primitive() || a.outputs().size() != 1 || !fusable_dtype(a)) return false;
  for (auto& in : a.inputs()) if (in.dtype() != a.dtype()) return false;
  if (auto u = as_unary(a)) return cpu::unary_f32_kernel(u->op()) != nullptr;
  if (auto b = as_binary(a)) {
    float x = 1, y = 1, z;
    return cpu::binary_f32_row(b->op(), &x, &y, &z, 1, 0, 0);
  }
  return false;
}

// A Broadcast view is free: the fused kernel broadcasts its inputs itself.
// A constant that is one value broadcast (already evaluated by compile) becomes a 0-d view, so
// shapeless programs do not bake in the shape it was traced with.
Array through_broadcast(const Array& a) {
  if (a.has_primitive() && dynamic_cast<const Broadcast*>(&a.primitive())) return a.inputs()[0];
  if (!a.has_primitive() && a.evaluated() && a.size() > 1 && a.data_size() == 1) {
    Array scalar(std::make_shared<ArrayDesc>(Shape{}, a.dtype()));
    scalar.copy_shared_buffer(a, {}, ArrayFlags{}, 1);
    return scalar;
  }
  return a;
}

// Drops nodes that no output needs any more (inputs of fused groups, absorbed broadcasts).
void prune(std::vector<Array>& tape, const std::vector<Array>& outputs) {
  std::unordered_set<const ArrayDesc*> live;
  for (auto& o : outputs) live.insert(o.id());
  std::vector<bool> keep(tape.size(), false);
  for (size_t i = tape.size(); i-- > 0;) {
    bool needed = false;
    for (auto& o : tape[i].outputs()) needed = needed || live.count(o.id());
    if (!needed) continue;
    keep[i] = true;
    for (auto& in : tape[i].inputs()) live.insert(in.id());
  }
  std::vector<Array> next;
  for (size_t i = 0; i < tape.size(); i++) if (keep[i]) next.push_back(tape[i]);
  tape = std::move(next);
}

}  // namespace

void fuse_elementwise(std::vector<Array>& tape, std::vector<Array>& outputs,
                      const std::unordered_set<const ArrayDesc*>& inputs) {
  std::unordered_map<const ArrayDesc*, int> uses;
  for (auto& n : tape) for (auto& in : n.inputs()) uses[in.id()]++;
  for (auto& o : outputs) uses[o.id()] += 1 << 20;  // graph outputs are used outside any group
  std::unordered_map<const ArrayDesc*, size_t> pos;
  for (size_t i = 0; i < tape.size(); i++) pos[tape[i].id()] = i;

  std::unordered_set<const ArrayDesc*> assigned;
  std::unordered_map<const ArrayDesc*, Array> replaced;  // group root -> fused node
  std::vector<bool> removed(tape.size(), false);
  std::vector<std::pair<size_t, Array>> inserted;

  for (size_t r = tape.size(); r-- > 0;) {
    const Array& root = tape[r];
    if (assigned.count(root.id()) || !fusable(root)) continue;
    // Grow backwards: an input joins when it is fusable, has the root's shape, and every use is inside.
    std::vector<Array> group{root};
    std::unordered_map<const ArrayDesc*, int> inside_uses;
    std::unordered_set<const ArrayDesc*> members{root.id()};
    for (size_t g = 0; g < group.size(); g++) {
      for (auto& in0 : group[g].inputs()) {
        inside_uses[in0.id()]++;
        const Array& in = in0;
        if (members.count(in.id()) || !pos.count(in.id()) || assigned.count(in.id())) continue;
        if (!fusable(in) || in.shape() != root.shape()) continue;
        if (inside_uses[in.id()] < uses[in.id()]) continue;  // more uses may still come from later members
        members.insert(in.id());
        group.push_back(in);
      }
    }
    // A member whose uses are not all inside must leave (its value is needed elsewhere).
    bool changed = true;
    while (changed) {
      changed = false;
      std::unordered_map<const ArrayDesc*, int> cnt;
      for (auto& m : group) for (auto& in : m.inputs()) cnt[in.id()]++;
      for (size_t k = 1; k < group.size(); k++)
        if (cnt[group[k].id()] < uses[group[k].id()]) {
          members.erase(group[k].id());
          group.erase(group.begin() + k);
          changed = true;
          break;
        }
    }
    if (group.size() < 2) continue;
    std::sort(group.begin(), group.end(), [&](const Array& a, const Array& b) { return pos[a.id()] < pos[b.id()]; });

    // Registers: external inputs first, then one per member in tape order.
    std::vector<Array> externals;
    std::unordered_map<const ArrayDesc*, int> reg;
    auto reg_of = [&](const Array& in) {
      auto it = reg.find(in.id());
      if (it != reg.end()) return it->second;
      Array src = through_broadcast(in);
      for (size_t k = 0; k < externals.size(); k++)
        if (externals[k].id() == src.id()) { reg[in.id()] = (int)k; return (int)k; }
      externals.push_back(src);
      reg[in.id()] = (int)externals.size() - 1;
      return (int)externals.size() - 1;
    };
    for (auto& m : group)
      for (auto& in : m.inputs())
        if (!members.count(in.id())) reg_of(in);
    std::vector<FusedInstr> program;
    int n_in = (int)externals.size();
    for (size_t k = 0; k < group.size(); k++) {
      const Array& m = group[k];
      FusedInstr ins{};
      if (auto u = as_unary(m)) { ins.is_unary = true; ins.uop = u->op(); ins.params = u->params(); }
      else { ins.is_unary = false; ins.bop = as_binary(m)->op(); }
      ins.a = reg.at(m.inputs()[0].id());
      ins.b = ins.is_unary ? 0 : reg.at(m.inputs()[1].id());
      program.push_back(ins);
      reg[m.id()] = n_in + (int)k;
    }
    auto prim = std::make_shared<Compiled>(root.primitive().stream(), n_in, std::move(program),
                                           std::vector<int>{reg.at(root.id())});
    Array fused(root.shape(), root.dtype(), prim, externals);
    for (auto& m : group) { assigned.insert(m.id()); removed[pos[m.id()]] = true; }
    replaced[root.id()] = fused;
    inserted.emplace_back(r, fused);
  }
  if (inserted.empty()) return;

  std::vector<Array> next;
  std::sort(inserted.begin(), inserted.end(), [](auto& a, auto& b) { return a.first < b.first; });
  size_t k = 0;
  for (size_t i = 0; i < tape.size(); i++) {
    if (k < inserted.size() && inserted[k].first == i) next.push_back(inserted[k++].second);
    else if (!removed[i]) next.push_back(tape[i]);
  }
  // Fused nodes may read other fused roots (a later group fed by an earlier one).
  for (auto& n : next)
    for (auto& in : n.inputs_mut()) {
      auto it = replaced.find(in.id());
      if (it != replaced.end()) in = it->second;
    }
  for (auto& o : outputs) {
    auto it = replaced.find(o.id());
    if (it != replaced.end()) o = it->second;
  }
  tape = std::move(next);
  prune(tape, outputs);
  (void)inputs;
}

}  // namespace mlx
