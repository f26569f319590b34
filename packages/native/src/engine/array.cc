#include "array.h"

#include <limits>

#include "dispatch.h"
#include "primitive.h"
#include "trace.h"

namespace mlx {

int64_t shape_size(const Shape& shape) {
  int64_t n = 1;
  for (auto d : shape) {
    check(d >= 0, ErrorCode::shape, "[array] Negative dimension in shape.");
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      throw_error(ErrorCode::shape, "[array] Shape is too large: the number of elements overflows.");
    n *= d;
  }
  return n;
}

Strides row_major_strides(const Shape& shape) {
  Strides s(shape.size());
  int64_t st = 1;
  for (int i = (int)shape.size() - 1; i >= 0; i--) { s[i] = st; st *= shape[i]; }
  return s;
}

ArrayFlags layout_flags(const Shape& shape, const Strides& strides, int64_t data_size) {
  ArrayFlags f;
  int64_t size = 1, row = 1, col = 1;
  bool rc = true, cc = true;
  for (int i = (int)shape.size() - 1; i >= 0; i--) {
    if (shape[i] != 1) { rc = rc && strides[i] == row; row *= shape[i]; }
  }
  for (size_t i = 0; i < shape.size(); i++) {
    if (shape[i] != 1) { cc = cc && strides[i] == col; col *= shape[i]; }
    size *= shape[i];
  }
  f.row_contiguous = rc;
  f.col_contiguous = cc;
  f.contiguous = rc || cc || data_size == size;
  return f;
}

ArrayDesc::ArrayDesc(Shape s, Dtype t) : shape(std::move(s)), dtype(t) { size = shape_size(shape); }

ArrayDesc::~ArrayDesc() {
  // Unlink inputs iteratively: a recursive release of a 100k-deep graph overflows the stack.
  if (inputs.empty()) return;
  std::vector<Array> stack = std::move(inputs);
  while (!stack.empty()) {
    Array a = std::move(stack.back());
    stack.pop_back();
    if (a.valid() && a.use_count() == 1) {
      auto d = a.desc();
      a = Array();
      for (auto& in : d->inputs) stack.push_back(std::move(in));
      d->inputs.clear();
    }
  }
}

Array::Array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> prim, std::vector<Array> inputs)
    : d_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  d_->primitive = std::move(prim);
  d_->inputs = std::move(inputs);
  for (auto& in : d_->inputs)
    if (in.d_->tracer) { d_->tracer = true; break; }
}

bool Array::is_tracer() const { return d_->tracer && tracing_depth() > 0; }

std::vector<Array> Array::make_siblings(std::vector<Shape> shapes, std::vector<Dtype> dtypes,
                                        std::shared_ptr<Primitive> prim, std::vector<Array> inputs) {
  std::vector<Array> outs;
  for (size_t i = 0; i < shapes.size(); i++) {
    outs.emplace_back(std::move(shapes[i]), dtypes[i], prim, inputs);
    outs.back().d_->position = (int)i;
  }
  for (auto& o : outs)
    for (auto& p : outs)
      if (!(p == o)) o.d_->siblings.push_back(p.d_);
  return outs;
}

std::vector<Array> Array::outputs() const {
  if (d_->siblings.empty()) return {*this};
  size_t n = d_->siblings.size() + 1;
  std::vector<Array> outs(n);
  outs[d_->position] = *this;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if ((int)i == d_->position) continue;
    auto sp = d_->siblings[k++].lock();
    // A sibling nobody holds any more still needs a destination for the kernel's output.
    outs[i] = sp ? Array(sp) : Array(std::make_shared<ArrayDesc>(Shape{0}, d_->dtype));
  }
  return outs;
}

Array Array::empty(Shape shape, Dtype dtype) {
  Array a(std::make_shared<ArrayDesc>(std::move(shape), dtype));
  a.allocate();
  return a;
}

void Array::allocate() { set_data(Allocator::instance().allocate(nbytes())); }

void Array::set_data(BufferPtr buf) {
  d_->buffer = std::move(buf);
  d_->offset = 0;
  d_->data_size = d_->size;
  d_->strides = row_major_strides(d_->shape);
  d_->flags = ArrayFlags{};
  d_->flags.col_contiguous = d_->size <= 1 || layout_flags(d_->shape, d_->strides, d_->size).col_contiguous;
  d_->evaluated = true;
  if (!kernel_running()) mark_ready();
}

void Array::set_data(BufferPtr buf, int64_t data_size, Strides strides, ArrayFlags flags, int64_t offset) {
  d_->buffer = std::move(buf);
  d_->data_size = data_size;
  d_->strides = std::move(strides);
  d_->flags = flags;
  d_->offset = offset;
  d_->evaluated = true;
  if (!kernel_running()) mark_ready();
}

void Array::copy_shared_buffer(const Array& o, const Strides& strides, ArrayFlags flags, int64_t data_size,
                               int64_t offset) {
  set_data(o.d_->buffer, data_size, strides, flags, o.d_->offset + offset);
}

void Array::copy_shared_buffer(const Array& o) {
  set_data(o.d_->buffer, o.d_->data_size, o.d_->strides, o.d_->flags, o.d_->offset);
}

void Array::move_shared_buffer(Array o) {
  set_data(std::move(o.d_->buffer), o.d_->data_size, o.d_->strides, o.d_->flags, o.d_->offset);
}

bool Array::is_donatable() const {
  // Traced graphs are walked again by transforms, so their inputs must keep their data.
  return d_->buffer && d_->buffer.use_count() == 1 && d_.use_count() == 1 &&
         d_->buffer->capacity() > 0 && !is_tracer();
}

void Array::detach() {
  d_->primitive.reset();
  d_->inputs.clear();
  d_->siblings.clear();
}

double Array::item_as_double() const {
  return dispatch_all(dtype(), [&](auto tag) -> double {
    using T = typename decltype(tag)::type;
    T v = *data<T>();
    if constexpr (std::is_same_v<T, complex64_t>) return v.real();
    else return (double)cast_value<double>(v);
  });
}

Array Array::scalar(double v, Dtype dt) {
  Array a = empty({}, dt);
  dispatch_all(dt, [&](auto tag) {
    using T = typename decltype(tag)::type;
    *a.data<T>() = cast_value<T>(v);
  });
  return a;
}

Array Array::scalar_int(int64_t v, Dtype dt) {
  Array a = empty({}, dt);
  dispatch_all(dt, [&](auto tag) {
    using T = typename decltype(tag)::type;
    *a.data<T>() = cast_value<T>(v);
  });
  return a;
}

Array Array::scalar_complex(complex64_t v) {
  Array a = empty({}, Dtype::complex64);
  *a.data<complex64_t>() = v;
  return a;
}

}  // namespace mlx
