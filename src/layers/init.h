// Weight initialisation schemes, chosen so activations neither vanish nor
// explode through depth: He for ReLU-family layers (variance 2/fan_in),
// Xavier/Glorot for tanh/sigmoid (uniform, variance 2/(fan_in+fan_out)),
// LeCun for SELU-like layers (variance 1/fan_in); Constant for the lesson
// that identical weights learn identical features.
#pragma once
#include <cmath>
#include <span>

#include "../layer.h"

namespace cnn {

inline void init_weights(Rng& rng, Init init, int fan_in, int fan_out, std::span<float> w) {
  switch (init.kind) {
    case InitKind::He: {
      const float sd = std::sqrt(2.0f / float(fan_in));
      for (float& v : w) v = sd * rng.normal();
      break;
    }
    case InitKind::Xavier: {
      const float limit = std::sqrt(6.0f / float(fan_in + fan_out));
      for (float& v : w) v = rng.uniform(-limit, limit);
      break;
    }
    case InitKind::LeCun: {
      const float sd = std::sqrt(1.0f / float(fan_in));
      for (float& v : w) v = sd * rng.normal();
      break;
    }
    case InitKind::Constant:
      for (float& v : w) v = init.value;
      break;
  }
}

}  // namespace cnn
