#include "int8_linear.h"

#include "../ops/binary.h"
#include "../ops/matmul.h"
#include "../ops/reduce.h"
#include "../ops/shape.h"

namespace mlx {

namespace {
// The activation quantization is treated as the identity (straight-through): d y / d x = W_float.
Array dequantized(const std::vector<Array>& p, const Stream& s) {
  return multiply(astype(p[1], Dtype::float32, s), reshape(p[2], {p[2].shape(0), 1}, s), s);  // [N, K]
}
}  // namespace

std::vector<Array> Int8Linear::vjp(const std::vector<Array>& primals, const std::vector<Array>& cot,
                                   const std::vector<int>& argnums, const std::vector<Array>&) {
  std::vector<Array> out;
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(matmul(cot[0], dequantized(primals, stream()), stream()));
    } else if (a == 3) {
      std::vector<int> lead;
      for (int d = 0; d + 1 < cot[0].ndim(); d++) lead.push_back(d);
      out.push_back(lead.empty() ? cot[0] : sum(cot[0], lead, false, stream()));
    } else {
      throw_error(ErrorCode::not_implemented,
                  "[int8_linear] Gradients are only implemented for x and the bias, not the int8 weights or scales.");
    }
  }
  return out;
}

std::vector<Array> Int8Linear::jvp(const std::vector<Array>& primals, const std::vector<Array>& tan,
                                   const std::vector<int>& argnums) {
  std::optional<Array> acc;
  for (size_t i = 0; i < argnums.size(); i++) {
    Array t;
    if (argnums[i] == 0) t = matmul(tan[i], transpose(dequantized(primals, stream()), stream()), stream());
    else if (argnums[i] == 3) t = tan[i];
    else throw_error(ErrorCode::not_implemented, "[int8_linear] Tangents are only implemented for x and the bias.");
    acc = acc ? add(*acc, t, stream()) : t;
  }
  return {*acc};
}

std::vector<Shape> Int8Linear::output_shapes(const std::vector<Array>& in) {
  Shape s = in[0].shape();
  s.back() = in[1].shape(0);
  return {s};
}

}  // namespace mlx
