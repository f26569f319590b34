#include "scan.h"

#include "../ops/scan.h"

namespace mlx {

const char* Scan::name() const {
  switch (op_) {
    case Op::sum: return "CumSum";
    case Op::prod: return "CumProd";
    case Op::max: return "CumMax";
    case Op::min: return "CumMin";
    case Op::logaddexp: return "CumLogaddexp";
  }
  return "Scan";
}

bool Scan::is_equivalent(const Primitive& o) const {
  auto p = dynamic_cast<const Scan*>(&o);
  return p && p->op_ == op_ && p->axis_ == axis_ && p->reverse_ == reverse_ && p->inclusive_ == inclusive_;
}

std::pair<std::vector<Array>, std::vector<int>> Scan::vmap(const std::vector<Array>& in, const std::vector<int>& ax) {
  int b = ax[0];
  int axis = b >= 0 && b <= axis_ ? axis_ + 1 : axis_;
  const Array& x = in[0];
  return {{Array(x.shape(), x.dtype(), std::make_shared<Scan>(stream(), op_, axis, reverse_, inclusive_), {x})}, {b}};
}

// cumsum is linear: its transpose is the cumsum running the other way.
std::vector<Array> Scan::vjp(const std::vector<Array>& primals, const std::vector<Array>& cot,
                             const std::vector<int>&, const std::vector<Array>&) {
  if (op_ != Op::sum)
    throw_error(ErrorCode::not_implemented, std::string("[") + name() + "] vjp is not implemented yet.");
  return {cumsum(cot[0], axis_, !reverse_, inclusive_, stream())};
}

std::vector<Array> Scan::jvp(const std::vector<Array>& primals, const std::vector<Array>& tan, const std::vector<int>&) {
  if (op_ != Op::sum)
    throw_error(ErrorCode::not_implemented, std::string("[") + name() + "] jvp is not implemented yet.");
  return {cumsum(tan[0], axis_, reverse_, inclusive_, stream())};
}

}  // namespace mlx
