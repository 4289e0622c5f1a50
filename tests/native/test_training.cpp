// The Trainer on a small synthetic data set built in memory: it learns, a run
// is reproducible bit for bit from its seed, a blow-up restores the last good
// weights, and evaluate() counts what it says it counts.
#include <doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "dataset.h"
#include "network.h"
#include "trainer.h"

namespace {

// 8×8 images of three classes: a horizontal bar, a vertical bar, a diagonal,
// at random positions, on faint noise.
cnn::Dataset bars(int count, std::uint64_t seed) {
  cnn::Dataset d;
  d.shape = {1, 8, 8};
  d.classes = 3;
  cnn::Rng rng(seed);
  for (int i = 0; i < count; ++i) {
    const int label = i % 3, at = 1 + int(rng.below(6));
    std::uint8_t img[64];
    for (auto& p : img) p = std::uint8_t(rng.below(40));
    for (int k = 0; k < 8; ++k) {
      const int y = label == 0 ? at : k, x = label == 1 ? at : label == 0 ? k : (k + at) % 8;
      img[y * 8 + x] = 255;
    }
    d.pixels.insert(d.pixels.end(), img, img + 64);
    d.labels.push_back(std::uint8_t(label));
  }
  return d;
}

const char* kSpec = "input 1x8x8\nconv 4 k=3\nrelu\nmaxpool 2\ndropout keep=0.7\ndense 3";

cnn::TrainOptions sgd(float lr, std::uint64_t seed) {
  cnn::TrainOptions o;
  o.optimizer.kind = cnn::OptimizerKind::Sgd;
  o.optimizer.momentum = 0.9f;
  o.optimizer.learning_rate = lr;
  o.batch_size = 8;
  o.epochs = 4;
  o.seed = seed;
  return o;
}

std::vector<float> train(const cnn::Dataset& data, std::uint64_t init_seed, std::uint64_t shuffle_seed, int steps) {
  cnn::Network net(kSpec, 8);
  net.init(init_seed);
  cnn::Trainer trainer(net, data, sgd(0.05f, shuffle_seed));
  for (int i = 0; i < steps; ++i) REQUIRE_FALSE(trainer.step().diverged);
  return {net.params().begin(), net.params().end()};
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("the same seed trains bit-identical weights; another seed does not") {
  const cnn::Dataset data = bars(60, 1);
  const auto a = train(data, 7, 7, 40), b = train(data, 7, 7, 40);
  CHECK(same_bits(a, b));
  CHECK_FALSE(same_bits(a, train(data, 8, 8, 40)));  // another seed for everything
  CHECK_FALSE(same_bits(a, train(data, 7, 8, 40)));  // the same init, another shuffle
  CHECK_FALSE(same_bits(a, train(data, 8, 7, 40)));  // another init (and dropout masks)
  // Training moved the weights at all.
  cnn::Network fresh(kSpec, 8);
  fresh.init(7);
  CHECK_FALSE(same_bits(a, {fresh.params().begin(), fresh.params().end()}));
}

TEST_CASE("training learns the synthetic task") {
  const cnn::Dataset train_set = bars(120, 2), test_set = bars(60, 3);
  cnn::Network net(kSpec, 16);
  net.init(4);
  const float before = cnn::evaluate(net, test_set).loss;
  cnn::TrainOptions o = sgd(0.05f, 4);
  o.batch_size = 16;
  cnn::Trainer trainer(net, train_set, o);
  for (int i = 0; i < 150; ++i) trainer.step();
  const cnn::Evaluation after = cnn::evaluate(net, test_set);
  INFO("test loss " << before << " → " << after.loss << ", accuracy " << after.accuracy);
  CHECK(after.loss < before / 2);
  CHECK(after.accuracy >= 0.9f);
  CHECK(trainer.images_seen() == 150 * 16);
  CHECK(trainer.epoch() == doctest::Approx(150.0 * 16 / 120));
}

TEST_CASE("a huge learning rate: the step reports divergence and the weights come back finite") {
  const cnn::Dataset data = bars(60, 1);
  cnn::Network net(kSpec, 8);
  net.init(3);
  const std::vector<float> initial(net.params().begin(), net.params().end());
  cnn::Trainer trainer(net, data, sgd(1e30f, 3));
  bool diverged = false;
  for (int i = 0; i < 5 && !diverged; ++i) diverged = trainer.step().diverged;
  CHECK(diverged);
  CHECK(cnn::all_finite(net.params()));
  CHECK(same_bits({net.params().begin(), net.params().end()}, initial));  // the only snapshot so far
}

TEST_CASE("divergence restores the last snapshot (taken every 50 steps), batch-norm state included") {
  const cnn::Dataset data = bars(60, 1);
  cnn::Network net("input 1x8x8\nconv 4 k=3\nbatchnorm\nrelu\nmaxpool 2\ndense 3", 8);
  net.init(3);
  cnn::Trainer trainer(net, data, sgd(0.01f, 3));
  for (int i = 0; i < 50; ++i) REQUIRE_FALSE(trainer.step().diverged);
  const std::vector<float> params(net.params().begin(), net.params().end()),
      state(net.state().begin(), net.state().end());
  for (int i = 0; i < 3; ++i) trainer.step();  // good steps after the snapshot
  CHECK_FALSE(same_bits({net.params().begin(), net.params().end()}, params));
  cnn::TrainOptions wild = trainer.options();
  wild.optimizer.learning_rate = 1e30f;
  trainer.set_options(wild);
  bool diverged = false;
  for (int i = 0; i < 5 && !diverged; ++i) diverged = trainer.step().diverged;
  CHECK(diverged);
  CHECK(same_bits({net.params().begin(), net.params().end()}, params));
  CHECK(same_bits({net.state().begin(), net.state().end()}, state));
  // Back at a sane rate, training goes on from there.
  wild.optimizer.learning_rate = 0.01f;
  trainer.set_options(wild);
  const cnn::StepResult r = trainer.step();
  CHECK_FALSE(r.diverged);
  CHECK(std::isfinite(r.loss));
}

TEST_CASE("all_finite") {
  std::vector<float> v(37, 1.5f);
  CHECK(cnn::all_finite(v));
  CHECK(cnn::all_finite(std::vector<float>{}));
  for (float bad : {NAN, INFINITY, -INFINITY}) {
    v[36] = bad;
    CHECK_FALSE(cnn::all_finite(v));
    v[36] = 1.5f;
  }
}

TEST_CASE("the trainer refuses data or options that do not fit the network") {
  const cnn::Dataset data = bars(12, 1);
  cnn::Network net(kSpec, 8);
  cnn::Network wrong_input("input 1x9x9\ndense 3", 8), two_outputs("input 1x8x8\ndense 2", 8);
  CHECK_THROWS_WITH_AS(cnn::Trainer(wrong_input, data, sgd(0.1f, 1)), doctest::Contains("1x8x8"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(cnn::Trainer(two_outputs, data, sgd(0.1f, 1)), doctest::Contains("2 outputs for 3 classes"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(cnn::Trainer(net, data.head(0), sgd(0.1f, 1)), doctest::Contains("empty"),
                       std::invalid_argument);
  auto o = sgd(0.1f, 1);
  o.batch_size = 9;  // the network was built for 8
  CHECK_THROWS_WITH_AS(cnn::Trainer(net, data, o), doctest::Contains("batch size must be 1..8"), std::invalid_argument);
  for (float lr : {0.0f, -1.0f, NAN, INFINITY}) {
    o = sgd(lr, 1);
    CHECK_THROWS_AS(cnn::Trainer(net, data, o), std::invalid_argument);
  }
}

TEST_CASE("the schedule follows the epochs the trainer has seen") {
  const cnn::Dataset data = bars(32, 1);
  cnn::Network net(kSpec, 8);
  auto o = sgd(0.1f, 1);
  o.schedule.kind = cnn::Schedule::Step;  // halve every epoch
  o.schedule.step_gamma = 0.5f;
  o.schedule.step_epochs = 1;
  cnn::Trainer trainer(net, data, o);
  CHECK(trainer.current_learning_rate() == doctest::Approx(0.1));
  for (int i = 0; i < 4; ++i) trainer.step();  // 4·8 = 32 images: one epoch
  CHECK(trainer.epoch() == doctest::Approx(1));
  CHECK(trainer.current_learning_rate() == doctest::Approx(0.05));
  for (int i = 0; i < 6; ++i) trainer.step();  // 2.5 epochs
  CHECK(trainer.current_learning_rate() == doctest::Approx(0.025));
}

TEST_CASE("augmentation sees every training image once, with the trainer's own rng") {
  const cnn::Dataset data = bars(16, 1);
  cnn::Network net(kSpec, 8);
  cnn::Trainer trainer(net, data, sgd(0.01f, 1));
  int calls = 0;
  trainer.set_augment([&](float* image, cnn::Shape shape, cnn::Rng&) {
    ++calls;
    CHECK(shape == cnn::Shape{1, 8, 8});
    for (int i = 0; i < 64; ++i) CHECK((image[i] >= 0 && image[i] <= 1));  // scaled to [0, 1]
  });
  trainer.step();
  trainer.step();
  CHECK(calls == 16);
}

TEST_CASE("evaluate: accuracy, loss, confusion matrix and mistakes agree") {
  const cnn::Dataset data = bars(45, 5);
  cnn::Network net(kSpec, 8);  // untrained: plenty of mistakes
  net.init(9);
  const cnn::Evaluation e = cnn::evaluate(net, data);
  CHECK(e.count == 45);
  int diagonal = 0, total = 0;
  for (int t = 0; t < 10; ++t)
    for (int p = 0; p < 10; ++p) {
      total += e.confusion[t][p];
      if (t == p) diagonal += e.confusion[t][p];
    }
  CHECK(total == 45);
  CHECK(e.accuracy == doctest::Approx(diagonal / 45.0));
  CHECK(int(e.wrong.size()) == 45 - diagonal);
  for (int i : e.wrong) CHECK(e.predicted[i] != data.labels[i]);
  CHECK(std::isfinite(e.loss));
  CHECK(e.loss > 0);
  CHECK(cnn::evaluate(net, data, 10).count == 10);  // a limit
}
