// Regression tests for bugs found by the sanitizer build and the fuzzers
// (tests/fuzz/). Each case names what broke and how it was found; the input
// that triggered it is kept here, small, so the bug cannot come back quietly.
#include <doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "model_file.h"
#include "network.h"

TEST_CASE("regression: loading a model without batch norm copies no state through a null pointer") {
  // Found by UBSan: apply() called memcpy(state().data() == nullptr, ..., 0),
  // undefined behaviour even for zero bytes. LeNet-5 has no running statistics.
  cnn::Network net("lenet5");
  REQUIRE(net.state().empty());
  net.init(7);
  const auto bytes = cnn::save_model(net);
  auto loaded = cnn::load_model(bytes);
  CHECK(std::equal(loaded->params().begin(), loaded->params().end(), net.params().begin()));
  cnn::Network other("lenet5");
  cnn::load_model_into(other, bytes);
  CHECK(std::equal(other.params().begin(), other.params().end(), net.params().begin()));
}

TEST_CASE("regression: a tiny spec cannot make the engine allocate gigabytes") {
  // Found writing fuzz_spec: one line asked for terabytes (weights, activations or
  // im2col columns); on wasm32 the size_t products also wrapped, so the arena
  // came out small and forward() ran off its end. Now a SpecError names the
  // layer before anything is allocated.
  const char* huge[] = {
      "input 64x1024x1024\nconv 4096 k=1",     // output 2^32 values: wraps a 32-bit size_t to 0
      "input 64x256x256\ndense 65536",         // 2^38 weights
      "input 1x64x64\nconv 4096 k=64 p=32",    // 2^24 weights, 2^24 im2col values per image
      "input 64x1024x1024\nrelu",              // 2^26 per sample × 64: activations alone
      "input 1x28x28\nconv 4096 k=1\nconv 4096 k=1\nflatten\ndense 65536",
  };
  for (const char* spec : huge) {
    CAPTURE(spec);
    CHECK_THROWS_AS(cnn::Network(spec, 64), cnn::SpecError);
  }
  // The message says what to change.
  CHECK_THROWS_WITH(cnn::Network("input 64x1024x1024\nrelu", 64),
                    doctest::Contains("smaller batch"));
  // The presets still fit at the page's batch sizes; resnet-mini at 1024 does not.
  for (const auto& p : cnn::presets()) {
    CAPTURE(p.name);
    CHECK_NOTHROW(cnn::Network(p.name, 256));
  }
  CHECK_THROWS_AS(cnn::Network("resnet-mini", 1024), cnn::SpecError);
}
