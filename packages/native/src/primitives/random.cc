#include "random.h"

#include "vmap_util.h"

namespace mlx {

template <typename P> static const P* same(const Primitive& o) { return dynamic_cast<const P*>(&o); }

bool RandomBits::is_equivalent(const Primitive& o) const {
  auto p = same<RandomBits>(o);
  return p && p->shape_ == shape_ && p->width_ == width_;
}

bool RandomTransform::is_equivalent(const Primitive& o) const {
  auto p = same<RandomTransform>(o);
  return p && p->kind_ == kind_ && p->dtype_ == dtype_ && p->has_scale_ == has_scale_ && p->has_loc_ == has_loc_ &&
         p->scale_ == scale_ && p->loc_ == loc_;
}

// A batch of keys [B, ..., 2] draws one independent block of bits per key, like MLX.
std::pair<std::vector<Array>, std::vector<int>> RandomBits::vmap(const std::vector<Array>& in,
                                                                 const std::vector<int>& ax) {
  Array keys = batch_to_front(in[0], ax[0]);
  check(keys.shape(-1) == 2, ErrorCode::shape, "[bits] The key's last axis must have size 2 under vmap.");
  Shape out(keys.shape().begin(), keys.shape().end() - 1);
  out.insert(out.end(), shape_.begin(), shape_.end());
  Dtype dt = width_ == 1 ? Dtype::uint8 : width_ == 2 ? Dtype::uint16 : Dtype::uint32;
  return {{Array(out, dt, std::make_shared<RandomBits>(stream(), shape_, width_), {keys})}, {0}};
}

// Elementwise over inputs that the op broadcast to the output: batch every input along a new axis 0.
std::pair<std::vector<Array>, std::vector<int>> RandomTransform::vmap(const std::vector<Array>& in,
                                                                      const std::vector<int>& ax) {
  int64_t B = batch_size(in, ax);
  std::vector<Array> xs;
  for (size_t i = 0; i < in.size(); i++) xs.push_back(batch_to_front(in[i], ax[i], B));
  Shape out = xs[0].shape();
  if (kind_ == complex_normal) out.pop_back();
  auto p = std::make_shared<RandomTransform>(stream(), kind_, dtype_, has_scale_, has_loc_, scale_, loc_);
  return {{Array(out, dtype_, p, xs)}, {0}};
}

}  // namespace mlx
