// standardize mean=M std=S: known values, its gradient, its spec (errors,
// exact round trip), and ONNX (Sub then Div, read back as the same line).
#include <doctest.h>

#include <string>
#include <vector>

#include "gradient_cases.h"
#include "network.h"
#include "onnx/onnx.h"

using gradcheck::Fill;

TEST_CASE("standardize: y = (x − mean)/std, dx = dy/std") {
  cnn::Network net("input 1x1x3\nstandardize mean=0.5 std=0.25\nloss mse", 2);
  const std::vector<float> x = {0, 0.5f, 1};
  const float* y = net.forward(x.data(), 1, cnn::Mode::Train);
  // (0 − 0.5)/0.25 = −2, 0, (1 − 0.5)/0.25 = 2
  CHECK(y[0] == doctest::Approx(-2));
  CHECK(y[1] == doctest::Approx(0));
  CHECK(y[2] == doctest::Approx(2));
  CHECK_GRADIENTS(gradcheck::check_spec("input 2x3x3\nstandardize mean=0.1307 std=0.3081\nconv 2 k=2\nflatten\ndense 3",
                                        Fill::Uniform));
}

TEST_CASE("standardize: both statistics required, std > 0, canonical spec exact") {
  CHECK_THROWS_WITH(cnn::Network("input 1x4x4\nstandardize mean=0.1", 1), doctest::Contains("needs mean= and std="));
  CHECK_THROWS_WITH(cnn::Network("input 1x4x4\nstandardize mean=0.1 std=0", 1), doctest::Contains("std must be > 0"));
  CHECK_THROWS_WITH(cnn::Network("input 1x4x4\nstandardize mean=0.1 std=1 scale=2", 1),
                    doctest::Contains("unknown option 'scale'"));
  cnn::Network net("input 1x4x4\nstandardize mean=0.1307 std=0.3081\nflatten\ndense 2", 1);
  CHECK(net.spec() == "input 1x4x4\nstandardize mean=0.1307 std=0.3081\nflatten\ndense 2\n");
  CHECK(cnn::Network(net.spec(), 1).spec() == net.spec());
}

TEST_CASE("standardize: exported as Sub then Div, imported as the same line, the same outputs") {
  cnn::Network net("input 1x6x6\nstandardize mean=0.1307 std=0.3081\nconv 2 k=3\nrelu\nflatten\ndense 3", 2);
  net.init(5);
  const auto back = cnn::onnx::load_onnx(cnn::onnx::export_onnx(net), 2);
  CHECK(back->spec() == net.spec());
  std::vector<float> x(36);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 9) / 9;
  std::vector<float> a(3), b(3);
  net.predict(x.data(), 1, a.data());
  back->predict(x.data(), 1, b.data());
  CHECK(a == b);
}
