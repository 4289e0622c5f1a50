#include "network.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "layers/conv.h"
#include "layers/residual.h"
#include "loss.h"

namespace cnn {

namespace {
// The loss terms must read the whole output, no more and no less.
LossPlan checked_plan(LossPlan plan, Shape out, const std::string& where) {
  if (plan.terms.size() == 1 && plan.terms[0].kind == LossKind::PixelCrossEntropy) {
    if (out.c < 2)
      throw SpecError(
          where + "pixel cross-entropy needs at least 2 channels (classes), the network ends in " + out.str(), true);
    plan.terms[0].outputs = int(out.size());
    return plan;
  }
  std::size_t sum = 0;
  for (const LossTerm& t : plan.terms) sum += std::size_t(t.outputs);
  if (sum != out.size())
    throw SpecError(where + "the loss terms read " + std::to_string(sum) + " outputs but the network ends in " +
                        out.str() + " = " + std::to_string(out.size()),
                    true);
  return plan;
}
}  // namespace

std::string Network::loss_line() const {
  return loss_ == Loss::Targets ? plan_.spec() : loss_ == Loss::Mse ? "loss mse" : "loss cross_entropy";
}

Network::Network(const std::string& spec, int max_batch) {
  if (max_batch < 1 || max_batch > 4096) throw SpecError("max batch must be 1..4096");
  ParsedSpec parsed = parse_spec(resolve_spec(spec));
  body_ = std::move(parsed.body);
  loss_ = parsed.loss;
  init_ = parsed.init;
  const Shape out = body_.setup(parsed.input, max_batch);
  // Said at the last layer's line, where the editor shows it.
  const Layer& last = body_.layer(body_.size() - 1);
  const std::string where = "line " + std::to_string(last.line) + " '" + last.kind() + "': ";
  if (out.size() < 1) throw SpecError(where + "the network's output is empty", true);
  if (loss_ == Loss::CrossEntropy && out.size() < 2)
    throw SpecError(where + "cross-entropy needs at least 2 outputs, the network ends in " + out.str(), true);
  if (loss_ == Loss::Targets) plan_ = checked_plan(std::move(parsed.plan), out, where);

  params_.assign(body_.param_count(), 0);
  grads_.assign(params_.size(), 0);
  state_.assign(body_.state_count(), 0);
  body_.bind(params_.data(), grads_.data(), state_.data());
  body_.set_rng(&dropout_rng_);
  lr_scales_.assign(body_.size(), 1.0f);
  last_doutput_.assign(std::size_t(max_batch) * out.size(), 0);

  spec_ = "input " + parsed.input.str() + "\n";
  if (!(init_ == Init::He)) spec_ += init_spec(init_) + "\n";
  for (int i = 0; i < body_.size(); ++i) spec_ += body_.layer(i).spec() + "\n";
  if (loss_ != Loss::CrossEntropy) spec_ += loss_line() + "\n";
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
    output_probs(out, count, probs + std::size_t(done) * classes);
  }
}

void Network::predict_as_training(const float* x, int n, float* probs) {
  if (n < 1 || n > max_batch())
    throw std::invalid_argument("predicting as training needs 1 to " + std::to_string(max_batch()) +
                                " images in one batch, got " + std::to_string(n));
  // Copies, once per call: this is the page's inspection path, never a training step.
  const std::vector<float> kept_state = state_;
  const Rng kept_rng = dropout_rng_;
  output_probs(forward(x, n, Mode::Train), n, probs);
  std::copy(kept_state.begin(), kept_state.end(), state_.begin());  // in place: layers point into it
  dropout_rng_ = kept_rng;
}

void Network::output_probs(const float* out, int n, float* probs) const {
  const int classes = int(output_shape().size());
  if (loss_ == Loss::CrossEntropy)
    softmax(out, n, classes, probs);
  else
    std::copy_n(out, std::size_t(n) * classes, probs);
}

namespace {

int line_count(const std::string& text) { return 1 + int(std::count(text.begin(), text.end(), '\n')); }

// Describes seq's layers, the first on canonical line `line`, growing the
// receptive field f through them; paths start with prefix.
std::vector<LayerInfo> describe(const Sequence& seq, const std::string& prefix, int line, Field& f) {
  std::vector<LayerInfo> out;
  for (int i = 0; i < seq.size(); ++i) {
    const Layer& l = seq.layer(i);
    const std::string spec = l.spec(), path = prefix + std::to_string(i);
    LayerInfo info{path,       spec, l.kind(), l.in_shape, l.out_shape, l.param_count(), l.macs(), l.window(), {},
                   l.frozen(), line, 1.0f,     {},         {}};
    if (auto* r = dynamic_cast<const Residual*>(&l)) {
      Field inner = f;
      info.scale = r->scale();
      info.children = describe(r->body(), path + ".", line + 1, inner);
    } else if (info.kind == "concat") {
      int at = line + 1;  // each branch: its 'branch' line, then its layers
      for (int b = 0; b < l.sequence_count(); ++b) {
        Field inner = f;
        info.branches.push_back(describe(l.sequence(b), path + ".b" + std::to_string(b) + ".", at + 1, inner));
        at += 1;
        for (int k = 0; k < l.sequence(b).size(); ++k) at += line_count(l.sequence(b).layer(k).spec());
      }
    }
    l.receptive_field(f);
    info.receptive_field = f.global ? HW{0, 0} : f.rf;
    line += line_count(spec);
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace

std::vector<LayerInfo> Network::layers() const {
  Field f;
  return describe(body_, "", init_ == Init::He ? 2 : 3, f);
}

std::pair<const Sequence*, int> Network::locate(const std::string& path) const {
  auto bad = [&](const std::string& why) { return std::invalid_argument("no layer at path '" + path + "': " + why); };
  auto number = [&](const std::string& word, std::size_t limit, const char* what) {
    int v = -1;
    auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
    if (ec != std::errc() || end != word.data() + word.size() || v < 0 || std::size_t(v) >= limit)
      throw bad(std::string(what) + " '" + word + "' is not in 0.." + std::to_string(int(limit) - 1));
    return v;
  };
  std::vector<std::string> words;
  for (std::size_t start = 0;;) {
    const std::size_t dot = path.find('.', start);
    words.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  const Sequence* seq = &body_;
  int index = number(words[0], std::size_t(seq->size()), "layer");
  for (std::size_t w = 1; w < words.size(); ++w) {
    const Layer& l = seq->layer(index);
    if (l.sequence_count() == 0) throw bad("'" + l.kind() + "' has no inner layers");
    int which = 0;
    if (l.kind() == "concat") {
      if (words[w].empty() || words[w][0] != 'b' || w + 1 >= words.size())
        throw bad("a concat block's layers are addressed as BLOCK.bBRANCH.LAYER");
      which = number(words[w].substr(1), std::size_t(l.sequence_count()), "branch");
      ++w;
    }
    seq = &l.sequence(which);
    index = number(words[w], std::size_t(seq->size()), "layer");
  }
  return {seq, index};
}

const float* Network::activation(const std::string& path, std::size_t* per_sample) const {
  auto [seq, index] = locate(path);
  if (per_sample) *per_sample = seq->layer(index).out_shape.size();
  return seq->output(index);
}

std::span<float> Network::layer_params(const std::string& path) {
  auto [seq, index] = locate(path);
  return const_cast<Sequence*>(seq)->layer(index).parameters();
}

std::span<const float> Network::layer_grads(const std::string& path) {
  const auto params = layer_params(path);
  return {grads_.data() + (params.data() - params_.data()), params.size()};
}

void Network::conv_weight_terms(const std::string& path, const float* images, int n, int k, int c, int r, int s,
                                std::vector<float>& terms) const {
  auto [seq, index] = locate(path);
  const Layer& l = seq->layer(index);
  const auto* conv = dynamic_cast<const Conv2D*>(&l);
  if (!conv) throw std::invalid_argument("layer " + path + " is '" + l.kind() + "', not a convolution");
  if (index == 0 && seq != &body_)
    throw std::invalid_argument("layer " + path + " opens a block: its input is the block's, pick another layer");
  if (index + 1 >= seq->size() || !seq->wrote_input_grad(index + 1))
    throw std::invalid_argument("the last backward pass did not reach layer " + path);
  if (n < 1 || n > seq->last_backward_batch())
    throw std::invalid_argument("the last backward pass had " + std::to_string(seq->last_backward_batch()) +
                                " samples, not " + std::to_string(n));
  const Shape in = l.in_shape, out = l.out_shape;
  const Window win = conv->window();
  if (k < 0 || k >= out.c || c < 0 || c >= in.c || r < 0 || r >= win.kernel.h || s < 0 || s >= win.kernel.w)
    throw std::invalid_argument("no weight [" + std::to_string(k) + "," + std::to_string(c) + "," + std::to_string(r) +
                                "," + std::to_string(s) + "] in layer " + path);
  const float* x = index == 0 ? images : seq->output(index - 1);
  const float* dy = seq->output_grad(index);
  terms.assign(std::size_t(out.h) * out.w, 0.0f);
  for (int i = 0; i < n; ++i) {
    const float* xi = x + (std::size_t(i) * in.c + c) * in.h * in.w;
    const float* dyi = dy + (std::size_t(i) * out.c + k) * out.h * out.w;
    for (int oy = 0; oy < out.h; ++oy)
      for (int ox = 0; ox < out.w; ++ox) {
        const int y = oy * win.stride.h + r - win.pad.h, xx = ox * win.stride.w + s - win.pad.w;
        if (y >= 0 && y < in.h && xx >= 0 && xx < in.w)  // a padded zero adds nothing
          terms[std::size_t(oy) * out.w + ox] += dyi[oy * out.w + ox] * xi[y * in.w + xx];
      }
  }
}

std::span<float> Network::layer_params(int layer) {
  std::size_t offset = 0;
  for (int i = 0; i < layer; ++i) offset += body_.layer(i).param_count();
  return {params_.data() + offset, body_.layer(layer).param_count()};
}

}  // namespace cnn
