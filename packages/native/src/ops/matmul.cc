#include "matmul.h"

#include "../primitives/matmul.h"
#include "shape.h"

namespace mlx {

namespace {

// Shared front half of matmul/addmm: validates, promotes 1-D operands, casts and broadcasts the batch dims.
// Returns the output shape before removing the dims added for 1-D operands.
Shape prepare(const char* op, Array& a, Array& b, Dtype out_dtype, const std::string& dtype_msg,
              StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0)
    throw_error(ErrorCode::shape, std::string("[") + op +
                                      "] Got 0 dimension input. Inputs must have at least one dimension.");
  if (a.ndim() == 1) a = reshape(a, {1, a.shape(0)}, s);
  if (b.ndim() == 1) b = reshape(b, {b.shape(0), 1}, s);
  if (a.shape(-1) != b.shape(-2))
    throw_error(ErrorCode::shape, std::string("[") + op + "] Last dimension of first input with shape " +
                                      shape_str(a.shape()) +
                                      " must match second to last dimension of second input with shape " +
                                      shape_str(b.shape()) + ".");
  if (!is_inexact(out_dtype)) throw_error(ErrorCode::dtype, dtype_msg);
  a = astype(a, out_dtype, s);
  b = astype(b, out_dtype, s);
  Shape ab(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(ab, bb);
  Shape sa = batch, sb = batch;
  sa.push_back(a.shape(-2)), sa.push_back(a.shape(-1));
  sb.push_back(b.shape(-2)), sb.push_back(b.shape(-1));
  a = broadcast_to(a, sa, s);
  b = broadcast_to(b, sb, s);
  Shape out = batch;
  out.push_back(a.shape(-2)), out.push_back(b.shape(-1));
  return out;
}

// Drops the dims that were added for 1-D operands.
Shape squeezed(Shape out, int a_ndim, int b_ndim) {
  if (b_ndim == 1) out.pop_back();
  if (a_ndim == 1) out.erase(out.end() - (b_ndim == 1 ? 1 : 2));
  return out;
}

}  // namespace

Array matmul(const Array& in_a, const Array& in_b, StreamOrDevice s) {
  Array a = in_a, b = in_b;
  Dtype dt = promote_types(a.dtype(), b.dtype());
  std::string msg = std::string("[matmul] Only inexact types are supported but ") + dtype_name(a.dtype()) +
                    " and " + dtype_name(b.dtype()) + " were provided which results in " + dtype_name(dt) +
                    ", which is not a floating point type.";
  Shape out = prepare("matmul", a, b, dt, msg, s);
  Array r(out, dt, std::make_shared<Matmul>(to_stream(s)), {a, b});
  if (in_a.ndim() == 1 || in_b.ndim() == 1) r = reshape(r, squeezed(out, in_a.ndim(), in_b.ndim()), s);
  return r;
}

Array addmm(const Array& in_c, const Array& in_a, const Array& in_b, float alpha, float beta, StreamOrDevice s) {
  Array a = in_a, b = in_b;
  Dtype dt = promote_types(promote_types(a.dtype(), b.dtype()), in_c.dtype());
  std::string msg = std::string("[addmm] Only real floating point types are supported but ") +
                    dtype_name(in_c.dtype()) + ", " + dtype_name(a.dtype()) + " and " + dtype_name(b.dtype()) +
                    " were provided which results in " + dtype_name(dt) + ", which is not a real floating point type.";
  Shape out = prepare("addmm", a, b, dt, msg, s);
  Shape out_sq = squeezed(out, in_a.ndim(), in_b.ndim());
  Shape cshape = broadcast_shapes(in_c.shape(), out_sq);
  if (cshape != out_sq) throw_error(ErrorCode::shape, "[addmm] input c must broadcast to the output shape");
  Array c = broadcast_to(astype(in_c, dt, s), out_sq, s);
  if (out_sq != out) c = reshape(c, out, s);
  Array r(out, dt, std::make_shared<AddMM>(to_stream(s), alpha, beta), {a, b, c});
  if (out_sq != out) r = reshape(r, out_sq, s);
  return r;
}

}  // namespace mlx
