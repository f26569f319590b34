#include "matmul.h"

namespace mlx {

bool Matmul::is_equivalent(const Primitive& o) const { return dynamic_cast<const Matmul*>(&o) != nullptr; }
bool AddMM::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const AddMM*>(&o);
  return p && p->alpha_ == alpha_ && p->beta_ == beta_;
}

}  // namespace mlx
