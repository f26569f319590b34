// paged_attention: attention for continuous batching over a paged KV cache, without gathering K/V.
//   q           float32 [N, Hq, D]     N queries from any number of sequences (positions already encoded)
//   k_pool      float32 [S, Hkv, D]    key slots (Hq a multiple of Hkv: grouped-query attention)
//   v_pool      float32 [S, Hkv, Dv]   value slots
//   slot_table  int32 [T, L]           row t: the slots of sequence t's keys in position order
//   query_seq   int32 [N]              the table row of each query
//   query_end   int32 [N]              query i attends to keys [max(0, end - window), end) of its row (1 <= end <= L)
//   scale       softmax scale; window 0 = no sliding window
// out[i, h] = softmax(scale * q[i, h] . K_i^T) V_i with K_i/V_i the visible keys/values (kv head h / (Hq / Hkv)).
// Each query's result is computed the same way whatever other queries share the call (row-invariant): keys in
// blocks of 64 from position 0, an online softmax per block, as the CPU scaledDotProductAttention kernel does for
// one query. Slots and ends out of range throw an IndexError when evaluated. CPU only; not differentiable.
#pragma once
#include "common.h"

namespace mlx {

Array paged_attention(const Array& q, const Array& k_pool, const Array& v_pool, const Array& slot_table,
                      const Array& query_seq, const Array& query_end, float scale, int window = 0,
                      StreamOrDevice s = {});

}  // namespace mlx
