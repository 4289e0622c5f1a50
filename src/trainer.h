// Minibatch training and evaluation on a Dataset, shared by the native CLI
// and the page's worker so both train exactly the same way.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "dataset.h"
#include "network.h"
#include "optimizer.h"

namespace cnn {

struct TrainOptions {
  OptimizerOptions optimizer;
  ScheduleOptions schedule;
  int batch_size = 32;
  float epochs = 1;        // for the schedule's notion of "the end"
  std::uint64_t seed = 1;  // shuffling and augmentation draw from this
};

// Changes one training image in place (augmentation); draws only from rng.
using AugmentFn = std::function<void(float* image, Shape shape, Rng& rng)>;

struct StepResult {
  float loss = 0;
  int correct = 0, count = 0;
  bool diverged = false;  // the step produced NaN/Inf: weights were restored
};

class Trainer {
 public:
  // Does not own net or data; both must outlive the trainer.
  Trainer(Network& net, const Dataset& data, TrainOptions options);

  // One minibatch: forward, loss, backward, update. If the loss or any weight
  // becomes non-finite, or the update blows the weights' norm up more than
  // tenfold, the last good weights come back and diverged is set.
  StepResult step();

  void set_augment(AugmentFn fn) { augment_ = std::move(fn); }
  void set_options(const TrainOptions& o);
  const TrainOptions& options() const { return o_; }
  float epoch() const { return float(seen_) / float(data_.count()); }
  long images_seen() const { return seen_; }
  float current_learning_rate() const;

 private:
  void reshuffle();

  Network& net_;
  const Dataset& data_;
  TrainOptions o_;
  Optimizer optimizer_;
  Rng shuffle_rng_, augment_rng_;
  AugmentFn augment_;
  std::vector<std::uint32_t> order_;
  std::size_t cursor_ = 0;
  long seen_ = 0;
  long steps_ = 0;
  std::vector<float> x_, dout_, good_params_, good_state_;
  std::vector<std::uint8_t> labels_;
};

struct Evaluation {
  float accuracy = 0, loss = 0;
  int count = 0;
  std::array<std::array<int, 10>, 10> confusion{};  // [true][predicted], first 10 classes
  std::vector<int> wrong;                           // indices of misclassified samples
  std::vector<std::uint8_t> predicted;              // per sample
};

// Accuracy, mean loss and confusion over the first `limit` samples (all when < 0).
Evaluation evaluate(Network& net, const Dataset& data, int limit = -1);

bool all_finite(std::span<const float> v);

}  // namespace cnn
