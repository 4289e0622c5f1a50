// Shared by the libFuzzer targets in tests/fuzz/ and their seed writer:
// the small networks the targets exercise (every layer kind, fast enough for
// thousands of executions a second under ASan) and the checks that turn a
// wrong answer into a crash libFuzzer records.
#pragma once
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

namespace fuzz {

// Small networks covering conv (stride, padding, 1×1), all three poolings,
// batch norm, dropout, residual blocks with and without projection, maxout,
// every activation, flatten, dense and both losses. All take 1×8×8 inputs
// and give 4 outputs, so one data set fits them all.
inline const std::vector<std::string>& small_specs() {
  static const std::vector<std::string> specs = {
      "input 1x8x8\nconv 3 k=3 p=1\nbatchnorm\nrelu\nmaxpool 2\ndense 4\n",
      "input 1x8x8\nconv 4 k=4 s=2 p=1\nleaky_relu a=0.1\navgpool 2\nflatten\ndropout keep=0.5\ndense 4\n",
      "input 1x8x8\nresidual\nconv 2 k=3 p=1\nbatchnorm\nelu\nend\nresidual\nconv 4 k=2 s=2\nend\nl2pool 2\ndense 4\n",
      "input 1x8x8\nconv 6 k=1\nmaxout 3\nsigmoid\nmaxpool 3 s=1\ntanh\ndense 4\nloss mse\n",
      // LeNet-5's shape, shrunk to 8×8
      "input 1x8x8\nconv 3 k=3 p=1\nrelu\nmaxpool 2\nconv 5 k=3\nrelu\ndense 6\nrelu\ndense 4\n",
  };
  return specs;
}
inline constexpr int kSmallClasses = 4;
inline constexpr int kSmallSide = 8;

// A broken invariant: print what and abort, which libFuzzer records as a crash.
[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  std::abort();
}
inline void require(bool ok, const std::string& what) {
  if (!ok) fail(what);
}

inline bool all_finite(std::span<const float> v) {
  for (float x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

}  // namespace fuzz
