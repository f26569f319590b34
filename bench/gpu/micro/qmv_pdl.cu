// Standalone microbenchmark (issue #6, session 5): does Programmatic Dependent Launch (PDL) let a chain of
// one-row 4-bit GEMVs overlap each kernel's ramp-up with the previous kernel's tail? For every variant:
//   single  one launch between events on an idle GPU (cold weights), median of 21 — as bench/gpu/run.mjs
//           times its single-launch row;
//   chain   40 launches back to back over 8 rotating weight copies (264 MB, more than L2: cold), no PDL;
//   pdl     the same chain, every launch with cudaLaunchAttributeProgrammaticStreamSerialization;
//   graph   the PDL chain captured once into a CUDA graph (programmatic edges) and replayed;
//   hot     the PDL chain over one weight copy (it stays in L2): the kernel's cost without DRAM.
// Times are per GEMV (µs), GB/s = weight + scale + bias + x + y bytes / time, % = of the 1 GiB
// device-to-device copy rate measured by this binary (read + write, as the bench's PyTorch peer).
// Every qmv variant is checked against an f32 reference and must match the engine kernel's bits.
//   NV=/path/to/cuda; $NV/bin/nvcc -O3 -std=c++20 -arch=sm_90 -I$NV/include bench/gpu/micro/qmv_pdl.cu -o /tmp/qmv_pdl
//   /tmp/qmv_pdl [N K gs]      (default 14336 4096 64)
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

// Per-warp timestamps of qmv_ring_kernel (6 points, see QMV_RING_STAMP in qmv_ring.cuh) when g_stamps is set.
__constant__ unsigned long long* g_stamps;
__device__ __forceinline__ void ring_stamp(int i) {
  if (g_stamps != nullptr && (threadIdx.x & 31) == 0) {
    unsigned long long t; asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    g_stamps[(((size_t)blockIdx.x * (blockDim.x >> 5)) + (threadIdx.x >> 5)) * 8 + i] = t;
    if (i == 0) { unsigned sm; asm("mov.u32 %0, %%smid;" : "=r"(sm)); g_stamps[(((size_t)blockIdx.x * (blockDim.x >> 5)) + (threadIdx.x >> 5)) * 8 + 7] = sm; }
  }
}
#define QMV_RING_STAMP_AT(i) ring_stamp(i);
#include "../../../packages/native/src/backend/cuda/qmv_ring.cuh"
#include "../../../packages/native/src/backend/cuda/qmv_tc.cuh"
#include "qmv_bulk.cuh"
#include "qmv_common.cuh"

using namespace mlx::cu::qmvk;
using namespace qmv_bench;  // T, Bufs, CK, rnd/frand/bf, weight_copies

// ---- floors. Grid-stride read of the bytes (the session-3 floor), with the PDL calls at the top.
__global__ void read_gs_kernel(const uint4* p, int64_t n, uint32_t* sink) {
  pdl_wait();
  pdl_launch_dependents();
  uint32_t a = 0;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    uint4 v = __ldg(p + i);
    a ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (a == 0x12345679u) sink[0] = a;
}
// Contiguous chunk per block (as a qmv block owns its rows), optionally prefetched into L2 before the wait.
template <bool PF>
__global__ void read_chunk_kernel(const uint4* p, int64_t n, int64_t chunk, uint32_t* sink) {
  const int64_t lo = blockIdx.x * chunk, hi = lo + chunk < n ? lo + chunk : n;
  if (PF && lo < hi) prefetch_l2_lines(p, lo * 16, hi * 16);
  pdl_wait();
  pdl_launch_dependents();
  uint32_t a = 0;
  int64_t i = lo + threadIdx.x;
  for (; i + 3 * blockDim.x < hi; i += 4 * blockDim.x) {
    uint4 v0 = __ldg(p + i), v1 = __ldg(p + i + blockDim.x), v2 = __ldg(p + i + 2 * blockDim.x), v3 = __ldg(p + i + 3 * blockDim.x);
    a ^= v0.x ^ v1.y ^ v2.z ^ v3.w ^ v0.w ^ v1.x ^ v2.y ^ v3.z;
  }
  for (; i < hi; i += blockDim.x) { uint4 v = __ldg(p + i); a ^= v.x ^ v.w; }
  if (a == 0x12345679u) sink[0] = a;
}




int main(int argc, char** argv) {
  const int N = argc > 3 ? atoi(argv[1]) : 14336, K = argc > 3 ? atoi(argv[2]) : 4096, gs = argc > 3 ? atoi(argv[3]) : 64;
  const int gshift = __builtin_ctz(gs), ngroups = K / gs, NB = 8;
  int sms; CK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  cudaDeviceProp prop; CK(cudaGetDeviceProperties(&prop, 0));
  const size_t wbytes = (size_t)N * K / 2, sbytes = (size_t)N * ngroups * 2;
  const double bytes = wbytes + 2.0 * sbytes + K * 2 + N * 2;
  std::vector<char*> slab;
  std::vector<Bufs> B = weight_copies(N, K, gs, NB, slab);
  std::vector<uint16_t> hx(K);
  for (auto& v : hx) v = bf(frand());
  T *x, *y; float* yr; uint32_t* sink;
  CK(cudaMalloc(&x, K * 2)); CK(cudaMalloc(&y, (size_t)N * 2)); CK(cudaMalloc(&yr, N * 4)); CK(cudaMalloc(&sink, 4));
  CK(cudaMemcpy(x, hx.data(), K * 2, cudaMemcpyHostToDevice));
  ref_kernel<<<(N + 127) / 128, 128>>>(x, B[0].w, B[0].s, B[0].b, yr, N, K, gs);
  std::vector<float> ref(N);
  CK(cudaMemcpy(ref.data(), yr, N * 4, cudaMemcpyDeviceToHost));
  cudaStream_t st; CK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
  cudaEvent_t e0, e1; CK(cudaEventCreate(&e0)); CK(cudaEventCreate(&e1));
  printf("qmv_pdl: %s, %d SMs, L2 %.0f MB | N=%d K=%d gs=%d bf16: %.2f MB per GEMV\n", prop.name, sms, prop.l2CacheSize / 1e6, N, K,
         gs, bytes / 1e6);
  double copy_gbs = 0;
  {  // copy bandwidth reference: 1 GiB device-to-device (read + write), median of 5 rounds of 5
    char *a, *b; size_t n = 1ull << 30; CK(cudaMalloc(&a, n)); CK(cudaMalloc(&b, n));
    CK(cudaMemcpyAsync(b, a, n, cudaMemcpyDeviceToDevice, st));
    std::vector<double> r;
    for (int k = 0; k < 5; k++) {
      CK(cudaEventRecord(e0, st)); for (int i = 0; i < 5; i++) CK(cudaMemcpyAsync(b, a, n, cudaMemcpyDeviceToDevice, st)); CK(cudaEventRecord(e1, st));
      CK(cudaEventSynchronize(e1)); float ms; CK(cudaEventElapsedTime(&ms, e0, e1));
      r.push_back(2.0 * n * 5 / (ms / 1e3) / 1e9);
    }
    std::sort(r.begin(), r.end());
    copy_gbs = r[2];
    printf("copy 1 GiB d2d: %.0f GB/s (read+write); 70%% of it = %.0f GB/s = %.2f us per GEMV of this size\n", copy_gbs,
           0.7 * copy_gbs, bytes / (0.7 * copy_gbs) / 1e3);
    CK(cudaFree(a)); CK(cudaFree(b));
  }
  std::vector<uint16_t> base_bits;  // the engine kernel's output (bits)
  auto pr = [&](const char* tag, double us) {
    if (us <= 0) { printf(" | %s    n/a             ", tag); return; }
    const double gbs = bytes / us / 1e3;
    printf(" | %s %6.2f us %5.0f GB/s %3.0f%%", tag, us, gbs, 100.0 * gbs / copy_gbs);
  };
  using Launch = std::function<cudaError_t(int buf, bool pdl)>;
  // QMV_SKIP=a,b: leave out variants whose name contains a or b (a faulting variant kills the context).
  std::vector<std::string> skip;
  if (const char* e = getenv("QMV_SKIP")) {
    std::string v = e;
    for (size_t p = 0, q; p <= v.size(); p = q + 1) { q = v.find(',', p); if (q == std::string::npos) q = v.size(); if (q > p) skip.push_back(v.substr(p, q - p)); }
  }
  const char* only = getenv("QMV_ONLY");  // run only the variants whose name contains this
  auto run = [&](const std::string& name, Launch L, bool check) {
    for (auto& k : skip) if (name.find(k) != std::string::npos) return;
    if (only && name.find(only) == std::string::npos) return;
    printf("  %-40s", name.c_str());
    fflush(stdout);
    if (check) {
      CK(cudaMemsetAsync(y, 0, (size_t)N * 2, st));
      CK(L(0, false));
      CK(cudaStreamSynchronize(st));
      std::vector<uint16_t> hy(N);
      CK(cudaMemcpy(hy.data(), y, N * 2, cudaMemcpyDeviceToHost));
      double d = 0, nn = 0;
      for (int n = 0; n < N; n++) {
        uint32_t u = (uint32_t)hy[n] << 16; float f; memcpy(&f, &u, 4);
        d += (f - ref[n]) * (double)(f - ref[n]); nn += ref[n] * (double)ref[n];
      }
      if (base_bits.empty()) base_bits = hy;
      int diff = 0;
      for (int n = 0; n < N; n++) diff += hy[n] != base_bits[n];
      // after a PDL chain the output must be this variant's own bits (every copy holds the same weights)
      const std::vector<uint16_t> own = hy;
      CK(cudaMemsetAsync(y, 0, (size_t)N * 2, st));
      for (int i = 0; i < 16; i++) CK(L(i % NB, true));
      CK(cudaStreamSynchronize(st));
      CK(cudaMemcpy(hy.data(), y, N * 2, cudaMemcpyDeviceToHost));
      int pdiff = 0;
      for (int n = 0; n < N; n++) pdiff += hy[n] != own[n];
      printf(" relerr %.2e%s%s", std::sqrt(d / nn), diff ? " bits!=engine" : " bits=engine", pdiff ? " PDL-CHAIN-DIFFERS" : "");
    } else printf("                   ");
    // single launches, cold (rotating copies), idle GPU before each
    std::vector<float> ss;
    for (int i = 0; i < 21; i++) {
      CK(cudaStreamSynchronize(st));
      CK(cudaEventRecord(e0, st)); CK(L(i % NB, false)); CK(cudaEventRecord(e1, st)); CK(cudaEventSynchronize(e1));
      float ms; CK(cudaEventElapsedTime(&ms, e0, e1)); ss.push_back(ms * 1e3);
    }
    std::sort(ss.begin(), ss.end());
    pr("single", ss[10]);
    const int reps = 40;
    auto chain = [&](bool pdl, int nb) {
      for (int i = 0; i < reps; i++) CK(L(i % nb, pdl));  // warm-up
      std::vector<double> r;
      for (int k = 0; k < 5; k++) {
        CK(cudaEventRecord(e0, st)); for (int i = 0; i < reps; i++) CK(L(i % nb, pdl)); CK(cudaEventRecord(e1, st));
        CK(cudaEventSynchronize(e1)); float ms; CK(cudaEventElapsedTime(&ms, e0, e1)); r.push_back(ms * 1e3 / reps);
      }
      std::sort(r.begin(), r.end());
      return r[2];
    };
    pr("chain", chain(false, NB));
    pr("pdl", chain(true, NB));
    double gus = -1;
    {  // the PDL chain as one captured graph
      cudaGraph_t g = nullptr; cudaGraphExec_t ge = nullptr;
      bool ok = cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal) == cudaSuccess;
      for (int i = 0; ok && i < reps; i++) ok = L(i % NB, true) == cudaSuccess;
      ok = cudaStreamEndCapture(st, &g) == cudaSuccess && ok;
      ok = ok && cudaGraphInstantiate(&ge, g, 0) == cudaSuccess;
      if (ok) {
        CK(cudaGraphLaunch(ge, st));
        std::vector<double> r;
        for (int k = 0; k < 5; k++) {
          CK(cudaEventRecord(e0, st)); CK(cudaGraphLaunch(ge, st)); CK(cudaEventRecord(e1, st));
          CK(cudaEventSynchronize(e1)); float ms; CK(cudaEventElapsedTime(&ms, e0, e1)); r.push_back(ms * 1e3 / reps);
        }
        std::sort(r.begin(), r.end());
        gus = r[2];
      } else {
        printf(" [graph capture failed: %s]", cudaGetErrorString(cudaGetLastError()));
      }
      if (ge) cudaGraphExecDestroy(ge);
      if (g) cudaGraphDestroy(g);
    }
    pr("graph+pdl", gus);
    pr("hot(L2) pdl", chain(true, 1));  // one copy repeated: what the math costs with the weights in L2
    printf("\n");
    fflush(stdout);
    CK(cudaGetLastError());
  };

  const int64_t n16 = (int64_t)((wbytes + 2 * sbytes) / 16);
  printf("floors (read the same bytes, nothing else):\n");
  run("read grid-stride x4", [&](int i, bool p) { return launch_pdl(read_gs_kernel, dim3(sms * 4), dim3(512), 0, st, p, (const uint4*)slab[i], n16, sink); }, false);
  for (int nb : {448, sms * 4}) {
    const int64_t chunk = (n16 + nb - 1) / nb;
    run("read chunk b" + std::to_string(nb), [&, chunk, nb](int i, bool p) {
      return launch_pdl(read_chunk_kernel<false>, dim3(nb), dim3(256), 0, st, p, (const uint4*)slab[i], n16, chunk, sink); }, false);
    run("read chunk b" + std::to_string(nb) + " +L2pf", [&, chunk, nb](int i, bool p) {
      return launch_pdl(read_chunk_kernel<true>, dim3(nb), dim3(256), 0, st, p, (const uint4*)slab[i], n16, chunk, sink); }, false);
  }
  printf("qmv (tc rRT kKS uU = qmv_tc_kernel<RT, KS, U>; pfP: L2 prefetch mode, qmv_tc.cuh):\n");
  auto tc = [&](auto kern, int RT, int KS, int U, int PF, int E, int MB, bool P = false, bool G = false, bool X = false) {
    const size_t smem = qmv_tc_smem(K, gs, X);
    std::string nm = "tc r" + std::to_string(RT) + "k" + std::to_string(KS) + "u" + std::to_string(U) + " pf" + std::to_string(PF) + " e" + std::to_string(E) + (MB > 1 ? " mb" + std::to_string(MB) : "") + (P ? " P" : "") + (G ? " G" : "") + (X ? " X" : "");
    if (RT == 2 && KS == 4 && U == 2 && PF == 0 && !E && !P && !G) nm += " (engine)";
    int regs = 0; { cudaFuncAttributes fa; if (cudaFuncGetAttributes(&fa, kern) == cudaSuccess) regs = fa.numRegs; }
    int occ = 0; CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&occ, kern, 32 * KS, smem));
    const int tiles = (N + RT * 16 - 1) / (RT * 16);
    const int blocks = P ? std::min(tiles, std::max(1, occ * sms)) : tiles;
    nm += " " + std::to_string(regs) + "r " + std::to_string(blocks) + "/" + std::to_string(occ * sms);
    run(nm, [=](int i, bool p) { return launch_pdl(kern, dim3(blocks, 1), dim3(32 * KS), smem, st, p, (const T*)x,
                                                (const uint32_t*)B[i].w, (const T*)B[i].s, (const T*)B[i].b, y, N, K, gshift); }, true);
  };
#define TC(RT, KS, U, PF, E) tc(qmv_tc_kernel<T, RT, KS, U, PF, E>, RT, KS, U, PF, E, 0)
  // G: the group size at compile time (GS template argument)
  auto tcg = [&](auto k32, auto k64, auto k128, int RT, int KS, int U, int PF, int E) {
    if (gs == 32) tc(k32, RT, KS, U, PF, E, 0, false, true);
    else if (gs == 64) tc(k64, RT, KS, U, PF, E, 0, false, true);
    else if (gs == 128) tc(k128, RT, KS, U, PF, E, 0, false, true);
  };
  auto tcx = [&](auto k32, auto k64, auto k128, int RT, int KS, int U, int E) {
    if (gs == 32) tc(k32, RT, KS, U, 0, E, 0, false, true, true);
    else if (gs == 64) tc(k64, RT, KS, U, 0, E, 0, false, true, true);
    else if (gs == 128) tc(k128, RT, KS, U, 0, E, 0, false, true, true);
  };
#define TCX(RT, KS, U, E) tcx(qmv_tc_kernel<T, RT, KS, U, 0, E, 0, false, 32, true>, qmv_tc_kernel<T, RT, KS, U, 0, E, 0, false, 64, true>, \
                              qmv_tc_kernel<T, RT, KS, U, 0, E, 0, false, 128, true>, RT, KS, U, E)
#define TCG(RT, KS, U, PF, E) tcg(qmv_tc_kernel<T, RT, KS, U, PF, E, 0, false, 32>, qmv_tc_kernel<T, RT, KS, U, PF, E, 0, false, 64>, \
                                  qmv_tc_kernel<T, RT, KS, U, PF, E, 0, false, 128>, RT, KS, U, PF, E)
  TC(2, 4, 2, 0, 0);  // session 4's engine kernel (first: the reference bits)
  TCG(2, 4, 2, 0, 1);  // session 5's engine default (MLX_CUDA_QMV_FAST=1)
  TCX(1, 4, 2, 1);     // MLX_CUDA_QMV_FAST=4
  // qmv_ring_kernel<GS, RT, D> (qmv_ring.cuh) with TPB tile groups per block; KSW from qmv_ring_ks unless forced
  auto ring_setup = [&](auto kern, int RT, int TPB, int ks_force, int& ksw, int& blocks, size_t& sm) {
    ksw = ks_force > 0 ? ks_force : qmv_ring_ks(N, K, gs, RT * TPB, sms);
    sm = qmv_ring_smem<T>(K, gs, ksw * TPB, RT);
    CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)sm));
    blocks = (N + 16 * RT * TPB - 1) / (16 * RT * TPB);
  };
  // early: the first weights before griddepcontrol.wait (the engine does this where the weights are settled)
  auto ring = [&](auto k32, auto k64, auto k128, int RT, int D, int TPB, int ks_force, bool early, int maxr) {
    auto go = [&](auto kern) {
      int ksw, blocks; size_t sm;
      ring_setup(kern, RT, TPB, ks_force, ksw, blocks, sm);
      if (ksw * TPB > 16) { printf("  ring r%d d%d t%d: %d warps per block, skipped\n", RT, D, TPB, ksw * TPB); return; }
      int regs = 0; { cudaFuncAttributes fa; if (cudaFuncGetAttributes(&fa, kern) == cudaSuccess) regs = fa.numRegs; }
      int occ = 0; CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&occ, kern, 32 * ksw * TPB, sm));
      std::string nm = "ring r" + std::to_string(RT) + " d" + std::to_string(D) + " t" + std::to_string(TPB) + (early ? " early" : " late") + (maxr < 0 ? "" : maxr ? " cap" + std::to_string(maxr) : " free") + " ks" + std::to_string(ksw) + " " +
                       std::to_string(regs) + "r " + std::to_string(blocks) + "/" + std::to_string(occ * sms) + (RT == 1 && D == 2 && TPB == 1 && !ks_force && maxr < 0 ? " (engine)" : "");
      run(nm, [=](int i, bool p) { return launch_pdl(kern, dim3(blocks, 1), dim3(32 * ksw * TPB), sm, st, p, (const T*)x, (const uint32_t*)B[i].w,
                                                  (const T*)B[i].s, (const T*)B[i].b, y, N, K, ksw, early); }, true);
    };
    if (gs == 32) go(k32); else if (gs == 64) go(k64); else if (gs == 128) go(k128);
  };
  // The engine's kernels (qmv_ring_engine_kernel: its register setting per group size), then register settings
  // (MAXR: cap, 0 ptxas' own choice), deeper rings and more rows per warp (D must divide gs / 16: D 4 runs as 2
  // at gs 32), two tile groups per block, a forced K split.
#define RING(RT, D, TPB, KSF, EARLY, MAXR) ring(qmv_ring_kernel_of<T, 32, RT, (D > 2 ? 2 : D), false, MAXR>(), qmv_ring_kernel_of<T, 64, RT, D, false, MAXR>(), \
                                                qmv_ring_kernel_of<T, 128, RT, D, false, MAXR>(), RT, (gs == 32 && D > 2 ? 2 : D), TPB, KSF, EARLY, MAXR)
  for (bool early : {false, true})  // late first: the reference bits
    ring(qmv_ring_engine_kernel<T, 32>(), qmv_ring_engine_kernel<T, 64>(), qmv_ring_engine_kernel<T, 128>(), 1, 2, 1, 0, early, -1);
  RING(1, 2, 1, 0, true, 0);
  RING(1, 2, 1, 0, true, 68);
  RING(1, 2, 1, 0, true, 72);
  if (getenv("QMV_RING_ALL")) {
    RING(1, 4, 1, 0, true, 96);
    RING(2, 2, 1, 0, true, 128);
    RING(1, 2, 2, 0, true, 72);
    RING(1, 2, 1, 8, true, 72);
  }
  if (!getenv("QMV_STAMPS")) { printf("done\n"); return 0; }
  {  // where a warp's time goes: stamps of one cold launch and of the last launch of a hot PDL chain
    const int TPB = getenv("QMV_STAMP_TPB") ? atoi(getenv("QMV_STAMP_TPB")) : 1;
    auto kern = gs == 32 ? qmv_ring_engine_kernel<T, 32, true>() : gs == 64 ? qmv_ring_engine_kernel<T, 64, true>() : qmv_ring_engine_kernel<T, 128, true>();
    int ks, blocks; size_t sm;
    ring_setup(kern, 1, TPB, 0, ks, blocks, sm);
    const int nw = blocks * ks * TPB;
    unsigned long long* buf; CK(cudaMalloc(&buf, (size_t)nw * 64));
    std::vector<unsigned long long> h((size_t)nw * 8);
    auto report = [&](const char* what) {
      CK(cudaMemcpy(h.data(), buf, h.size() * 8, cudaMemcpyDeviceToHost));
      unsigned long long t0 = ~0ull, tend = 0;
      for (int i = 0; i < nw; i++) { t0 = std::min(t0, h[i * 8]); tend = std::max(tend, h[i * 8 + 5]); }
      printf("  stamps r1 d2 t%d ks%d %s: kernel span %.2f us (first entry to last end); per warp percentiles p0/p10/p50/p90/p100 in us:\n", TPB, ks, what, (tend - t0) / 1e3);
      const char* nm[] = {"entry (since first)", "pdl wait", "x staged", "1st span", "all spans", "block sync", "end (since first)"};
      for (int k = 0; k < 7; k++) {
        std::vector<double> v(nw);
        for (int i = 0; i < nw; i++) {
          const unsigned long long* r = &h[i * 8];
          v[i] = (k == 0 ? r[0] - t0 : k == 6 ? r[5] - t0 : r[k] - r[k - 1]) / 1e3;
        }
        std::sort(v.begin(), v.end());
        printf("    %-20s %7.2f %7.2f %7.2f %7.2f %7.2f\n", nm[k], v[0], v[nw / 10], v[nw / 2], v[nw * 9 / 10], v[nw - 1]);
      }
    };
    CK(cudaMemcpyToSymbol(g_stamps, &buf, sizeof(buf)));
    auto L = [&](int i, bool p) { return launch_pdl(kern, dim3(blocks, 1), dim3(32 * ks * TPB), sm, st, p, (const T*)x, (const uint32_t*)B[i].w, (const T*)B[i].s, (const T*)B[i].b, y, N, K, ks, true); };
    CK(cudaStreamSynchronize(st)); CK(L(3, false)); CK(cudaStreamSynchronize(st)); report("single cold");
    for (int i = 0; i < 16; i++) CK(L(i % NB, true));
    CK(cudaStreamSynchronize(st)); report("cold PDL chain, last");
    for (int i = 0; i < 16; i++) CK(L(0, true));
    CK(cudaStreamSynchronize(st)); report("hot PDL chain, last");
    unsigned long long* nul = nullptr; CK(cudaMemcpyToSymbol(g_stamps, &nul, sizeof(nul))); CK(cudaFree(buf));
  }
  {  // session 4's best (warp-specialised, TMA), no PDL calls in it: chain vs pdl shows launch overlap only
    constexpr int KS = 8, SPB = 32, NS = 4;
    auto kern = qmv_ws_kernel<T, KS, SPB, NS, true>;
    if (K == 128 * SPB && (SPB * 128 / gs * 2) % 16 == 0 && ngroups % 8 == 0) {
      size_t sm = (size_t)NS * (16 * (SPB * 64 + 64) + 2 * 16 * (SPB * 8 + 16)) + 16 * NS + (size_t)ngroups * 4 + (size_t)NS * KS * 16 * 4;
      CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)sm));
      int occ = 0; CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&occ, kern, 32 * (KS + 1), sm));
      const int gx = std::min((N + 15) / 16, std::max(1, occ * sms));
      run("ws k8s32n4x (no PDL calls)", [=](int i, bool p) { return launch_pdl(kern, dim3(gx, 1), dim3(32 * (KS + 1)), sm, st, p, (const T*)x,
                                                        (const uint32_t*)B[i].w, (const T*)B[i].s, (const T*)B[i].b, y, N, K, gshift); }, true);
    }
  }
  printf("done\n");
  return 0;
}
