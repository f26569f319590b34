// pagedAttention(q, kPool, vPool, slotTable, querySeq, queryEnd, scale, window?, stream?)
#include "../ops/paged_attention.h"
#include "convert.h"

namespace mlx::js {

namespace {
Napi::Value paged_attention_js(const Napi::CallbackInfo& i) {
  if (!i[6].IsNumber()) throw_js(i.Env(), ErrorCode::invalid_argument, "[paged_attention] scale must be a number.");
  const float scale = i[6].As<Napi::Number>().FloatValue();
  const int window = is_nullish(i, 7) ? 0 : to_int(i[7], "window");
  return wrap(i.Env(), paged_attention(to_array(i, 0), to_array(i, 1), to_array(i, 2), to_array(i, 3), to_array(i, 4),
                                       to_array(i, 5), scale, window, to_stream(i, 8)));
}
}  // namespace

MLX_BIND("pagedAttention", paged_attention_js);

}  // namespace mlx::js
