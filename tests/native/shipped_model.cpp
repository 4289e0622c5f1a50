// The models the page loads must be what the README promises: LeNet-5 on
// the 10,000 official MNIST test digits at start, and LeNet-5
// on the 10,000 Fashion-MNIST test images when the learner switches to it.
// Floors sit a little below what was measured (README, "Training from the
// command line").
#include <doctest.h>

#include <filesystem>
#include <string>

#include "dataset.h"
#include "model_file.h"
#include "trainer.h"

namespace {

// Paths are relative to the repository root (ctest's working directory).
cnn::Evaluation score(const char* model_path, const char* preset, const char* data_dir) {
  auto net = cnn::load_model(cnn::read_file(model_path));
  CHECK(net->spec() == cnn::Network(preset).spec());
  const cnn::Dataset test = cnn::load_dataset(data_dir, "test");
  REQUIRE(test.count() == 10000);
  const cnn::Evaluation e = cnn::evaluate(*net, test);
  MESSAGE(std::string(model_path) << ": " << e.accuracy * 100 << "% on " << e.count << " test images");
  return e;
}

}  // namespace

TEST_CASE("the shipped LeNet-5 reaches 99.2% on the MNIST test set") {
  CHECK(score("web/models/lenet5.cnn", "lenet5", "web/data/mnist").accuracy >= 0.992f);
}

TEST_CASE("the shipped Fashion-MNIST model reaches 90% on its test set") {
  if (!std::filesystem::exists("web/data/fashion/test-images.png")) {
    MESSAGE("skipped: web/data/fashion is not prepared (install dataset-fashion-mnist, run npm run prepare-data)");
    return;
  }
  CHECK(score("web/models/fashion-mnist.cnn", "lenet5", "web/data/fashion").accuracy >= 0.90f);
}
