// Layout primitives: most evaluate to views of their input's buffer.
#pragma once
#include "../engine/primitive.h"

namespace mlx {

class AsType : public Primitive {  // copy with dtype conversion into a fresh row-major buffer
 public:
  AsType(Stream s, Dtype dt) : Primitive(s), dtype_(dt) {}
  const char* name() const override { return "AsType"; }
  MLX_DECLARE_OUTPUT_SHAPES
  MLX_DECLARE_VMAP
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  Dtype dtype() const { return dtype_; }
  bool is_equivalent(const Primitive& o) const override;
 private:
  Dtype dtype_;
};

class Broadcast : public Primitive {
 public:
  Broadcast(Stream s, Shape shape) : Primitive(s), shape_(std::move(shape)) {}
  const char* name() const override { return "Broadcast"; }
  MLX_DECLARE_VMAP
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  const Shape& shape() const { return shape_; }
  bool is_equivalent(const Primitive& o) const override;
 private:
  Shape shape_;
};

class Reshape : public Primitive {
 public:
  Reshape(Stream s, Shape shape) : Primitive(s), shape_(std::move(shape)) {}
  const char* name() const override { return "Reshape"; }
  MLX_DECLARE_VMAP
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  const Shape& shape() const { return shape_; }
  bool is_equivalent(const Primitive& o) const override;
 private:
  Shape shape_;
};

class Transpose : public Primitive {
 public:
  Transpose(Stream s, std::vector<int> perm) : Primitive(s), perm_(std::move(perm)) {}
  const char* name() const override { return "Transpose"; }
  MLX_DECLARE_OUTPUT_SHAPES
  MLX_DECLARE_VMAP
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  const std::vector<int>& perm() const { return perm_; }
  bool is_equivalent(const Primitive& o) const override;
 private:
  std::vector<int> perm_;
};

class Slice : public Primitive {
 public:
  Slice(Stream s, Shape start, Shape stop, Shape step)
      : Primitive(s), start_(std::move(start)), stop_(std::move(stop)), step_(std::move(step)) {}
  const char* name() const override { return "Slice"; }
  MLX_DECLARE_VMAP
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  const Shape& start() const { return start_; }
  const Shape& step() const { return step_; }
  bool is_equivalent(const Primitive& o) const override;
 private:
  Shape start_, stop_, step_;
};

class Concatenate : public Primitive {
 public:
  Concatenate(Stream s, int axis) : Primitive(s), axis_(axis) {}
  const char* name() const override { return "Concatenate"; }
  MLX_DECLARE_VMAP
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  int axis() const { return axis_; }
  bool is_equivalent(const Primitive& o) const override;
 private:
  int axis_;
};

// Writes `update` into a copy of `src` at the strided region start:stop:step.
class SliceUpdate : public Primitive {
 public:
  SliceUpdate(Stream s, Shape start, Shape stop, Shape step)
      : Primitive(s), start_(std::move(start)), stop_(std::move(stop)), step_(std::move(step)) {}
  const char* name() const override { return "SliceUpdate"; }
  MLX_DECLARE_VMAP
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
  const Shape& start() const { return start_; }
  const Shape& stop() const { return stop_; }
  const Shape& step() const { return step_; }
  bool is_equivalent(const Primitive& o) const override;
 private:
  Shape start_, stop_, step_;
};

}  // namespace mlx
