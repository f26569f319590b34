#include "fast.h"

#include <cmath>

#include "../primitives/fast.h"
#include "binary.h"
#include "shape.h"

namespace mlx::fast {

namespace {

[[noreturn]] void bad(ErrorCode c, const std::string& m) { throw_error(c, m); }

void check_vec(const Array& p, const Array& x, const char* op, const char* what) {
  if (p.ndim() != 1)
    bad(ErrorCode::shape, std::string("[") + op + "] " + what + " must have 1 dimension but has " +
                              std::to_string(p.ndim()) + " dimensions.");
  if (p.size() != x.shape(-1))
    bad(ErrorCode::shape, std::string("[") + op + "] " + what +
                              " must have the same size as the last dimension of x but has " +
                              std::to_string(p.size()) + " elements.");
}

// The kernels read float16/bfloat16/float32/float64 inputs; MLX's fallback casts x to float32 first.
Array float_input(const Array& x, StreamOrDevice s) { return is_floating(x.dtype()) ? x : astype(x, Dtype::float32, s); }

}  // namespace

Array rms_norm(const Array& x, const std::optional<Array>& weight, float eps, StreamOrDevice s) {
  if (x.ndim() == 0)
    bad(ErrorCode::shape, "[rms_norm] Input must have at least 1 dimension but got input with 0 dimensions.");
  if (weight) check_vec(*weight, x, "rms_norm", "weight");
  Dtype out = weight ? promote_types(x.dtype(), weight->dtype()) : x.dtype();
  if (!is_floating(out)) bad(ErrorCode::dtype, std::string("[rms_norm] Received unsupported type ") + dtype_name(out) + ".");
  std::vector<Array> in{float_input(x, s)};
  if (weight) in.push_back(astype(*weight, out, s));
  return Array(x.shape(), out, std::make_shared<RMSNorm>(to_stream(s), eps, (bool)weight), std::move(in));
}

Array layer_norm(const Array& x, const std::optional<Array>& weight, const std::optional<Array>& bias, float eps,
                 StreamOrDevice s) {
  if (x.ndim() == 0)
    bad(ErrorCode::shape, "[layer_norm] Input must have at least 1 dimension but got input with 0 dimensions.");
  if (weight) check_vec(*weight, x, "layer_norm", "weight");
  if (bias) check_vec(*bias, x, "layer_norm", "bias");
  Dtype out = x.dtype();
  if (weight) out = promote_types(out, weight->dtype());
  if (weight && bias) out = promote_types(out, bias->dtype());  // MLX ignores bias' type without weight
  if (!is_floating(out)) bad(ErrorCode::dtype, std::string("[layer_norm] Received unsupported type ") + dtype_name(out) + ".");
  std::vector<Array> in{float_input(x, s)};
  if (weight) in.push_back(astype(*weight, out, s));
  if (bias) in.push_back(astype(*bias, out, s));
  return Array(x.shape(), out, std::make_shared<LayerNorm>(to_stream(s), eps, (bool)weight, (bool)bias),
               std::move(in));
}

namespace detail {
Array rope_node(std::vector<Array> inputs, int dims, bool traditional, float base, float scale, bool forward,
                Stream s) {
  Shape sh = inputs[0].shape();
  Dtype dt = inputs[0].dtype();
  return Array(sh, dt, std::make_shared<RoPE>(s, dims, traditional, base, scale, forward), std::move(inputs));
}
}  // namespace detail

Array rope(const Array& x, int dims, bool traditional, std::optional<float> base, float scale, const Array& offset_in,
           const std::optional<Array>& freqs, StreamOrDevice s) {
  if (x.ndim() < 3)
    bad(ErrorCode::shape, "[rope] Input must have at least 3 dimensions but got input with " +
                              std::to_string(x.ndim()) + " dimensions.");
  if (!is_floating(x.dtype()))
    bad(ErrorCode::dtype, std::string("[rope] Input must be a floating type but got ") + dtype_name(x.dtype()) + ".");
  if (offset_in.ndim() > 1)
    bad(ErrorCode::shape, "[rope] offset must have at most one dimension but has shape " + shape_str(offset_in.shape()) + ".");
  if (offset_in.size() != 1 && offset_in.size() != x.shape(0))
    bad(ErrorCode::shape, "[rope] offset must be a scalar or vector with " + std::to_string(x.shape(0)) +
                              " elements but has shape " + shape_str(offset_in.shape()) + ".");
  if (!is_integral(offset_in.dtype()))
    bad(ErrorCode::dtype, std::string("[rope] offset must be an integer but got type ") + dtype_name(offset_in.dtype()) + ".");
  if (dims <= 0) bad(ErrorCode::invalid_argument, "[rope] dims must be positive but got " + std::to_string(dims) + ".");
  if (dims % 2 != 0) bad(ErrorCode::invalid_argument, "[rope] dims must be even but got " + std::to_string(dims) + ".");
  if (dims > x.shape(-1))
    bad(ErrorCode::invalid_argument, "[rope] dims must not exceed the input's last dimension (" +
                                         std::to_string(x.shape(-1)) + ") but got " + std::to_string(dims) + ".");
  if (freqs && base) bad(ErrorCode::invalid_argument, "[rope] Only one of base or freqs can have a value.");
  if (!freqs && !base) bad(ErrorCode::invalid_argument, "[rope] Neither base nor freqs has a value.");
  if (freqs && (freqs->ndim() != 1 || freqs->shape(0) != dims / 2))
    bad(ErrorCode::shape, "[rope] freqs must be one dimensional with size " + std::to_string(dims / 2) +
                              " but got shape " + shape_str(freqs->shape()) + ".");
  // The kernel reads 4-byte offsets (int32 or uint32), as MLX's.
  Array offset = dtype_size(offset_in.dtype()) == 4 ? offset_in : astype(offset_in, Dtype::int32, s);
  std::vector<Array> inputs{x, reshape(offset, {offset.size()}, s)};
  if (freqs) inputs.push_back(astype(*freqs, Dtype::float32, s));
  return detail::rope_node(std::move(inputs), dims, traditional, base ? *base : 1.0f, scale, true, to_stream(s));
}

Array rope(const Array& x, int dims, bool traditional, std::optional<float> base, float scale, int offset,
           const std::optional<Array>& freqs, StreamOrDevice s) {
  return rope(x, dims, traditional, base, scale, Array::scalar_int(offset, Dtype::int32), freqs, s);
}

Array scaled_dot_product_attention(const Array& q, const Array& k, const Array& v, float scale,
                                   const std::string& mask_mode, const std::optional<Array>& mask,
                                   const std::optional<Array>& sinks, StreamOrDevice s) {
  const char* op = "[scaled_dot_product_attention] ";
  for (const Array* t : {&q, &k, &v})
    if (t->ndim() != 4) bad(ErrorCode::shape, op + ("input with shape " + shape_str(t->shape()) + " expected to be rank 4"));
  if (mask_mode != "" && mask_mode != "causal")
    bad(ErrorCode::invalid_argument, op + ("Invalid mask_mode " + mask_mode + ". mask_mode must be 'causal' or ''."));
  bool causal = mask_mode == "causal";
  if (causal && mask)
    bad(ErrorCode::invalid_argument, op + std::string("Invalid mask_arr for mask_mode 'causal'. No array mask should be passed."));
  if (mask && mask->ndim() > 4)
    bad(ErrorCode::shape, op + ("the mask with shape " + shape_str(mask->shape()) + " expected to have at most rank 4."));
  for (const Array* t : {&k, &v})
    if (t->shape(0) != q.shape(0))
      bad(ErrorCode::shape, op + ("mismatching batch dimension for input with shape " + shape_str(t->shape()) + "."));
  if (q.shape(-1) != k.shape(-1))
    bad(ErrorCode::shape, op + ("query, keys expected to have matching last dimension; found query shape " +
                                shape_str(q.shape()) + " for keys shape " + shape_str(k.shape()) + "."));
  if (k.shape(1) != v.shape(1))
    bad(ErrorCode::shape, op + ("keys, values expected to have matching n_kv_heads; found keys with n_heads " +
                                std::to_string(k.shape(1)) + " for values with n_heads " + std::to_string(v.shape(1)) + "."));
  if (k.shape(2) != v.shape(2))
    bad(ErrorCode::shape, op + ("keys, values expected to have matching sequence length; found keys with shape " +
                                shape_str(k.shape()) + " for values with shape " + shape_str(v.shape()) + "."));
  int64_t hq = q.shape(1), hkv = k.shape(1);
  if (hkv == 0 || hq % hkv != 0)
    bad(ErrorCode::shape, op + ("n_heads must be a multiple of n_kv_heads, found n_heads " + std::to_string(hq) +
                                " for n_kv_heads " + std::to_string(hkv) + "."));
  Dtype dt = promote_types(promote_types(q.dtype(), k.dtype()), v.dtype());
  if (!is_floating(dt)) bad(ErrorCode::dtype, op + std::string("Received unsupported type ") + dtype_name(dt) + ".");
  using P = ScaledDotProductAttention;
  P::Mask mk = causal ? P::Mask::causal : P::Mask::none;
  std::vector<Array> inputs{astype(q, dt, s), astype(k, dt, s), astype(v, dt, s)};
  if (mask) {
    bool is_bool = mask->dtype() == Dtype::bool_;
    if (promote_types(mask->dtype(), dt) != dt)
      bad(ErrorCode::dtype, op + std::string("Mask type must promote to output type ") + dtype_name(dt) + ".");
    Shape ms{q.shape(0), hq, q.shape(2), k.shape(2)};
    Array m = is_bool ? *mask : astype(*mask, dt, s);
    Shape bs;
    try {
      bs = broadcast_shapes(m.shape(), ms);
    } catch (const Error&) {
      bad(ErrorCode::shape, op + ("mask with shape " + shape_str(mask->shape()) +
                                  " can not be broadcast to the scores shape " + shape_str(ms) + "."));
    }
    if (bs != ms)
      bad(ErrorCode::shape, op + ("mask with shape " + shape_str(mask->shape()) +
                                  " can not be broadcast to the scores shape " + shape_str(ms) + "."));
    inputs.push_back(broadcast_to(m, ms, s));
    mk = is_bool ? P::Mask::boolean : P::Mask::additive;
  }
  if (sinks) {
    if (promote_types(sinks->dtype(), dt) != dt)
      bad(ErrorCode::dtype, op + std::string("Type of sinks must promote to output type ") + dtype_name(dt) + ".");
    if (sinks->ndim() != 1 || sinks->shape(0) != hq)
      bad(ErrorCode::shape, op + ("Received invalid shape for sinks " + shape_str(sinks->shape()) + "."));
    inputs.push_back(astype(*sinks, dt, s));
  }
  Shape out{q.shape(0), hq, q.shape(2), v.shape(3)};
  return Array(out, dt, std::make_shared<P>(to_stream(s), scale, mk, (bool)sinks), std::move(inputs));
}

}  // namespace mlx::fast
