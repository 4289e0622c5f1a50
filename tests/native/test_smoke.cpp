#include <doctest.h>

#include "kernels/kernels.h"
#include "network.h"

TEST_CASE("lenet5 builds with the expected shapes") {
  cnn::Network net("lenet5");
  CHECK(net.output_shape() == cnn::Shape{10, 1, 1});
  // (25+1)·6 + (150+1)·16 + (400+1)·120 + (120+1)·84 + (84+1)·10
  CHECK(net.params().size() == 156 + 2416 + 48120 + 10164 + 850);
}
