#include "paged_attention.h"

#include "../primitives/paged_attention.h"
#include "shape.h"

namespace mlx {

namespace {
[[noreturn]] void fail(ErrorCode c, const std::string& msg) { throw_error(c, "[paged_attention] " + msg); }
void need_dtype(const Array& a, Dtype d, const char* what) {
  if (a.dtype() != d)
    fail(ErrorCode::dtype, std::string(what) + " must be " + dtype_name(d) + " but received " + dtype_name(a.dtype()) + ".");
}
}  // namespace

Array paged_attention(const Array& q, const Array& k_pool, const Array& v_pool, const Array& slot_table,
                      const Array& query_seq, const Array& query_end, float scale, int window, StreamOrDevice s) {
  need_dtype(q, Dtype::float32, "q");
  need_dtype(k_pool, Dtype::float32, "kPool");
  need_dtype(v_pool, Dtype::float32, "vPool");
  need_dtype(slot_table, Dtype::int32, "slotTable");
  need_dtype(query_seq, Dtype::int32, "querySeq");
  need_dtype(query_end, Dtype::int32, "queryEnd");
  if (q.ndim() != 3) fail(ErrorCode::shape, "q must be [N, Hq, D] but has shape " + shape_str(q.shape()) + ".");
  if (k_pool.ndim() != 3 || v_pool.ndim() != 3)
    fail(ErrorCode::shape, "kPool and vPool must be [slots, Hkv, D] but have shapes " + shape_str(k_pool.shape()) + " and " + shape_str(v_pool.shape()) + ".");
  const int64_t N = q.shape(0), Hq = q.shape(1), D = q.shape(2), Hkv = k_pool.shape(1);
  if (k_pool.shape(2) != D) fail(ErrorCode::shape, "kPool's head size " + std::to_string(k_pool.shape(2)) + " differs from q's " + std::to_string(D) + ".");
  if (v_pool.shape(0) != k_pool.shape(0) || v_pool.shape(1) != Hkv)
    fail(ErrorCode::shape, "vPool " + shape_str(v_pool.shape()) + " does not match kPool " + shape_str(k_pool.shape()) + " in slots and heads.");
  if (Hkv == 0 || Hq % Hkv != 0)
    fail(ErrorCode::shape, "The query heads (" + std::to_string(Hq) + ") must be a multiple of the KV heads (" + std::to_string(Hkv) + ").");
  if (slot_table.ndim() != 2) fail(ErrorCode::shape, "slotTable must be [T, L] but has shape " + shape_str(slot_table.shape()) + ".");
  if (query_seq.ndim() != 1 || query_seq.shape(0) != N || query_end.ndim() != 1 || query_end.shape(0) != N)
    fail(ErrorCode::shape, "querySeq and queryEnd must be [" + std::to_string(N) + "] but have shapes " + shape_str(query_seq.shape()) + " and " + shape_str(query_end.shape()) + ".");
  if (window < 0) fail(ErrorCode::invalid_argument, "window must be >= 0 (0: no window) but is " + std::to_string(window) + ".");
  return Array(Shape{N, Hq, v_pool.shape(2)}, Dtype::float32, std::make_shared<PagedAttention>(to_stream(s), scale, window),
               {q, k_pool, v_pool, slot_table, query_seq, query_end});
}

}  // namespace mlx
