// mx.fft: discrete Fourier transforms (MLX semantics). Inputs of any dtype are cast to
// complex64 (or float32 for the real forward transforms); outputs are complex64, or float32
// for the inverse real transforms. `n` / `s` zero-pad or crop the input along each axis.
#pragma once
#include <optional>
#include <string>

#include "common.h"

namespace mlx::fft {

enum class Norm { backward, ortho, forward };
Norm parse_norm(const std::string& norm, const char* op);

// The general transform behind every function below. `n` unset: the input's sizes (for
// irfft, 2 * (size - 1) along the last axis); `axes` unset: all axes (then `n` must be unset).
Array fft_op(const Array& a, const std::optional<Shape>& n, const std::optional<std::vector<int>>& axes, bool real,
             bool inverse, Norm norm, const char* op, StreamOrDevice s = {});

Array fftn(const Array& a, const Shape& n, const std::vector<int>& axes, Norm norm = Norm::backward, StreamOrDevice s = {});
Array fftn(const Array& a, const std::vector<int>& axes, Norm norm = Norm::backward, StreamOrDevice s = {});
Array fftn(const Array& a, Norm norm = Norm::backward, StreamOrDevice s = {});
Array ifftn(const Array& a, const Shape& n, const std::vector<int>& axes, Norm norm = Norm::backward, StreamOrDevice s = {});
Array ifftn(const Array& a, const std::vector<int>& axes, Norm norm = Norm::backward, StreamOrDevice s = {});
Array ifftn(const Array& a, Norm norm = Norm::backward, StreamOrDevice s = {});
Array rfftn(const Array& a, const Shape& n, const std::vector<int>& axes, Norm norm = Norm::backward, StreamOrDevice s = {});
Array rfftn(const Array& a, const std::vector<int>& axes, Norm norm = Norm::backward, StreamOrDevice s = {});
Array rfftn(const Array& a, Norm norm = Norm::backward, StreamOrDevice s = {});
Array irfftn(const Array& a, const Shape& n, const std::vector<int>& axes, Norm norm = Norm::backward, StreamOrDevice s = {});
Array irfftn(const Array& a, const std::vector<int>& axes, Norm norm = Norm::backward, StreamOrDevice s = {});
Array irfftn(const Array& a, Norm norm = Norm::backward, StreamOrDevice s = {});

Array fft(const Array& a, std::optional<int64_t> n = {}, int axis = -1, Norm norm = Norm::backward, StreamOrDevice s = {});
Array ifft(const Array& a, std::optional<int64_t> n = {}, int axis = -1, Norm norm = Norm::backward, StreamOrDevice s = {});
Array rfft(const Array& a, std::optional<int64_t> n = {}, int axis = -1, Norm norm = Norm::backward, StreamOrDevice s = {});
Array irfft(const Array& a, std::optional<int64_t> n = {}, int axis = -1, Norm norm = Norm::backward, StreamOrDevice s = {});

// Rolls the zero frequency to the centre (and back); `axes` unset: all axes.
Array fftshift(const Array& a, const std::optional<std::vector<int>>& axes = {}, StreamOrDevice s = {});
Array ifftshift(const Array& a, const std::optional<std::vector<int>>& axes = {}, StreamOrDevice s = {});

}  // namespace mlx::fft
