// unit_stats: dead units, value statistics, filter spread and batch norm's
// statistics on networks small enough to work out by hand.
#include <doctest.h>

#include <cmath>
#include <vector>

#include "network.h"
#include "unit_stats.h"

namespace {

void set_params(cnn::Network& net, const std::vector<float>& p) {
  REQUIRE(p.size() == net.params().size());
  std::copy(p.begin(), p.end(), net.params().begin());
}

}  // namespace

TEST_CASE("unit_stats: a relu unit that is 0 for every image is dead, one that fires once is not") {
  cnn::Network net("input 1x1x2\ndense 3\nrelu\nloss mse", 4);
  // w rows: unit 0 = x0, unit 1 = x1 − x0, unit 2 = −x0 − x1; biases 0.
  set_params(net, {1, 0, -1, 1, -1, -1, 0, 0, 0});
  // images (1, 2) and (2, 1): unit 0 = 1, 2; unit 1 = 1, −1 → relu 1, 0; unit 2 = −3, −3 → 0, 0.
  const std::vector<float> x = {1, 2, 2, 1};
  const auto stats = cnn::unit_stats(net, x.data(), 2);
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].path == "0");
  CHECK(stats[0].kind == "dense");
  CHECK_FALSE(stats[0].rectifier);
  CHECK(stats[1].rectifier);
  CHECK(stats[1].units == 3);
  CHECK(stats[1].dead == 1);  // only unit 2
  // relu values 1, 1, 0, 2, 0, 0: mean 4/6, E[y²] = 6/6, std = sqrt(1 − 4/9)
  CHECK(stats[1].mean == doctest::Approx(4.0 / 6));
  CHECK(stats[1].std == doctest::Approx(std::sqrt(1 - 4.0 / 9)));
  CHECK(stats[1].min == 0);
  CHECK(stats[1].max == 2);
  std::uint32_t total = 0;
  for (auto c : stats[1].histogram) total += c;
  CHECK(total == 6);
  CHECK(stats[1].histogram.front() == 3);  // the three zeros
  CHECK(stats[1].histogram.back() == 1);   // the 2
  // dense weights: rows differ from row 0 = (1, 0) by at most |−1 − 1| = 2
  CHECK(stats[0].has_filters);
  CHECK(stats[0].filter_spread == doctest::Approx(2));
}

TEST_CASE("unit_stats: a constant initialisation leaves every filter the same") {
  cnn::Network net("input 1x6x6\ninit constant value=0.1\nconv 4 k=3\nrelu\nflatten\ndense 3\nloss mse", 4);
  net.init(1);
  std::vector<float> x(36 * 2);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 7) / 7;
  auto stats = cnn::unit_stats(net, x.data(), 2);
  CHECK(stats[0].filter_spread == 0);
  net.init(1, cnn::Init::He);
  stats = cnn::unit_stats(net, x.data(), 2);
  CHECK(stats[0].filter_spread > 0);
}

TEST_CASE("unit_stats: batch norm's statistics of its input over the images, beside the running ones") {
  cnn::Network net("input 2x1x2\nbatchnorm\nloss mse", 4);
  net.init(1);
  // channel 0: 1, 3 | 5, 7 → mean 4, variance (9 + 1 + 1 + 9)/4 = 5; channel 1: 2, 2 | 2, 2 → 2, 0
  const std::vector<float> x = {1, 3, 2, 2, 5, 7, 2, 2};
  const auto stats = cnn::unit_stats(net, x.data(), 2);
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].batch_mean == std::vector<float>{4, 2});
  CHECK(stats[0].batch_var == std::vector<float>{5, 0});
  CHECK(stats[0].running_mean == std::vector<float>{0, 0});  // unchanged: Mode::Infer
  CHECK(stats[0].running_var == std::vector<float>{1, 1});
}

TEST_CASE("unit_stats: blocks' insides follow their block, paths as layers() names them") {
  cnn::Network net(
      "input 1x4x4\nresidual\nconv 1 k=3 p=1\nrelu\nend\nconcat\nbranch\nrelu\nbranch\ntanh\nend\nloss mse", 2);
  net.init(1);
  std::vector<float> x(16, 0.5f);
  const auto stats = cnn::unit_stats(net, x.data(), 1);
  std::vector<std::string> paths;
  for (const auto& s : stats) paths.push_back(s.path);
  CHECK(paths == std::vector<std::string>{"0", "0.0", "0.1", "1", "1.b0.0", "1.b1.0"});
  const auto layers = net.layers();
  CHECK(layers[1].branches[1][0].path == "1.b1.0");
  CHECK_THROWS_AS(cnn::unit_stats(net, x.data(), 3), std::invalid_argument);
}

TEST_CASE("predict_as_training: batch statistics and dropout masks, then the network as it was") {
  cnn::Network net("input 2x2x2\nbatchnorm\ndropout keep=0.5\nflatten\ndense 3", 4);
  net.init(7);
  std::vector<float> x(8 * 2);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 5) - 1.5f;
  const std::vector<float> state(net.state().begin(), net.state().end());
  std::vector<float> infer(6), train(6), again(6);
  net.predict(x.data(), 2, infer.data());
  net.predict_as_training(x.data(), 2, train.data());
  // Dropout zeroed some of batch norm's outputs: the dropout layer's output has zeros the batch norm's has not.
  std::size_t dropped = 0;
  const float *bn = net.activation(0), *dropout = net.activation(1);
  for (int i = 0; i < 16; ++i) dropped += bn[i] != 0 && dropout[i] == 0;
  CHECK(dropped > 0);
  CHECK(dropped < 16);
  CHECK(std::vector<float>(net.state().begin(), net.state().end()) == state);  // running statistics untouched
  net.predict_as_training(x.data(), 2, again.data());
  CHECK(again == train);  // the same masks: the dropout generator was put back
  CHECK(train != infer);
  std::vector<float> infer_again(6);
  net.predict(x.data(), 2, infer_again.data());
  CHECK(infer_again == infer);
  CHECK_THROWS_AS(net.predict_as_training(x.data(), 5, train.data()), std::invalid_argument);
}
