// mx.fast: fused normalisation, rotary embedding and attention with MLX's semantics
// (mlx.core.fast). Each builds one fused primitive (primitives/fast.h).
#pragma once
#include <optional>
#include <string>

#include "common.h"

namespace mlx::fast {

Array rms_norm(const Array& x, const std::optional<Array>& weight, float eps, StreamOrDevice s = {});
Array layer_norm(const Array& x, const std::optional<Array>& weight, const std::optional<Array>& bias, float eps,
                 StreamOrDevice s = {});

// Exactly one of base / freqs must be set. offset: an integer scalar or a vector of x.shape(0).
Array rope(const Array& x, int dims, bool traditional, std::optional<float> base, float scale, const Array& offset,
           const std::optional<Array>& freqs = std::nullopt, StreamOrDevice s = {});
Array rope(const Array& x, int dims, bool traditional, std::optional<float> base, float scale, int offset,
           const std::optional<Array>& freqs = std::nullopt, StreamOrDevice s = {});

// mask_mode: "" (none or `mask` given) or "causal" (lower-right aligned).
Array scaled_dot_product_attention(const Array& q, const Array& k, const Array& v, float scale,
                                   const std::string& mask_mode = "", const std::optional<Array>& mask = std::nullopt,
                                   const std::optional<Array>& sinks = std::nullopt, StreamOrDevice s = {});

namespace detail {
// Builds the RoPE node on validated inputs {x, offset, [freqs]} (also used by its vjp/jvp).
Array rope_node(std::vector<Array> inputs, int dims, bool traditional, float base, float scale, bool forward,
                Stream s);
}  // namespace detail

}  // namespace mlx::fast
