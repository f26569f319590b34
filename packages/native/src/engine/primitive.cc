#include "primitive.h"

namespace mlx {

std::vector<Array> Primitive::vjp(const std::vector<Array>&, const std::vector<Array>&, const std::vector<int>&,
                                  const std::vector<Array>&) {
  throw_error(ErrorCode::not_implemented, std::string("[") + name() + "] vjp is not implemented.");
}
std::vector<Array> Primitive::jvp(const std::vector<Array>&, const std::vector<Array>&, const std::vector<int>&) {
  throw_error(ErrorCode::not_implemented, std::string("[") + name() + "] jvp is not implemented.");
}
std::pair<std::vector<Array>, std::vector<int>> Primitive::vmap(const std::vector<Array>&, const std::vector<int>&) {
  throw_error(ErrorCode::not_implemented, std::string("[") + name() + "] vmap is not implemented.");
}

std::vector<Shape> Primitive::output_shapes(const std::vector<Array>&) {
  throw_error(ErrorCode::not_implemented,
              std::string("[compile] ") + name() + " cannot infer output shapes: compile it without shapeless.");
}

}  // namespace mlx
