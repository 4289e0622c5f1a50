// `cnn train`'s report of the gradient monitor (src/gradient_norms.h): the
// JSON fields gradient_norms, gradient_norm_first_over_last and
// residual_gradients, and the same as a table on stderr.
#pragma once
#include <string>

#include "gradient_norms.h"

namespace cnn::cli {

// Fields (no braces) for the --json object; a figure training never
// computed (the first layer's input gradient) is null.
std::string gradient_norms_json(const GradientMonitor& monitor);
void print_gradient_norms(const GradientMonitor& monitor);

}  // namespace cnn::cli
