// Creation ops: arange, linspace, eye, identity, tri, zeros/ones (+ _like).
#pragma once
#include "common.h"

namespace mlx {

Array arange(double start, double stop, double step, Dtype dt, StreamOrDevice s = {});
Array linspace(double start, double stop, int64_t num = 50, Dtype dt = Dtype::float32, StreamOrDevice s = {});
Array eye(int64_t n, int64_t m, int k = 0, Dtype dt = Dtype::float32, StreamOrDevice s = {});
Array identity(int64_t n, Dtype dt = Dtype::float32, StreamOrDevice s = {});
Array tri(int64_t n, int64_t m, int k = 0, Dtype dt = Dtype::float32, StreamOrDevice s = {});
Array zeros(const Shape& shape, Dtype dt = Dtype::float32, StreamOrDevice s = {});
Array ones(const Shape& shape, Dtype dt = Dtype::float32, StreamOrDevice s = {});
Array zeros_like(const Array& a, StreamOrDevice s = {});
Array ones_like(const Array& a, StreamOrDevice s = {});

}  // namespace mlx
