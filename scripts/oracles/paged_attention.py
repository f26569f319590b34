"""Oracle for mx.pagedAttention in plain numpy (float64 softmax attention, compared with a float tolerance).

Semantics (packages/native/src/ops/paged_attention.h): query i of a flat list attends to the keys at slots
slot_table[query_seq[i], j] for j in [max(0, end - window), end), end = query_end[i], using kv head
h // (Hq // Hkv) of the slot pools; out[i, h] = softmax(scale * q[i, h] . K^T) V.
"""
import numpy as np

from common import encode, write

rng = np.random.default_rng(11)
F = np.float32


def paged_attention(q, kp, vp, table, qseq, qend, scale, window):
    n, hq, _ = q.shape
    hkv = kp.shape[1]
    rep = hq // hkv
    out = np.zeros((n, hq, vp.shape[2]), dtype=np.float64)
    for i in range(n):
        e = int(qend[i])
        s = max(0, e - window) if window > 0 else 0
        slots = table[qseq[i], s:e]
        for h in range(hq):
            k = kp[slots, h // rep].astype(np.float64)
            v = vp[slots, h // rep].astype(np.float64)
            z = (q[i, h].astype(np.float64) * scale) @ k.T
            p = np.exp(z - z.max())
            out[i, h] = (p / p.sum()) @ v
    return out.astype(F)


cases = []


def case(name, seqs, hq, hkv, d, dv=None, window=0, slots_extra=7):
    """seqs: list of (length of the sequence's keys, list of query ends)."""
    dv = dv or d
    total = sum(l for l, _ in seqs) + slots_extra
    perm = rng.permutation(total).astype(np.int32)  # scattered slots, as a paged pool holds them
    width = max(l for l, _ in seqs) + 3
    table = np.full((len(seqs), width), -1, dtype=np.int32)  # unused entries out of range on purpose
    at = 0
    qseq, qend = [], []
    for t, (l, ends) in enumerate(seqs):
        table[t, :l] = perm[at:at + l]
        at += l
        qseq += [t] * len(ends)
        qend += ends
    qseq = np.array(qseq, dtype=np.int32)
    qend = np.array(qend, dtype=np.int32)
    q = rng.standard_normal((len(qseq), hq, d)).astype(F)
    kp = rng.standard_normal((total, hkv, d)).astype(F)
    vp = rng.standard_normal((total, hkv, dv)).astype(F)
    scale = float(1 / np.sqrt(d))
    out = paged_attention(q, kp, vp, table, qseq, qend, scale, window)
    cases.append({"name": name, "op": "pagedAttention", "args": {"scale": scale, "window": window},
                  "inputs": [encode(q), encode(kp), encode(vp), encode(table), encode(qseq), encode(qend)],
                  "expected": encode(out)})


# Decode rows (one query per sequence, different lengths), GQA 9/3 heads of 64 as SmolLM2.
case("decode rows, GQA 9:3, D 64", [(5, [5]), (66, [66]), (1, [1])], 9, 3, 64)
# A prefill chunk (consecutive queries of one sequence, causal ends) next to decode rows.
case("chunk + decode rows", [(40, [33, 34, 35, 36, 37, 38, 39, 40]), (66, [66]), (12, [12])], 4, 2, 32)
# A chunk longer than one unit (more than 64 / rep queries) crossing key blocks of 64.
case("long chunk crossing key blocks", [(150, list(range(60, 151)))], 2, 1, 16)
# Sliding window: windows that start inside and past the first key block.
case("window 20", [(100, [100]), (30, [25, 26, 27, 28, 29, 30]), (50, [50])], 4, 2, 16, window=20)
case("window 70, long keys", [(200, [200, 150, 71]), (64, [64])], 2, 1, 8, window=70)
# Head size not a multiple of the vector width, Dv != D, MHA.
case("D 24, Dv 40, MHA", [(9, [3, 9]), (17, [17])], 3, 3, 24, dv=40)

write("paged_attention", cases)
