#include "trainer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "loss.h"
#include "norms.h"

namespace cnn {

namespace {
constexpr long kSnapshotEvery = 50;  // steps between copies of the last good weights
// A step that makes the weights' norm grow more than this is divergence even
// while every value is still finite: at an absurd rate (1e3) Adam moves every
// weight by ~1e3 and the loss shows it only a step later; a sane step changes
// the norm by a few percent. Norms below kNormFloor·√count (RMS 0.01, e.g.
// weights a user zeroed) are measured as if they were that large.
constexpr double kMaxNormGrowth = 10, kNormFloor = 0.01;

// Images of the network's input shape, labels within its outputs: otherwise
// copying an image overruns the batch buffer and the loss reads past a row.
void check_fits(const Network& net, const Dataset& data) {
  if (!(data.shape == net.input_shape()))
    throw std::invalid_argument("the data's images are " + data.shape.str() + " but the network takes " +
                                net.input_shape().str());
  if (net.loss() == Loss::Targets) {
    const int wanted = net.loss_plan().target_count(net.output_shape());
    if (data.target_size != wanted)
      throw std::invalid_argument("the network's " + net.loss_line() + " reads " + std::to_string(wanted) +
                                  " targets per image but the data has " + std::to_string(data.target_size));
    return;
  }
  if (int(net.output_shape().size()) < data.classes)
    throw std::invalid_argument("the network has " + std::to_string(net.output_shape().size()) + " outputs for " +
                                std::to_string(data.classes) + " classes");
}

// The network's loss for a batch of n (labels or target vectors, as its loss says).
float batch_loss(const Network& net, const float* out, const std::uint8_t* labels, const float* targets, int n,
                 float* dout, int divisor = 0) {
  const int classes = int(net.output_shape().size());
  switch (net.loss()) {
    case Loss::CrossEntropy: return softmax_cross_entropy(out, labels, n, classes, dout, divisor);
    case Loss::Mse: return mean_squared_error(out, labels, n, classes, dout, divisor);
    case Loss::Targets: return plan_loss(net.loss_plan(), net.output_shape(), out, targets, n, dout, divisor);
  }
  return 0;
}

// The class a sample's output says: the arg-max of the whole output, or of a
// multi-head network's first cross-entropy term (−1 when it has none).
int predicted_class(const Network& net, const float* o) {
  if (net.loss() != Loss::Targets) {
    const int classes = int(net.output_shape().size());
    return int(std::max_element(o, o + classes) - o);
  }
  for (const LossTerm& t : net.loss_plan().terms) {
    if (t.kind == LossKind::CrossEntropy) return int(std::max_element(o, o + t.outputs) - o);
    o += t.outputs;
  }
  return -1;
}

}  // namespace

bool all_finite(std::span<const float> v) {
  // Summing is branch-free and vectorises; the sum is finite only if every
  // term is (barring overflow of finite values, which is divergence too).
  float sum = 0;
  for (float x : v) sum += x * 0.0f;
  return sum == 0.0f;
}

Trainer::Trainer(Network& net, const Dataset& data, TrainOptions options)
    : net_(net), data_(data), o_(options), optimizer_(net, options.optimizer), gradient_norms_(net) {
  check_fits(net, data);
  if (data.count() == 0) throw std::invalid_argument("the training set is empty");
  set_options(options);
  Rng root(o_.seed);
  shuffle_rng_ = root.fork(3);
  augment_rng_ = root.fork(4);
  order_.resize(data.count());
  reshuffle();
  good_params_.assign(net.params().begin(), net.params().end());
  good_state_.assign(net.state().begin(), net.state().end());
}

void Trainer::set_options(const TrainOptions& o) {
  if (o.batch_size < 1 || o.batch_size > net_.max_batch())
    throw std::invalid_argument("batch size must be 1.." + std::to_string(net_.max_batch()));
  if (!(o.optimizer.learning_rate > 0) || !std::isfinite(o.optimizer.learning_rate))
    throw std::invalid_argument("the learning rate must be a positive number");
  o_.optimizer = o.optimizer;
  o_.schedule = o.schedule;
  o_.batch_size = o.batch_size;
  o_.epochs = o.epochs;
  optimizer_.set_options(o.optimizer);
  x_.resize(std::size_t(o.batch_size) * net_.input_shape().size());
  dout_.resize(std::size_t(o.batch_size) * net_.output_shape().size());
  labels_.resize(o.batch_size);
  targets_.resize(std::size_t(o.batch_size) * data_.target_size);
}

void Trainer::reshuffle() {
  for (std::uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
  for (std::size_t i = order_.size() - 1; i > 0; --i)
    std::swap(order_[i], order_[shuffle_rng_.below(std::uint32_t(i + 1))]);
  cursor_ = 0;
}

float Trainer::current_learning_rate() const {
  return scheduled_rate(o_.optimizer.learning_rate, o_.schedule, epoch(), o_.epochs);
}

void Trainer::set_augment(AugmentFn fn) {
  if (batch_done_ == 0) {
    augment_ = std::move(fn);
    return;
  }
  next_augment_ = std::move(fn);  // a minibatch is half done: its other images keep the old one
  augment_changed_ = true;
}

// The next n images of the order into x_ and labels_, augmented.
void Trainer::load_images(int n) {
  const Shape shape = net_.input_shape();
  // Parts of a minibatch begun before the batch size came down may be larger than it.
  if (labels_.size() < std::size_t(n)) {
    x_.resize(std::size_t(n) * shape.size());
    dout_.resize(std::size_t(n) * net_.output_shape().size());
    labels_.resize(n);
    targets_.resize(std::size_t(n) * data_.target_size);
  }
  for (int i = 0; i < n; ++i) {
    if (cursor_ == order_.size()) reshuffle();
    const std::uint32_t idx = order_[cursor_++];
    float* xi = x_.data() + std::size_t(i) * shape.size();
    data_.image_as_float(int(idx), xi);
    if (augment_) augment_(xi, shape, augment_rng_);
    labels_[i] = data_.labels[idx];
    std::copy_n(data_.target(int(idx)), data_.target_size, targets_.data() + std::size_t(i) * data_.target_size);
  }
}

StepResult Trainer::step() {
  StepResult r = step_part(batch_done_ == 0 ? o_.batch_size : batch_size_now_ - batch_done_);
  if (r.count != batch_size_now_) {  // it finished a split minibatch: report all of it
    r.loss = float(batch_loss_ / batch_size_now_);
    r.correct = batch_correct_;
    r.count = batch_size_now_;
  }
  return r;
}

StepResult Trainer::step_part(int max_images) {
  if (max_images < 1) throw std::invalid_argument("a micro-batch needs at least one image");
  const bool first = batch_done_ == 0;
  if (first) {
    batch_size_now_ = o_.batch_size;
    batch_loss_ = 0;
    batch_correct_ = 0;
    batch_finite_ = true;
    if (augment_changed_) augment_ = std::move(next_augment_), augment_changed_ = false;
  }
  const int n = std::min(max_images, batch_size_now_ - batch_done_);
  const bool last = batch_done_ + n == batch_size_now_;
  const std::size_t per_sample = net_.output_shape().size();
  load_images(n);
  last_part_count_ = n;
  const auto grads = net_.grads();
  const auto state = net_.state();
  if (first) {
    net_.zero_grads();
    if (!last) start_state_.assign(state.begin(), state.end());
  } else {  // take up where the earlier parts left off
    std::copy(part_grads_.begin(), part_grads_.end(), grads.begin());
    std::copy(part_state_.begin(), part_state_.end(), state.begin());
  }

  StepResult r;
  r.count = n;
  r.done = last;
  const float* out = net_.forward(x_.data(), n, Mode::Train);
  r.loss = batch_loss(net_, out, labels_.data(), targets_.data(), n, dout_.data(), batch_size_now_);
  for (int i = 0; i < n; ++i) r.correct += predicted_class(net_, out + std::size_t(i) * per_sample) == labels_[i];
  batch_loss_ += double(r.loss) * n;
  batch_correct_ += r.correct;
  batch_done_ += n;
  if (std::isfinite(r.loss)) {
    net_.backward(x_.data(), dout_.data(), n);
    gradient_norms_.record_part();
  } else {
    batch_finite_ = false;
  }
  if (!last) {  // keep what this part built; show the minibatch's starting state
    part_grads_.assign(grads.begin(), grads.end());
    part_state_.assign(state.begin(), state.end());
    std::copy(start_state_.begin(), start_state_.end(), state.begin());
    return r;
  }
  batch_done_ = 0;
  finish_minibatch(r);
  return r;
}

// The optimiser's one update for the minibatch, or the last good weights back.
void Trainer::finish_minibatch(StepResult& r) {
  const double norm2_before =
      std::max(sum_of_squares(net_.params()), kNormFloor * kNormFloor * double(net_.params().size()));
  gradient_norms_.record_step(batch_finite_);  // the gradient the update is about to use
  if (batch_finite_) optimizer_.step(current_learning_rate());
  seen_ += batch_size_now_;
  ++steps_;

  const double norm2 = sum_of_squares(net_.params());
  const bool exploded = !std::isfinite(norm2) || norm2 > kMaxNormGrowth * kMaxNormGrowth * norm2_before;
  if (!batch_finite_ || exploded || !all_finite(net_.state())) {
    std::copy(good_params_.begin(), good_params_.end(), net_.params().begin());
    std::copy(good_state_.begin(), good_state_.end(), net_.state().begin());
    optimizer_.reset();  // its moments hold the blow-up too
    r.diverged = true;
  } else if (steps_ % kSnapshotEvery == 0) {
    std::copy(net_.params().begin(), net_.params().end(), good_params_.begin());
    std::copy(net_.state().begin(), net_.state().end(), good_state_.begin());
  }
}

Evaluation evaluate(Network& net, const Dataset& data, int limit) {
  check_fits(net, data);
  Evaluation e;
  const int total = limit < 0 ? data.count() : std::min(limit, data.count());
  const int batch = net.max_batch();
  const std::size_t per_sample = net.output_shape().size();
  const Shape shape = net.input_shape();
  std::vector<float> x(std::size_t(batch) * shape.size());
  double loss = 0;
  int correct = 0;
  e.predicted.resize(total);
  for (int start = 0; start < total; start += batch) {
    const int n = std::min(batch, total - start);
    for (int i = 0; i < n; ++i) data.image_as_float(start + i, x.data() + std::size_t(i) * shape.size());
    const float* out = net.forward(x.data(), n, Mode::Infer);
    const std::uint8_t* labels = data.labels.data() + start;
    loss += double(batch_loss(net, out, labels, data.target(start), n, nullptr)) * n;
    for (int i = 0; i < n; ++i) {
      const int guess = predicted_class(net, out + std::size_t(i) * per_sample);
      e.predicted[start + i] = std::uint8_t(guess);
      if (guess == labels[i])
        ++correct;
      else
        e.wrong.push_back(start + i);
      if (labels[i] < 10 && guess >= 0 && guess < 10) ++e.confusion[labels[i]][guess];
    }
  }
  e.count = total;
  e.accuracy = total ? float(correct) / float(total) : 0;
  e.loss = total ? float(loss / total) : 0;
  return e;
}

}  // namespace cnn
