// Sorting primitives: Sort, ArgSort (uint32 indices), Partition, ArgPartition. `axis` is
// normalised (>= 0); `kth` is normalised into [0, n).
#pragma once
#include "../engine/primitive.h"

namespace mlx {

class SortBase : public Primitive {
 public:
  SortBase(Stream s, int axis, int kth = -1) : Primitive(s), axis_(axis), kth_(kth) {}
  MLX_DECLARE_VMAP
  MLX_DECLARE_OUTPUT_SHAPES
  bool is_equivalent(const Primitive& o) const override;
  int axis() const { return axis_; }
  int kth() const { return kth_; }
 protected:
  // The same primitive over another axis (vmap inserts a batch dimension).
  virtual Array remake(const Array& x, int axis) const = 0;
  int axis_, kth_;
};

class Sort : public SortBase {
 public:
  Sort(Stream s, int axis) : SortBase(s, axis) {}
  const char* name() const override { return "Sort"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
 protected:
  Array remake(const Array& x, int axis) const override;
};

class ArgSort : public SortBase {
 public:
  ArgSort(Stream s, int axis) : SortBase(s, axis) {}
  const char* name() const override { return "ArgSort"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
 protected:
  Array remake(const Array& x, int axis) const override;
};

class Partition : public SortBase {
 public:
  Partition(Stream s, int kth, int axis) : SortBase(s, axis, kth) {}
  const char* name() const override { return "Partition"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
 protected:
  Array remake(const Array& x, int axis) const override;
};

class ArgPartition : public SortBase {
 public:
  ArgPartition(Stream s, int kth, int axis) : SortBase(s, axis, kth) {}
  const char* name() const override { return "ArgPartition"; }
  MLX_DECLARE_VJP
  MLX_DECLARE_JVP
 protected:
  Array remake(const Array& x, int axis) const override;
};

}  // namespace mlx
