// PagedAttention: attention of a flat list of queries over keys/values stored in slot pools (paged KV cache).
// See ops/paged_attention.h for the contract.
#pragma once
#include "../engine/primitive.h"

namespace mlx {

// inputs {q [N, Hq, D], k_pool [S, Hkv, D], v_pool [S, Hkv, Dv], slot_table int32 [T, L], query_seq int32 [N],
// query_end int32 [N]}; output float32 [N, Hq, Dv].
class PagedAttention : public Primitive {
 public:
  PagedAttention(Stream s, float scale, int window) : Primitive(s), scale_(scale), window_(window) {}
  const char* name() const override { return "PagedAttention"; }
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const PagedAttention*>(&o);
    return p && p->scale_ == scale_ && p->window_ == window_;
  }
  MLX_DECLARE_OUTPUT_SHAPES
  float scale() const { return scale_; }
  int window() const { return window_; }

 private:
  float scale_;
  int window_;  // 0: every key up to the query's end
};

}  // namespace mlx
