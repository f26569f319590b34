#include "quantized.h"

#include "../primitives/quantized.h"
#include "creation.h"
#include "shape.h"

namespace mlx {

namespace {

void check_mode(const char* op, const std::string& mode) {
  if (mode == "affine") return;
  if (mode == "mxfp4" || mode == "mxfp8" || mode == "nvfp4")
    throw_error(ErrorCode::not_implemented, std::string("[") + op + "] Quantization mode '" + mode +
                                                "' is not implemented on the CPU backend; only 'affine' is.");
  throw_error(ErrorCode::invalid_argument, std::string("[") + op + "] Invalid quantization mode '" + mode + "'.");
}

// allow16: products and dequantization also take groups of 16 (beyond MLX's set), so that GGUF Q6_K's
// 16-element sub-blocks map exactly onto 8-bit affine groups; quantize keeps MLX's set.
void check_params(const char* op, int& group_size, int& bits, bool allow16 = true) {
  if (group_size < 0) group_size = 64;
  if (bits < 0) bits = 4;
  if (!(allow16 && group_size == 16) && group_size != 32 && group_size != 64 && group_size != 128)
    throw_error(ErrorCode::invalid_argument, std::string("[") + op + "] The requested group size " +
                                                 std::to_string(group_size) +
                                                 " is not supported. The supported group sizes are 32, 64, and 128.");
  if (bits < 1 || bits > 8 || bits == 7)
    throw_error(ErrorCode::invalid_argument,
                std::string("[") + op + "] The requested number of bits " + std::to_string(bits) +
                    " is not supported. The supported bits are 1, 2, 3, 4, 5, 6 and 8.");
}

Shape with_last(Shape s, int64_t v) {
  s.back() = v;
  return s;
}

Shape batch_of(const Array& a) { return Shape(a.shape().begin(), a.shape().end() - 2); }

// Checks w / scales / biases against each other and returns K (the unpacked length of w's rows) and N.
void check_qweights(const char* op, const Array& w, const Array& scales, const Array& biases, int gs, int bits) {
  if (w.dtype() != Dtype::uint32)
    throw_error(ErrorCode::dtype, std::string("[") + op + "] The weight matrix should be uint32 but received " +
                                      dtype_name(w.dtype()));
  if (scales.shape() != biases.shape())
    throw_error(ErrorCode::shape, std::string("[") + op + "] Scales and biases should have the same shape. Received "
                                      "scales with shape " + shape_str(scales.shape()) + " and biases with " +
                                      shape_str(biases.shape()));
  if (w.ndim() < 2 || scales.ndim() < 2)
    throw_error(ErrorCode::shape, std::string("[") + op + "] The weight matrix and scales must have at least 2 "
                                      "dimensions.");
  if (!is_floating(scales.dtype()) || !is_floating(biases.dtype()))
    throw_error(ErrorCode::dtype, std::string("[") + op + "] Scales and biases must be floating point.");
  bool ok = w.ndim() == scales.ndim() &&
            std::equal(w.shape().begin(), w.shape().end() - 1, scales.shape().begin()) &&
            w.shape(-1) * 32 == scales.shape(-1) * (int64_t)gs * bits;
  if (!ok)
    throw_error(ErrorCode::shape, std::string("[") + op + "] The shapes of the weight and scales are incompatible "
                                      "based on bits and group_size. w.shape() == " + shape_str(w.shape()) +
                                      " and scales.shape() == " + shape_str(scales.shape()) + " with group_size=" +
                                      std::to_string(gs) + " and bits=" + std::to_string(bits));
}

Dtype float_result(const char* op, Dtype a, Dtype b, Dtype c) {
  Dtype dt = promote_types(promote_types(a, b), c);
  if (!is_floating(dt))
    throw_error(ErrorCode::dtype, std::string("[") + op + "] Only real floating types are supported but got " +
                                      dtype_name(dt) + ".");
  return dt;
}

// Default indices: arange over the flattened batch, shaped like the batch; otherwise integer indices as uint32.
Array batch_indices(const char* op, const std::optional<Array>& idx, const Shape& batch, StreamOrDevice s) {
  if (!idx) {
    int64_t n = 1;
    for (auto d : batch) n *= d;
    return reshape(arange(0, (double)n, 1, Dtype::uint32, s), batch, s);
  }
  if (!is_integral(idx->dtype()))
    throw_error(ErrorCode::dtype, std::string("[") + op + "] Got indices with invalid dtype. Indices must be integral.");
  return astype(*idx, Dtype::uint32, s);
}

}  // namespace

std::vector<Array> quantize(const Array& w, int group_size, int bits, const std::string& mode, StreamOrDevice s) {
  check_mode("quantize", mode);
  check_params("quantize", group_size, bits, false);
  if (w.ndim() < 2)
    throw_error(ErrorCode::shape, "[quantize] The matrix to be quantized must have at least 2 dimension but it has "
                                  "only " + std::to_string(w.ndim()) + ".");
  if (w.shape(-1) % group_size != 0)
    throw_error(ErrorCode::shape, "[quantize] The last dimension of the matrix needs to be divisible by the "
                                  "quantization group size " + std::to_string(group_size) +
                                  ". However the provided  matrix has shape " + shape_str(w.shape()));
  if (!is_floating(w.dtype()) || w.dtype() == Dtype::float64)
    throw_error(ErrorCode::dtype, std::string("[quantize] Only real floating types can be quantized but w has type ") +
                                      dtype_name(w.dtype()) + ".");
  int64_t K = w.shape(-1);
  return Array::make_siblings({with_last(w.shape(), K * bits / 32), with_last(w.shape(), K / group_size),
                               with_last(w.shape(), K / group_size)},
                              {Dtype::uint32, w.dtype(), w.dtype()},
                              std::make_shared<Quantize>(to_stream(s), group_size, bits), {w});
}

Array dequantize(const Array& w, const Array& scales, const std::optional<Array>& biases, int group_size, int bits,
                 const std::string& mode, std::optional<Dtype> dtype, StreamOrDevice s) {
  check_mode("dequantize", mode);
  check_params("dequantize", group_size, bits);
  if (!biases) throw_error(ErrorCode::invalid_argument, "[dequantize] Biases must be provided for affine quantization.");
  if (w.dtype() != Dtype::uint32)
    throw_error(ErrorCode::dtype, std::string("[dequantize] The matrix should be given as a uint32 but got ") +
                                      dtype_name(w.dtype()));
  if (w.ndim() < 2 || scales.ndim() < 2 || biases->ndim() < 2)
    throw_error(ErrorCode::shape, "[dequantize] The matrix to be dequantized must have at least 2 dimensions.");
  bool ok = scales.shape() == biases->shape() && w.ndim() == scales.ndim() &&
            std::equal(w.shape().begin(), w.shape().end() - 1, scales.shape().begin()) &&
            w.shape(-1) * 32 == scales.shape(-1) * (int64_t)group_size * bits;
  if (!ok)
    throw_error(ErrorCode::shape, "[dequantize] Shape of scales and biases does not match the matrix given the "
                                  "quantization parameters. Provided matrix of shape " + shape_str(w.shape()) +
                                  " and scales/biases of shape " + shape_str(scales.shape()) + " with group_size=" +
                                  std::to_string(group_size) + " and bits=" + std::to_string(bits) + ".");
  Dtype out = dtype ? *dtype : promote_types(scales.dtype(), biases->dtype());
  if (!is_floating(out) || out == Dtype::float64 || !is_floating(scales.dtype()) || !is_floating(biases->dtype()))
    throw_error(ErrorCode::dtype, "[dequantize] Scales, biases and the output must be float32, float16 or bfloat16.");
  return Array(with_last(w.shape(), w.shape(-1) * 32 / bits), out,
               std::make_shared<Dequantize>(to_stream(s), group_size, bits), {w, scales, *biases});
}

Array quantized_matmul(const Array& in_x, const Array& w, const Array& scales, const std::optional<Array>& biases,
                       bool transpose, int group_size, int bits, const std::string& mode, StreamOrDevice s) {
  const char* op = "quantized_matmul";
  check_mode(op, mode);
  check_params(op, group_size, bits);
  if (!biases) throw_error(ErrorCode::invalid_argument, "[quantized_matmul] Biases must be provided for affine quantization.");
  check_qweights(op, w, scales, *biases, group_size, bits);
  if (in_x.ndim() == 0) throw_error(ErrorCode::shape, "[quantized_matmul] x must have at least one dimension.");
  int64_t wk = w.shape(-1) * 32 / bits;  // unpacked last dim of w
  int64_t K = transpose ? wk : w.shape(-2), N = transpose ? w.shape(-2) : wk;
  if (in_x.shape(-1) != K)
    throw_error(ErrorCode::shape, "[quantized_matmul] Last dimension of first input with shape (..., " +
                                      std::to_string(in_x.shape(-1)) + ") does not match the expanded quantized "
                                      "matrix (" + std::to_string(transpose ? N : K) + ", " +
                                      std::to_string(transpose ? K : N) + ") computed from shape " +
                                      shape_str(w.shape()) + " with group_size=" + std::to_string(group_size) +
                                      ", bits=" + std::to_string(bits) + " and transpose=" +
                                      (transpose ? "true" : "false"));
  Dtype dt = float_result(op, in_x.dtype(), scales.dtype(), biases->dtype());
  if (dt == Dtype::float64) throw_error(ErrorCode::dtype, "[quantized_matmul] float64 is not supported.");
  Array x = astype(in_x, dt, s), sc = scales, bi = *biases;
  if (sc.dtype() != bi.dtype()) {
    Dtype sd = promote_types(sc.dtype(), bi.dtype());
    sc = astype(sc, sd, s), bi = astype(bi, sd, s);
  }
  auto prim = std::make_shared<QuantizedMatmul>(to_stream(s), group_size, bits, transpose);
  if (w.ndim() == 2) {
    // Shared weights: every leading dim of x is a row.
    return Array(with_last(x.shape(), N), dt, prim, {x, w, sc, bi});
  }
  bool vec = x.ndim() == 1;
  if (vec) x = reshape(x, {1, K}, s);
  Shape batch = broadcast_shapes(batch_of(x), batch_of(w));
  auto bc = [&](const Array& a) {
    Shape sh = batch;
    sh.push_back(a.shape(-2)), sh.push_back(a.shape(-1));
    return broadcast_to(a, sh, s);
  };
  x = bc(x);
  Array wb = bc(w);
  sc = bc(sc), bi = bc(bi);
  Shape out = batch;
  out.push_back(x.shape(-2)), out.push_back(N);
  Array r(out, dt, prim, {x, wb, sc, bi});
  if (vec) {
    out.erase(out.end() - 2);
    r = reshape(r, out, s);
  }
  return r;
}

Array gather_mm(const Array& in_a, const Array& in_b, const std::optional<Array>& lhs,
                const std::optional<Array>& rhs, bool, StreamOrDevice s) {
  if (!lhs && !rhs) {
    // Plain (batched) matmul.
    Dtype dt = promote_types(in_a.dtype(), in_b.dtype());
    if (!is_floating(dt))
      throw_error(ErrorCode::dtype, std::string("[gather_mm] Only real floating point types are supported but ") +
                                        dtype_name(in_a.dtype()) + " and " + dtype_name(in_b.dtype()) +
                                        " were provided which results in " + dtype_name(dt) +
                                        ", which is not a real floating point type.");
  }
  if (in_a.ndim() == 0 || in_b.ndim() == 0)
    throw_error(ErrorCode::shape, "[gather_mm] Got 0 dimension input. Inputs must have at least one dimension.");
  Array a = in_a.ndim() == 1 ? reshape(in_a, {1, in_a.shape(0)}, s) : in_a;
  Array b = in_b.ndim() == 1 ? reshape(in_b, {in_b.shape(0), 1}, s) : in_b;
  if (a.shape(-1) != b.shape(-2))
    throw_error(ErrorCode::shape, "[gather_mm] Last dimension of first input with shape " + shape_str(a.shape()) +
                                      " must match second to last dimension of second input with shape " +
                                      shape_str(b.shape()) + ".");
  Dtype dt = promote_types(a.dtype(), b.dtype());
  if (!is_floating(dt))
    throw_error(ErrorCode::dtype, std::string("[gather_mm] Only real floating point types are supported but ") +
                                      dtype_name(a.dtype()) + " and " + dtype_name(b.dtype()) +
                                      " were provided which results in " + dtype_name(dt) +
                                      ", which is not a real floating point type.");
  Array li = batch_indices("gather_mm", lhs, batch_of(a), s);
  Array ri = batch_indices("gather_mm", rhs, batch_of(b), s);
  Shape batch = broadcast_shapes(li.shape(), ri.shape());
  li = broadcast_to(li, batch, s), ri = broadcast_to(ri, batch, s);
  a = astype(a, dt, s), b = astype(b, dt, s);
  Shape out = batch;
  out.push_back(a.shape(-2)), out.push_back(b.shape(-1));
  Array r(out, dt, std::make_shared<GatherMM>(to_stream(s)), {a, b, li, ri});
  if (in_a.ndim() == 1 || in_b.ndim() == 1) {
    Shape sq = batch;
    if (in_a.ndim() != 1) sq.push_back(a.shape(-2));
    if (in_b.ndim() != 1) sq.push_back(b.shape(-1));
    r = reshape(r, sq, s);
  }
  return r;
}

Array gather_qmm(const Array& x, const Array& w, const Array& scales, const std::optional<Array>& biases,
                 const std::optional<Array>& lhs, const std::optional<Array>& rhs, bool transpose, int group_size,
                 int bits, const std::string& mode, bool sorted, StreamOrDevice s) {
  const char* op = "gather_qmm";
  if (!lhs && !rhs) return quantized_matmul(x, w, scales, biases, transpose, group_size, bits, mode, s);
  check_mode(op, mode);
  check_params(op, group_size, bits);
  if (!biases) throw_error(ErrorCode::invalid_argument, "[gather_qmm] Biases must be provided for affine quantization.");
  check_qweights(op, w, scales, *biases, group_size, bits);
  if (x.ndim() < 2)
    throw_error(ErrorCode::shape, "[gather_qmm] Input must have at least two dimensions but got input with shape " +
                                      shape_str(x.shape()) + ".");
  int64_t wk = w.shape(-1) * 32 / bits;
  int64_t K = transpose ? wk : w.shape(-2), N = transpose ? w.shape(-2) : wk;
  if (x.shape(-1) != K)
    throw_error(ErrorCode::shape, "[gather_qmm] Last dimension of first input with shape " + shape_str(x.shape()) +
                                      " does not match the expanded quantized matrix computed from shape " +
                                      shape_str(w.shape()) + " with group_size=" + std::to_string(group_size) +
                                      ", bits=" + std::to_string(bits) + " and transpose=" +
                                      (transpose ? "true" : "false"));
  Dtype dt = float_result(op, x.dtype(), scales.dtype(), biases->dtype());
  if (dt == Dtype::float64) throw_error(ErrorCode::dtype, "[gather_qmm] float64 is not supported.");
  Array li = batch_indices(op, lhs, batch_of(x), s);
  Array ri = batch_indices(op, rhs, batch_of(w), s);
  Shape batch = broadcast_shapes(li.shape(), ri.shape());
  li = broadcast_to(li, batch, s), ri = broadcast_to(ri, batch, s);
  Shape out = batch;
  out.push_back(x.shape(-2)), out.push_back(N);
  Array sc = scales, bi = *biases;
  if (sc.dtype() != bi.dtype()) {
    Dtype sd = promote_types(sc.dtype(), bi.dtype());
    sc = astype(sc, sd, s), bi = astype(bi, sd, s);
  }
  return Array(out, dt, std::make_shared<GatherQMM>(to_stream(s), group_size, bits, transpose),
               {astype(x, dt, s), w, sc, bi, li, ri});
}

}  // namespace mlx
