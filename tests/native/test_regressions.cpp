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
