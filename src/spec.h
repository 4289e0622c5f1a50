// The network spec language: one layer per line (or separated by ';'),
// '#' starts a comment. Shapes are never written twice: each layer's input
// is the previous layer's output.
//
//   input 1x28x28              channels x height x width
//   conv 6 k=5 s=1 p=2         filters, kernel, stride, zero padding
//   relu | leaky_relu a=0.01 | sigmoid | tanh | elu a=1 | maxout 2
//   maxpool 2 [s=2] | avgpool 2 | l2pool 2      kernel, stride (= kernel)
//   dropout keep=0.5           inverted dropout, keep probability
//   batchnorm [momentum=0.9]
//   flatten
//   dense 120
//   residual ... end           a block y = F(x) + x (1×1 projection if needed)
//   loss cross_entropy | mse   softmax + cross-entropy (default) or ½Σ(t−y)²
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "sequence.h"

namespace cnn {

enum class Loss { CrossEntropy, Mse };

struct ParsedSpec {
  Shape input;
  Sequence body;
  Loss loss = Loss::CrossEntropy;
};

// Throws SpecError with the line number and what is wrong.
ParsedSpec parse_spec(std::string_view text);

// The built-in networks, by name: lenet5, lenet5-bn, lenet5-dropout,
// resnet-mini, mlp.
struct Preset {
  std::string name, description, spec;
};
const std::vector<Preset>& presets();
// The preset's spec, or text itself when it is not a preset name.
std::string resolve_spec(const std::string& name_or_spec);

}  // namespace cnn
