// Copyright 2026 The leakprof Authors.
//
// Standalone driver for libFuzzer-style fuzz targets, linked instead of
// libFuzzer's main in the normal (non-fuzz) build; see //bazel:fuzz.bzl.
//
// Runs LLVMFuzzerTestOneInput once on every file named on the command line;
// a directory stands for every regular file under it, in sorted order. That
// makes the seed corpus a regression test (bazel test) and lets a crash found
// by the real fuzzer be replayed under gcc (bazel run ... -- /abs/crash-file).
// A relative path that does not exist is retried under
// $BUILD_WORKING_DIRECTORY, where `bazel run` was started.
//
// Exits 0 when every input ran, 1 on a missing or unreadable input or when no
// input was given at all (an empty corpus must not pass silently). A finding
// aborts the process, as under libFuzzer.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
    __attribute__((weak));

namespace {

namespace fs = std::filesystem;

// Appends `arg` (a file, or every regular file under a directory) to `out`.
bool Collect(const std::string& arg, std::vector<fs::path>* out) {
  fs::path path(arg);
  std::error_code ec;
  if (!fs::exists(path, ec) && path.is_relative()) {
    const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
    if (cwd != nullptr && fs::exists(fs::path(cwd) / path, ec)) {
      path = fs::path(cwd) / path;
    }
  }
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    if (ec) {
      std::fprintf(stderr, "fuzz_main: cannot list %s: %s\n", arg.c_str(),
                   ec.message().c_str());
      return false;
    }
    std::sort(files.begin(), files.end());
    out->insert(out->end(), files.begin(), files.end());
    return true;
  }
  if (!fs::is_regular_file(path, ec)) {
    std::fprintf(stderr, "fuzz_main: no such file or directory: %s\n",
                 arg.c_str());
    return false;
  }
  out->push_back(path);
  return true;
}

bool ReadFile(const fs::path& path, std::string* contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  contents->assign(std::istreambuf_iterator<char>(in),
                   std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);

  std::vector<fs::path> inputs;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.size() > 1 && arg[0] == '-') continue;  // libFuzzer-style flags
    ok = Collect(arg, &inputs) && ok;
  }
  if (!ok) return 1;
  if (inputs.empty()) {
    std::fprintf(stderr, "fuzz_main: no inputs; usage: %s FILE_OR_DIR...\n",
                 argv[0]);
    return 1;
  }

  for (const fs::path& path : inputs) {
    std::string data;
    if (!ReadFile(path, &data)) {
      std::fprintf(stderr, "fuzz_main: cannot read %s\n", path.c_str());
      return 1;
    }
    std::fprintf(stderr, "fuzz_main: running %s (%zu bytes)\n", path.c_str(),
                 data.size());
    // A heap copy of exactly the input's size, so ASan sees overreads; never
    // null, as under libFuzzer.
    std::unique_ptr<uint8_t[]> buf(new uint8_t[data.size()]);
    std::copy(data.begin(), data.end(), buf.get());
    LLVMFuzzerTestOneInput(buf.get(), data.size());
  }
  std::fprintf(stderr, "fuzz_main: %zu inputs ran\n", inputs.size());
  return 0;
}
