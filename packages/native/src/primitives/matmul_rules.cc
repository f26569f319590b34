// Transform rules of Matmul and AddMM. Their inputs share the batch shape (the op broadcasts
// them first), so gradients have the inputs' shapes without any reduction here.
#include "../ops/matmul.h"
#include "ew_util.h"
#include "matmul.h"
#include "vmap_util.h"

namespace mlx {

using namespace ew;

namespace {

Array mT(const Array& a, const Stream& s) { return swapaxes(a, -1, -2, s); }

Shape product_shape(const V& in) {
  const Array &a = in[0], &b = in[1];
  check(a.ndim() >= 2 && b.ndim() >= 2 && a.shape(-1) == b.shape(-2), ErrorCode::shape,
        "[matmul] Incompatible shapes " + shape_str(a.shape()) + " and " + shape_str(b.shape()) + ".");
  Shape out = broadcast_shapes(Shape(a.shape().begin(), a.shape().end() - 2), Shape(b.shape().begin(), b.shape().end() - 2));
  out.push_back(a.shape(-2));
  out.push_back(b.shape(-1));
  return out;
}

Array scaled(const Array& g, float k, const Stream& s) { return k == 1.0f ? g : multiply(g, cst(k, g), s); }

}  // namespace

std::vector<Array> Matmul::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  const Stream& s = stream();
  V out;
  for (int arg : argnums)
    out.push_back(arg == 0 ? matmul(cot[0], mT(primals[1], s), s) : matmul(mT(primals[0], s), cot[0], s));
  return out;
}

std::vector<Array> Matmul::jvp(const V& primals, const V& tan, const std::vector<int>& argnums) {
  const Stream& s = stream();
  auto term = [&](size_t i) { return argnums[i] == 0 ? matmul(tan[i], primals[1], s) : matmul(primals[0], tan[i], s); };
  Array r = term(0);
  if (argnums.size() > 1) r = add(r, term(1), s);
  return {r};
}

// Batch axes go to the front; an unmapped operand broadcasts over the batch dims of the other.
std::pair<std::vector<Array>, std::vector<int>> Matmul::vmap(const V& in, const std::vector<int>& axes) {
  const Stream& s = stream();
  Array a = axes[0] > 0 ? moveaxis(in[0], axes[0], 0, s) : in[0];
  Array b = axes[1] > 0 ? moveaxis(in[1], axes[1], 0, s) : in[1];
  bool mapped = axes[0] >= 0 || axes[1] >= 0;
  return {{matmul(a, b, s)}, {mapped ? 0 : -1}};
}

std::vector<Shape> Matmul::output_shapes(const V& in) { return {product_shape(in)}; }

std::vector<Array> AddMM::vjp(const V& primals, const V& cot, const std::vector<int>& argnums, const V&) {
  const Stream& s = stream();
  V out;
  for (int arg : argnums) {
    if (arg == 0) out.push_back(matmul(scaled(cot[0], alpha_, s), mT(primals[1], s), s));
    else if (arg == 1) out.push_back(matmul(mT(primals[0], s), scaled(cot[0], alpha_, s), s));
    else out.push_back(scaled(cot[0], beta_, s));
  }
  return out;
}

std::vector<Array> AddMM::jvp(const V& primals, const V& tan, const std::vector<int>& argnums) {
  const Stream& s = stream();
  Array prod, lin;
  for (size_t i = 0; i < argnums.size(); i++) {
    if (argnums[i] == 2) { lin = scaled(tan[i], beta_, s); continue; }
    Array t = argnums[i] == 0 ? matmul(tan[i], primals[1], s) : matmul(primals[0], tan[i], s);
    prod = prod.valid() ? add(prod, t, s) : t;
  }
  if (prod.valid()) prod = scaled(prod, alpha_, s);
  if (prod.valid() && lin.valid()) return {add(prod, lin, s)};
  return {prod.valid() ? prod : lin};
}

std::pair<std::vector<Array>, std::vector<int>> AddMM::vmap(const V& in, const std::vector<int>& axes) {
  const Stream& s = stream();
  int64_t B = batch_size(in, axes);
  bool mapped = axes[0] >= 0 || axes[1] >= 0 || axes[2] >= 0;
  if (!mapped) return {{addmm(in[2], in[0], in[1], alpha_, beta_, s)}, {-1}};
  // Every operand gets the batch axis in front (unmapped ones as a broadcast view), so c always
  // matches the product's shape.
  Array a = batch_to_front(in[0], axes[0], B), b = batch_to_front(in[1], axes[1], B), c = batch_to_front(in[2], axes[2], B);
  return {{addmm(c, a, b, alpha_, beta_, s)}, {0}};
}

std::vector<Shape> AddMM::output_shapes(const V& in) { return {product_shape(in)}; }

}  // namespace mlx
