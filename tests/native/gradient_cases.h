// One-layer (or few-layer) gradient-check cases from a spec: random inputs,
// parameters and output weights, batch n in a network built for n + 1 (so a
// layer that strides by the max batch instead of N shows up). Shared by the
// gradient test files.
#pragma once
#include <string>
#include <vector>

#include "gradcheck.h"
#include "network.h"

namespace gradcheck {

enum class Fill { Uniform, AwayFromZero, Distinct };

struct Case {
  cnn::Network net;
  std::vector<float> x, r;
  int n;
  Case(const std::string& spec, Fill fill, int batch, std::uint64_t seed)
      : net(spec + "\nloss mse", batch + 1), n(batch) {
    cnn::Rng rng(seed);
    net.init(seed);
    // Random biases, γ and β too: zero biases would hide a bias gradient bug.
    gradcheck::fill_uniform(rng, net.params());
    x.resize(std::size_t(n) * net.input_shape().size());
    if (fill == Fill::Uniform) gradcheck::fill_uniform(rng, x);
    if (fill == Fill::AwayFromZero) gradcheck::fill_away_from_zero(rng, x);
    if (fill == Fill::Distinct) gradcheck::fill_distinct(rng, x);
    r.resize(std::size_t(n) * net.output_shape().size());
    gradcheck::fill_uniform(rng, r);
  }
  Report check(Options o = {}) { return gradcheck::check(net, x, n, gradcheck::weighted_sum(r), o); }
};

inline Report check_spec(const std::string& spec, Fill fill, int n = 3, Options o = {}) {
  Case c(spec, fill, n, 17);
  return c.check(o);
}

inline void check_all(const std::vector<std::string>& specs, Fill fill, int n = 3, Options o = {}) {
  for (const auto& spec : specs) {
    CAPTURE(spec);
    CHECK_GRADIENTS(check_spec(spec, fill, n, o));
  }
}

}  // namespace gradcheck
