// NVRTC compilation of generated kernels with an in-memory and an on-disk cache (compiled_jit.h).
#include <nvrtc.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "compiled_jit.h"
#include "runtime.h"

namespace mlx::cu {

namespace {

namespace fs = std::filesystem;

std::mutex g_jit_mu;  // held across a compile: concurrent misses of one kernel compile it once
std::unordered_map<std::string, cudaKernel_t> g_kernels;

uint64_t fnv1a(const void* data, size_t n, uint64_t h = 1469598103934665603ull) {
  auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ull; }
  return h;
}

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)v);
  return buf;
}

std::string env_or(const char* name, const char* dflt) {
  const char* v = std::getenv(name);
  return v && *v ? v : dflt;
}

// What the compiled image depends on besides the source.
struct Target {
  int arch = 0;          // compute capability ×10 of device 0
  int code_arch = 0;     // architecture compiled for (≤ arch when NVRTC does not know the device)
  bool ptx = false;      // NVRTC lacks the device's arch: PTX for the newest it has, JIT-ed by the driver
  int nvrtc_major = 0, nvrtc_minor = 0;
};

const Target& target() {
  static const Target t = [] {
    Target t;
    int major = 0, minor = 0;
    MLX_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0));
    MLX_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, 0));
    t.arch = major * 10 + minor;
    nvrtcVersion(&t.nvrtc_major, &t.nvrtc_minor);
    int n = 0;
    nvrtcGetNumSupportedArchs(&n);
    std::vector<int> archs(std::max(n, 0));
    if (n > 0) nvrtcGetSupportedArchs(archs.data());
    t.code_arch = t.arch;
    bool known = false;
    int best = 0;
    for (int a : archs) {
      known = known || a == t.arch;
      if (a <= t.arch) best = std::max(best, a);
    }
    if (!known && best > 0) { t.code_arch = best; t.ptx = true; }
    return t;
  }();
  return t;
}

std::vector<std::string> split_flags(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> nvrtc_options() {
  const Target& t = target();
  std::vector<std::string> opts = {
      std::string("--gpu-architecture=") + (t.ptx ? "compute_" : "sm_") + std::to_string(t.code_arch),
      "--std=c++17",
      // No contraction into fused multiply-adds: each op rounds as its unfused kernel does.
      "--fmad=false",
  };
  for (auto& f : split_flags(env_or("MLX_CUDA_NVRTC_FLAGS", ""))) opts.push_back(f);
  return opts;
}

// The cache identity of a kernel: everything the image depends on, in one string.
std::string cache_key(const std::string& source, const std::vector<std::string>& opts) {
  const Target& t = target();
  std::string k = "mlx-ts-jit-v1\narch " + std::to_string(t.arch) + "\nnvrtc " + std::to_string(t.nvrtc_major) + "." +
                  std::to_string(t.nvrtc_minor) + "\n";
  for (auto& o : opts) k += o + "\n";
  return k + "--\n" + source;
}

// Raises a typed error for an NVRTC failure (compiler log included) after freeing the program.
[[noreturn]] void nvrtc_fail(nvrtcProgram* prog, nvrtcResult r, const char* what) {
  std::string log;
  if (prog && *prog) {
    size_t n = 0;
    if (nvrtcGetProgramLogSize(*prog, &n) == NVRTC_SUCCESS && n > 1) {
      log.resize(n);
      nvrtcGetProgramLog(*prog, log.data());
      log.resize(std::strlen(log.c_str()));
    }
    nvrtcDestroyProgram(prog);
  }
  if (log.size() > 2000) log = log.substr(0, 2000) + "...";
  throw_error(ErrorCode::internal, std::string("[cuda] NVRTC ") + what + " failed (" + nvrtcGetErrorString(r) + ")" +
                                       (log.empty() ? "." : ":\n" + log));
}

// Source -> cubin (or PTX when NVRTC does not know the device's architecture).
std::string nvrtc_compile(const std::string& source, const std::vector<std::string>& opts) {
  auto t0 = std::chrono::steady_clock::now();
  nvrtcProgram prog = nullptr;
  nvrtcResult r = nvrtcCreateProgram(&prog, source.c_str(), "mlx_fused.cu", 0, nullptr, nullptr);
  if (r != NVRTC_SUCCESS) nvrtc_fail(nullptr, r, "program creation");
  std::vector<const char*> argv;
  for (auto& o : opts) argv.push_back(o.c_str());
  r = nvrtcCompileProgram(prog, (int)argv.size(), argv.data());
  if (r != NVRTC_SUCCESS) nvrtc_fail(&prog, r, "compilation of a fused kernel");
  std::string image;
  size_t n = 0;
  if (target().ptx) {
    r = nvrtcGetPTXSize(prog, &n);
    if (r == NVRTC_SUCCESS) { image.resize(n); r = nvrtcGetPTX(prog, image.data()); }
  } else {
    r = nvrtcGetCUBINSize(prog, &n);
    if (r == NVRTC_SUCCESS) { image.resize(n); r = nvrtcGetCUBIN(prog, image.data()); }
  }
  if (r != NVRTC_SUCCESS) nvrtc_fail(&prog, r, "reading the compiled image");
  nvrtcDestroyProgram(&prog);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  add_counter("jit_nvrtc_compiles", 1);
  add_counter("jit_nvrtc_ms", ms);
  return image;
}

// ---------------------------------------------------------------- disk cache
// File: magic(8) | key length(8) | image length(8) | FNV-1a of key+image(8) | key | image.
constexpr char kMagic[8] = {'M', 'L', 'X', 'J', 'I', 'T', '0', '1'};

fs::path cache_dir() {
  if (env_or("MLX_CUDA_KERNEL_CACHE", "1") == "0") return {};
  std::string root = env_or("MLX_CACHE_DIR", "");
  if (!root.empty()) return fs::path(root) / "cuda-kernels";
  std::string home = env_or("HOME", "");
  if (home.empty()) return {};
  return fs::path(home) / ".cache" / "mlx-ts" / "cuda-kernels";
}

// The cached image for key, or "" (missing, unreadable, or not this key / corrupt: counted).
std::string disk_read(const fs::path& file, const std::string& key) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return "";
  std::ifstream in(file, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&] { add_counter("jit_disk_errors", 1); return std::string(); };
  if (!in.good() && !in.eof()) return bad();
  if (data.size() < 32 || std::memcmp(data.data(), kMagic, 8) != 0) return bad();
  uint64_t klen, ilen, sum;
  std::memcpy(&klen, data.data() + 8, 8);
  std::memcpy(&ilen, data.data() + 16, 8);
  std::memcpy(&sum, data.data() + 24, 8);
  if (klen > data.size() || ilen > data.size() || 32 + klen + ilen != data.size()) return bad();
  if (fnv1a(data.data() + 32, klen + ilen) != sum) return bad();
  if (data.compare(32, klen, key) != 0) return bad();  // a hash collision: recompile and replace
  return data.substr(32 + klen);
}

void disk_write(const fs::path& dir, const fs::path& file, const std::string& key, const std::string& image) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  // Written under a unique name, then renamed: readers never see half a file.
  std::random_device rd;
  fs::path tmp = file;
  tmp += ".tmp" + std::to_string(getpid()) + "_" + std::to_string(rd());
  std::string head(32, '\0');
  uint64_t klen = key.size(), ilen = image.size();
  std::memcpy(head.data(), kMagic, 8);
  std::memcpy(head.data() + 8, &klen, 8);
  std::memcpy(head.data() + 16, &ilen, 8);
  uint64_t sum = fnv1a(image.data(), image.size(), fnv1a(key.data(), key.size()));
  std::memcpy(head.data() + 24, &sum, 8);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << head << key << image;
    out.close();
    if (!out) { fs::remove(tmp, ec); add_counter("jit_disk_write_errors", 1); return; }
  }
  fs::rename(tmp, file, ec);
  if (ec) { fs::remove(tmp, ec); add_counter("jit_disk_write_errors", 1); return; }
  add_counter("jit_disk_writes", 1);
}

cudaKernel_t load_kernel(const std::string& image, const char* name) {
  cudaLibrary_t lib = nullptr;
  cudaError_t e = cudaLibraryLoadData(&lib, image.data(), nullptr, nullptr, 0, nullptr, nullptr, 0);
  if (e != cudaSuccess) { cudaGetLastError(); return nullptr; }
  cudaKernel_t k = nullptr;
  e = cudaLibraryGetKernel(&k, lib, name);
  if (e != cudaSuccess) { cudaGetLastError(); cudaLibraryUnload(lib); return nullptr; }
  return k;  // the library stays loaded for the life of the process
}

}  // namespace

cudaKernel_t jit_kernel(const std::string& source, const char* name) {
  std::lock_guard<std::mutex> lk(g_jit_mu);
  auto opts = nvrtc_options();
  std::string key = cache_key(source, opts) + "\nentry " + name;
  auto it = g_kernels.find(key);
  if (it != g_kernels.end()) return it->second;

  fs::path dir = cache_dir(), file;
  if (!dir.empty()) file = dir / (hex16(fnv1a(key.data(), key.size())) + ".cubin");
  cudaKernel_t k = nullptr;
  if (!file.empty()) {
    std::string image = disk_read(file, key);
    if (!image.empty()) {
      k = load_kernel(image, name);
      add_counter(k ? "jit_disk_hits" : "jit_disk_errors", 1);
    }
  }
  if (!k) {
    std::string image = nvrtc_compile(source, opts);
    k = load_kernel(image, name);
    if (!k) throw_error(ErrorCode::internal, std::string("[cuda] Could not load the compiled kernel ") + name + ".");
    if (!file.empty()) disk_write(dir, file, key, image);
  }
  g_kernels.emplace(std::move(key), k);
  return k;
}

}  // namespace mlx::cu
