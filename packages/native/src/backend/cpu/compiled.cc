// CPU kernel for fused elementwise programs: the output is walked in blocks small enough to
// stay in L1; each instruction runs its SIMD row kernel on the block's registers.
#include <algorithm>
#include <cstring>

#include "../../engine/backend.h"
#include "../../engine/threadpool.h"
#include "../../primitives/compiled.h"
#include "elementwise_f32.h"

namespace mlx::cpu {

namespace {

constexpr int64_t kBlock = 1024;

struct Operand {
  const float* ptr;
  Strides strides;  // broadcast to the output shape
};

void compiled_kernel(const Primitive& p, const std::vector<Array>& in, std::vector<Array>& out) {
  auto& c = static_cast<const Compiled&>(p);
  // Half-precision programs are fused for GPU streams only (fuse.cc); this kernel reads float32.
  for (auto& a : in) check(a.dtype() == Dtype::float32, ErrorCode::internal, "[Compiled] CPU kernel needs float32 inputs.");
  for (auto& o : out) check(o.dtype() == Dtype::float32, ErrorCode::internal, "[Compiled] CPU kernel writes float32 only.");
  const Shape& shape = out[0].shape();
  for (auto& o : out) o.allocate();
  const int64_t size = out[0].size();
  if (size == 0) return;
  const int nd = (int)shape.size();

  std::vector<Operand> ops;
  for (auto& a : in) {
    Strides st(nd, 0);
    for (int i = 0; i < a.ndim(); i++) {
      int d = nd - a.ndim() + i;
      st[d] = a.shape(i) == 1 ? 0 : a.strides()[i];
    }
    ops.push_back({a.data<float>(), std::move(st)});
  }
  // Row decomposition: the innermost dimension is the row, the rest are walked by index.
  const int64_t n = nd ? shape[nd - 1] : 1;
  const int64_t rows = size / std::max<int64_t>(n, 1);
  const int64_t blocks_per_row = (n + kBlock - 1) / kBlock;
  const int n_in = c.n_inputs(), n_regs = n_in + (int)c.program().size();
  const int64_t work = rows * blocks_per_row;
  const int64_t grain = std::max<int64_t>(1, (1 << 14) / kBlock / std::max<size_t>(1, c.program().size() / 4 + 1));

  // Instructions whose result is an output write straight into the output buffer.
  std::vector<int> writes_output(c.program().size(), -1);
  for (size_t k = 0; k < c.outputs().size(); k++) {
    int t = c.outputs()[k] - n_in;
    if (t >= 0 && writes_output[t] < 0) writes_output[t] = (int)k;
  }

  parallel_for(work, grain, [&](int64_t w0, int64_t w1) {
    std::vector<float> scratch((size_t)n_regs * kBlock);
    std::vector<const float*> reg(n_regs);
    std::vector<int64_t> reg_stride(n_regs);
    std::vector<int64_t> idx(std::max(nd - 1, 1));
    for (int64_t w = w0; w < w1; w++) {
      int64_t row = w / blocks_per_row, j0 = (w % blocks_per_row) * kBlock;
      int64_t len = std::min(kBlock, n - j0);
      // Multi-index of this row over the outer dimensions.
      int64_t r = row;
      for (int d = nd - 2; d >= 0; d--) { idx[d] = r % shape[d]; r /= shape[d]; }
      for (int k = 0; k < n_in; k++) {
        const Operand& o = ops[k];
        int64_t off = 0;
        for (int d = 0; d < nd - 1; d++) off += idx[d] * o.strides[d];
        int64_t inner = nd ? o.strides[nd - 1] : 0;
        const float* src = o.ptr + off + j0 * inner;
        if (inner == 1 || inner == 0) {
          reg[k] = src;
          reg_stride[k] = inner;
        } else {  // strided view: gather into the register block
          float* dst = scratch.data() + (size_t)k * kBlock;
          for (int64_t i = 0; i < len; i++) dst[i] = src[i * inner];
          reg[k] = dst;
          reg_stride[k] = 1;
        }
      }
      for (size_t t = 0; t < c.program().size(); t++) {
        const FusedInstr& ins = c.program()[t];
        int dst_reg = n_in + (int)t;
        float* dst = writes_output[t] >= 0 ? out[writes_output[t]].data<float>() + row * n + j0
                                           : scratch.data() + (size_t)dst_reg * kBlock;
        if (ins.is_unary) {
          const float* x = reg[ins.a];
          if (reg_stride[ins.a] == 0) {  // unary kernels want a full block
            std::fill(dst, dst + len, *x);
            x = dst;
          }
          unary_f32_kernel(ins.uop)(x, dst, len, ins.params.p);
          reg_stride[dst_reg] = 1;
        } else if (reg_stride[ins.a] == 0 && reg_stride[ins.b] == 0) {
          binary_f32_row(ins.bop, reg[ins.a], reg[ins.b], dst, 1, 0, 0);
          reg_stride[dst_reg] = 0;
        } else {
          binary_f32_row(ins.bop, reg[ins.a], reg[ins.b], dst, len, reg_stride[ins.a], reg_stride[ins.b]);
          reg_stride[dst_reg] = 1;
        }
        reg[dst_reg] = dst;
      }
      for (size_t k = 0; k < out.size(); k++) {
        int src_reg = c.outputs()[k];
        float* o = out[k].data<float>() + row * n + j0;
        if (reg_stride[src_reg] == 0) std::fill(o, o + len, *reg[src_reg]);
        else if (reg[src_reg] != o) std::memcpy(o, reg[src_reg], len * sizeof(float));
      }
    }
  });
}

}  // namespace

MLX_REGISTER_KERNEL(cpu, Compiled, compiled_kernel);

}  // namespace mlx::cpu
