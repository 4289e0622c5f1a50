// The model the page loads at start must be what the README promises:
// LeNet-5 at ≥ 99.2 % on the 10,000 official MNIST test digits.
#include <doctest.h>

#include "dataset.h"
#include "model_file.h"
#include "trainer.h"

TEST_CASE("the shipped LeNet-5 reaches 99.2% on the MNIST test set") {
  // Paths are relative to the repository root (ctest's working directory).
  auto net = cnn::load_model(cnn::read_file("web/models/lenet5.cnn"));
  CHECK(net->spec() == cnn::Network("lenet5").spec());
  const cnn::Dataset test = cnn::load_dataset("web/data/mnist", "test");
  REQUIRE(test.count() == 10000);
  const cnn::Evaluation e = cnn::evaluate(*net, test);
  MESSAGE("shipped model: " << e.accuracy * 100 << "% on " << e.count << " test digits");
  CHECK(e.accuracy >= 0.992f);
}
