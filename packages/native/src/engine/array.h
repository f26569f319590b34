// The lazy array: a shared descriptor holding shape, strides, dtype and either a
// primitive with inputs (not yet evaluated) or a data buffer (evaluated).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "allocator.h"
#include "device.h"
#include "dtype.h"
#include "errors.h"

namespace mlx {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;  // in elements

class Primitive;
class Array;

struct ArrayFlags {
  bool row_contiguous = true;  // dense, C order
  bool col_contiguous = true;  // dense, Fortran order
  bool contiguous = true;      // dense in some order: data_size == size
};

// True on a thread while eval() runs a kernel there (eval.cc): buffers set then are not yet filled.
bool kernel_running();

struct ArrayDesc {
  Shape shape;
  Strides strides;
  Dtype dtype;
  int64_t size = 1;
  // Lazy part.
  std::shared_ptr<Primitive> primitive;
  std::vector<Array> inputs;
  std::vector<std::weak_ptr<ArrayDesc>> siblings;  // other outputs of the same primitive, in order
  int position = 0;                                // this output's index among them
  // Evaluated part.
  BufferPtr buffer;
  int64_t offset = 0;     // elements from buffer start
  int64_t data_size = 0;  // elements spanned in the buffer (< size for broadcasts)
  ArrayFlags flags;
  bool evaluated = false;
  // Set (release) once the data is complete: after the kernel ran, or at once for arrays made from data.
  // Lets the JS thread read finished arrays without taking the engine lock while another eval runs.
  std::atomic<bool> ready{false};
  bool tracer = false;  // an input (or derived from an input) of a function being transformed

  ArrayDesc(Shape s, Dtype t);
  ~ArrayDesc();  // iterative: deep graphs must not overflow the stack
};

class Array {
 public:
  Array() = default;
  // Evaluated scalar constants, cast to dt.
  static Array scalar(double v, Dtype dt);
  static Array scalar_int(int64_t v, Dtype dt);
  static Array scalar_complex(complex64_t v);
  // A lazy output of a primitive.
  Array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> prim, std::vector<Array> inputs);
  // Several outputs of one primitive.
  static std::vector<Array> make_siblings(std::vector<Shape> shapes, std::vector<Dtype> dtypes,
                                          std::shared_ptr<Primitive> prim, std::vector<Array> inputs);
  // An evaluated array over a new row-contiguous buffer (uninitialised).
  static Array empty(Shape shape, Dtype dtype);

  bool valid() const { return (bool)d_; }
  const Shape& shape() const { return d_->shape; }
  int64_t shape(int axis) const { return d_->shape[axis < 0 ? axis + ndim() : axis]; }
  const Strides& strides() const { return d_->strides; }
  int ndim() const { return (int)d_->shape.size(); }
  int64_t size() const { return d_->size; }
  Dtype dtype() const { return d_->dtype; }
  int itemsize() const { return dtype_size(d_->dtype); }
  size_t nbytes() const { return (size_t)d_->size * itemsize(); }

  bool evaluated() const { return d_->evaluated; }
  bool ready() const { return d_->ready.load(std::memory_order_acquire); }
  void mark_ready() { d_->ready.store(true, std::memory_order_release); }
  // True while a transform traces through this array: eval must then keep its graph.
  bool is_tracer() const;
  void set_tracer(bool t) { d_->tracer = t; }
  bool has_primitive() const { return (bool)d_->primitive; }
  Primitive& primitive() const { return *d_->primitive; }
  const std::shared_ptr<Primitive>& primitive_ptr() const { return d_->primitive; }
  const std::vector<Array>& inputs() const { return d_->inputs; }
  std::vector<Array>& inputs_mut() { return d_->inputs; }  // graph rewrites (compile)
  std::vector<Array> outputs() const;  // this array and its siblings, in order
  int position() const { return d_->position; }
  const ArrayFlags& flags() const { return d_->flags; }
  int64_t data_size() const { return d_->data_size; }
  int64_t offset() const { return d_->offset; }
  const BufferPtr& buffer() const { return d_->buffer; }

  template <typename T> T* data() const {
    return reinterpret_cast<T*>(static_cast<char*>(d_->buffer->data()) + d_->offset * itemsize());
  }
  void* raw_data() const { return static_cast<char*>(d_->buffer->data()) + d_->offset * itemsize(); }

  // Kernel-side setters.
  void set_data(BufferPtr buf);  // row-contiguous over the full shape
  void set_data(BufferPtr buf, int64_t data_size, Strides strides, ArrayFlags flags, int64_t offset = 0);
  void copy_shared_buffer(const Array& other, const Strides& strides, ArrayFlags flags, int64_t data_size,
                          int64_t offset = 0);
  void copy_shared_buffer(const Array& other);  // same layout as other
  void move_shared_buffer(Array other);          // donation: take other's buffer
  void allocate();                               // row-contiguous fresh buffer
  bool is_donatable() const;                     // buffer referenced only by this array
  void detach();                                 // drop primitive/inputs after evaluation

  const ArrayDesc* id() const { return d_.get(); }
  bool operator==(const Array& o) const { return d_ == o.d_; }
  long use_count() const { return d_.use_count(); }
  std::shared_ptr<ArrayDesc> desc() const { return d_; }
  explicit Array(std::shared_ptr<ArrayDesc> d) : d_(std::move(d)) {}

  // Read element 0 of an evaluated scalar as double.
  double item_as_double() const;

 private:
  std::shared_ptr<ArrayDesc> d_;
};

Strides row_major_strides(const Shape& shape);
int64_t shape_size(const Shape& shape);  // checks overflow and negative dims
ArrayFlags layout_flags(const Shape& shape, const Strides& strides, int64_t data_size);

}  // namespace mlx
