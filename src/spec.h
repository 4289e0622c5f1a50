// The network spec language: one layer per line (or separated by ';'),
// '#' starts a comment. Shapes are never written twice: each layer's input
// is the previous layer's output.
//
//   input 1x28x28              channels x height x width
//   init he|xavier|lecun|constant [value=V]     optional, right after input (he)
//   conv 6 k=5 s=1 p=2         filters, kernel, stride, zero padding; each
//                              size K or KHxKW (k=1x3), p=same is (K − 1)/2
//   relu | noisy_relu sigma=0.1 | leaky_relu a=0.01 | sigmoid | tanh | elu a=1 | maxout 2
//   maxpool 2 [s=2] [p=0] | avgpool 2 | l2pool 2    kernel, stride (= kernel), padding
//                              (a max pool may have name=p1 for an unpool)
//   upsample 2                 nearest neighbour, factor F or FHxFW
//   unpool p1                  max unpooling at the arg-max of max pool p1
//   deconv 8 k=2 [s=2] [p=0]   transposed convolution, O = (W − 1)·S − 2P + K
//   dropout keep=0.5           inverted dropout, keep probability
//   batchnorm [momentum=0.9]
//   standardize mean=M std=S  y = (x − M)/S (MNIST: mean=0.1307 std=0.3081)
//   flatten
//   dense 120
//   residual [scale=1] ... end  a block y = F(x) + λ·x (1×1 projection if needed)
//   concat                     branches over the same input, stacked along depth
//     branch ... branch ... end
//   loss cross_entropy | mse   softmax + cross-entropy (default) or ½Σ(t−y)²
//   loss cross_entropy:10 smooth_l1:4*0.1 | loss pixel_cross_entropy
//                              terms over target vectors (several heads,
//                              a class per pixel): see LossPlan in loss.h
// Blocks nest (a concat inside a residual body or a branch, and so on).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "loss.h"
#include "sequence.h"

namespace cnn {

// CrossEntropy and Mse read one class label per sample; Targets reads a
// target vector per sample through the spec's LossPlan.
enum class Loss { CrossEntropy, Mse, Targets };

struct ParsedSpec {
  Shape input;
  Init init;
  Sequence body;
  Loss loss = Loss::CrossEntropy;
  LossPlan plan;  // Loss::Targets only
};

// Throws SpecError with the line number and what is wrong.
ParsedSpec parse_spec(std::string_view text);

// "he", "xavier", "lecun" or "constant" (with its value); SpecError listing
// the known names otherwise. init_spec writes the spec's 'init' line.
Init parse_init(const std::string& name, float value = 0);
std::string init_spec(Init init);

// The built-in networks, by name (presets.cpp): lenet5, lenet5-bn,
// lenet5-dropout, lenet5-classic, vgg-mini, allconv, alexnet-mini,
// inception-mini, resnet-mini, deep-sigmoid, deep-relu, deep-residual, mlp.
struct Preset {
  std::string name, description, spec;
};
const std::vector<Preset>& presets();
// The preset's spec, or text itself when it is not a preset name.
std::string resolve_spec(const std::string& name_or_spec);

}  // namespace cnn
