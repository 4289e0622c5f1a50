// Minibatch training and evaluation on a Dataset, shared by the native CLI
// and the page's worker so both train exactly the same way.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "dataset.h"
#include "gradient_norms.h"
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
  bool done = true;       // step_part: this part ended its minibatch (the optimiser ran)
};

class Trainer {
 public:
  // Does not own net or data; both must outlive the trainer.
  Trainer(Network& net, const Dataset& data, TrainOptions options);

  // One whole minibatch: forward, loss, backward, update. If the loss or any weight
  // becomes non-finite, or the update blows the weights' norm up more than
  // tenfold, the last good weights come back and diverged is set.
  // Finishes the minibatch in progress (see step_part) if there is one.
  // Returns the whole minibatch's statistics.
  StepResult step();

  // One micro-batch of the minibatch in progress (a new one starts when none
  // is): its next max_images images, forward and backward in one call, their
  // gradients added to the minibatch's (zeroed at its start, divided by the
  // whole minibatch's size). The part that ends the minibatch applies the
  // optimiser once, with step()'s divergence check; the statistics returned
  // are this part's. Same images, augmentation and (with at most one dropout
  // layer) dropout masks as step(), and the same weights up to the order the
  // batch's per-sample gradients are summed in. Batch norm differs: each part
  // is normalised by its own statistics, and the running averages take one
  // update per part. Between parts the network shows the weights and state of
  // the last minibatch boundary, and the accumulated gradients live in the
  // trainer, so predictions, evaluations and input gradients may run there.
  StepResult step_part(int max_images);
  // Images of the minibatch in progress done so far (0 between minibatches).
  int images_in_progress() const { return batch_done_; }

  // The augmentation applies from the next minibatch on.
  void set_augment(AugmentFn fn);
  void set_options(const TrainOptions& o);
  const TrainOptions& options() const { return o_; }
  float epoch() const { return float(seen_) / float(data_.count()); }
  long images_seen() const { return seen_; }
  float current_learning_rate() const;
  // Every layer's gradient norms, averaged over the last minibatches.
  const GradientMonitor& gradient_norms() const { return gradient_norms_; }
  // The images of the last part (or whole minibatch) that went forward and
  // backward, as the network saw them (augmented): last_part_count() of them.
  const float* last_part_images() const { return x_.data(); }
  int last_part_count() const { return last_part_count_; }

 private:
  void reshuffle();
  void load_images(int n);
  void finish_minibatch(StepResult& r);

  Network& net_;
  const Dataset& data_;
  TrainOptions o_;
  Optimizer optimizer_;
  GradientMonitor gradient_norms_;
  Rng shuffle_rng_, augment_rng_;
  AugmentFn augment_, next_augment_;
  bool augment_changed_ = false;
  std::vector<std::uint32_t> order_;
  std::size_t cursor_ = 0;
  long seen_ = 0;
  long steps_ = 0;
  std::vector<float> x_, dout_, good_params_, good_state_;
  std::vector<std::uint8_t> labels_;
  std::vector<float> targets_;  // Loss::Targets: the batch's target vectors
  // The minibatch in progress: its size (fixed at its start), images done,
  // summed statistics, and, while it is split, the gradients and state the
  // parts have built (kept here so nothing run between parts can disturb
  // them) and the state at its start (what the network shows meanwhile).
  int batch_size_now_ = 0, batch_done_ = 0, batch_correct_ = 0, last_part_count_ = 0;
  double batch_loss_ = 0;
  bool batch_finite_ = true;
  std::vector<float> part_grads_, part_state_, start_state_;
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
