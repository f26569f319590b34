// Creation primitives (no inputs): Arange (also linspace), Eye, Tri.
#pragma once
#include "../engine/primitive.h"

namespace mlx {

// out[i] = start + i * step in the output dtype (integer types truncate start and step first).
class Arange : public Primitive {
 public:
  Arange(Stream s, double start, double step) : Primitive(s), start_(start), step_(step) {}
  const char* name() const override { return "Arange"; }
  double start() const { return start_; }
  double step() const { return step_; }
  bool is_equivalent(const Primitive& o) const override;
 private:
  double start_, step_;
};

// Ones on diagonal k (Eye) or on and below it (Tri) of an (n, m) matrix.
class Eye : public Primitive {
 public:
  Eye(Stream s, int k, bool lower) : Primitive(s), k_(k), lower_(lower) {}
  const char* name() const override { return lower_ ? "Tri" : "Eye"; }
  int k() const { return k_; }
  bool lower() const { return lower_; }
  bool is_equivalent(const Primitive& o) const override;
 private:
  int k_;
  bool lower_;
};

}  // namespace mlx
