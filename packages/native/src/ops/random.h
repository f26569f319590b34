// mx.random: MLX's counter-based PRNG (threefry2x32 keys) and the distributions built on it.
// Every function without a key takes the next key of the global sequence (seed() resets it),
// exactly once per call, as MLX's Python binding does.
#pragma once
#include <optional>

#include "common.h"

namespace mlx::random {

using Key = std::optional<Array>;

Array key(uint64_t seed);                 // uint32 [2] = {seed >> 32, seed & 0xffffffff}
void seed(uint64_t seed);                 // resets the global key
Array next_key();                         // splits the global key: keeps one half, returns the other
Array split(const Array& key, int num = 2, StreamOrDevice s = {});  // uint32 [num, 2]
Array bits(const Shape& shape, int width = 4, const Key& key = {}, StreamOrDevice s = {});
Array uniform(const Array& low, const Array& high, const Shape& shape, Dtype dtype = Dtype::float32,
              const Key& key = {}, StreamOrDevice s = {});
Array normal(const Shape& shape, Dtype dtype = Dtype::float32, const std::optional<Array>& loc = {},
             const std::optional<Array>& scale = {}, const Key& key = {}, StreamOrDevice s = {});
Array randint(const Array& low, const Array& high, const Shape& shape, Dtype dtype = Dtype::int32,
              const Key& key = {}, StreamOrDevice s = {});
Array bernoulli(const Array& p, const std::optional<Shape>& shape = {}, const Key& key = {}, StreamOrDevice s = {});
Array truncated_normal(const Array& lower, const Array& upper, const std::optional<Shape>& shape = {},
                       Dtype dtype = Dtype::float32, const Key& key = {}, StreamOrDevice s = {});
Array gumbel(const Shape& shape, Dtype dtype = Dtype::float32, const Key& key = {}, StreamOrDevice s = {});
Array categorical(const Array& logits, int axis = -1, const std::optional<Shape>& shape = {},
                  std::optional<int64_t> num_samples = {}, const Key& key = {}, StreamOrDevice s = {});
Array laplace(const Shape& shape, Dtype dtype = Dtype::float32, float loc = 0.0f, float scale = 1.0f,
              const Key& key = {}, StreamOrDevice s = {});
Array permutation(int64_t n, const Key& key = {}, StreamOrDevice s = {});
Array permutation(const Array& x, int axis = 0, const Key& key = {}, StreamOrDevice s = {});
Array multivariate_normal(const Array& mean, const Array& cov, const Shape& shape = {}, Dtype dtype = Dtype::float32,
                          const Key& key = {}, StreamOrDevice s = {});

}  // namespace mlx::random
