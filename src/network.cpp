#include "network.h"

#include <algorithm>
#include <cmath>

#include "layers/conv.h"
#include "loss.h"

namespace cnn {

Network::Network(const std::string& spec, int max_batch) {
  if (max_batch < 1 || max_batch > 4096) throw SpecError("max batch must be 1..4096");
  ParsedSpec parsed = parse_spec(resolve_spec(spec));
  body_ = std::move(parsed.body);
  loss_ = parsed.loss;
  const Shape out = body_.setup(parsed.input, max_batch);
  if (out.size() < 1) throw SpecError("the network's output is empty");
  if (loss_ == Loss::CrossEntropy && out.size() < 2)
    throw SpecError("cross-entropy needs at least 2 outputs, the network ends in " + out.str());

  params_.assign(body_.param_count(), 0);
  grads_.assign(params_.size(), 0);
  state_.assign(body_.state_count(), 0);
  body_.bind(params_.data(), grads_.data(), state_.data());
  body_.set_rng(&dropout_rng_);
  lr_scales_.assign(body_.size(), 1.0f);
  last_doutput_.assign(std::size_t(max_batch) * out.size(), 0);

  spec_ = "input " + parsed.input.str() + "\n";
  for (int i = 0; i < body_.size(); ++i) spec_ += body_.layer(i).spec() + "\n";
  if (loss_ == Loss::Mse) spec_ += "loss mse\n";
  init(1);
}

std::vector<ParamBlock> Network::param_blocks() const {
  std::vector<ParamBlock> blocks;
  param_blocks(blocks);
  return blocks;
}

void Network::param_blocks(std::vector<ParamBlock>& blocks) const {
  blocks.clear();
  std::size_t offset = 0;
  for (int i = 0; i < body_.size(); ++i) {
    const std::size_t first = blocks.size();
    body_.layer(i).param_blocks(blocks, offset);
    for (std::size_t b = first; b < blocks.size(); ++b) blocks[b].lr_scale = lr_scales_[i];
    offset += body_.layer(i).param_count();
  }
}

void Network::init(std::uint64_t seed, Init init) {
  Rng root(seed);
  Rng weights = root.fork(1);
  body_.init(weights, init);
  dropout_rng_ = root.fork(2);
  zero_grads();
}

const float* Network::forward(const float* x, int n, Mode mode) {
  if (n < 1 || n > max_batch()) throw std::invalid_argument("batch size must be 1.." + std::to_string(max_batch()));
  return body_.forward(x, n, mode);
}

void Network::backward(const float* x, const float* doutput, int n) { body_.backward(x, doutput, nullptr, n); }

void Network::input_gradient(const float* x, const float* doutput, int n, float* dx) {
  forward(x, n, Mode::Infer);
  std::copy_n(doutput, std::size_t(n) * output_shape().size(), last_doutput_.begin());
  zero_grads();
  body_.backward(x, doutput, dx, n);
}

const float* Network::output_gradient(int layer) const {
  if (layer < 0 || layer >= body_.size()) throw std::out_of_range("no layer " + std::to_string(layer));
  return layer == body_.size() - 1 ? last_doutput_.data() : body_.output_grad(layer);
}

void Network::set_lr_scale(int layer, float scale) {
  if (!(scale >= 0) || !std::isfinite(scale)) throw std::invalid_argument("a learning-rate scale must be >= 0");
  lr_scales_.at(layer) = scale;
}

void Network::zero_grads() { std::fill(grads_.begin(), grads_.end(), 0.0f); }

void Network::predict(const float* x, int n, float* probs) {
  const int classes = int(output_shape().size());
  for (int done = 0; done < n; done += max_batch()) {
    const int count = std::min(max_batch(), n - done);
    const float* out = forward(x + std::size_t(done) * input_shape().size(), count, Mode::Infer);
    float* p = probs + std::size_t(done) * classes;
    if (loss_ == Loss::CrossEntropy)
      softmax(out, count, classes, p);
    else
      std::copy_n(out, std::size_t(count) * classes, p);
  }
}

std::vector<LayerInfo> Network::layers() const {
  std::vector<LayerInfo> info;
  int rf = 1, jump = 1;
  bool global = false;
  for (int i = 0; i < body_.size(); ++i) {
    const Layer& l = body_.layer(i);
    global |= l.is_global();
    if (!global) l.receptive_field(rf, jump);
    std::string kind = l.spec().substr(0, l.spec().find_first_of(" \n"));
    int pad = 0;
    if (auto* conv = dynamic_cast<const Conv2D*>(&l)) pad = conv->options().pad;
    info.push_back({l.spec(), kind, l.in_shape, l.out_shape, l.param_count(), l.kernel(), l.stride(), pad,
                    global ? 0 : rf, l.frozen()});
  }
  return info;
}

std::span<float> Network::layer_params(int layer) {
  std::size_t offset = 0;
  for (int i = 0; i < layer; ++i) offset += body_.layer(i).param_count();
  return {params_.data() + offset, body_.layer(layer).param_count()};
}

}  // namespace cnn
