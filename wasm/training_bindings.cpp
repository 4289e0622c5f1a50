// The engine's JavaScript face, part 3: Training (minibatch steps over a
// Model and a Data, with options and augmentation that change live) and
// evaluate. Options objects are checked with js_args.h: unknown keys, wrong
// types and out-of-range values are refused with the key's name.
#include <emscripten/bind.h>

#include <algorithm>

#include "augment/augmenter.h"
#include "handles.h"
#include "js_args.h"
#include "js_augment_options.h"
#include "js_errors.h"
#include "trainer.h"

namespace cnn::js {

namespace {

TrainOptions train_options(const val& o, int max_batch) {
  const Options opts(
      o, "training options",
      {"optimizer", "learningRate", "momentum", "nesterov", "weightDecay", "schedule", "batchSize", "epochs", "seed"});
  TrainOptions t;
  t.optimizer.kind = parse_optimizer(opts.string("optimizer", "sgd"));
  t.optimizer.learning_rate = float(opts.number("learningRate", 0.01, 1e-9, 1e3));
  t.optimizer.momentum = float(opts.number("momentum", 0.9, 0, 0.9999));
  t.optimizer.nesterov = opts.flag("nesterov", false);
  t.optimizer.weight_decay = float(opts.number("weightDecay", 0, 0, 1));
  t.schedule.kind = parse_schedule(opts.string("schedule", "constant"));
  t.batch_size = opts.whole("batchSize", std::min(32, max_batch), 1, max_batch);
  t.epochs = float(opts.number("epochs", 1, 0.001, 1000));
  t.seed = std::uint64_t(opts.whole("seed", 1, 0, 2147483647));
  return t;
}

class Training {
 public:
  static Training* create(const Model& model, const Data& data, const val& options) {
    return guarded([&] { return new Training(model.network(), data.dataset(), options); });
  }

  // Runs `steps` minibatches (the first finishes one in progress) and
  // returns their summed statistics. Stops at
  // the first divergent step (weights restored) and reports it.
  val step(const val& steps_js) {
    return guarded([&] {
      const int steps = whole(steps_js, "steps", 1, 100000);
      double loss = 0;
      int correct = 0, count = 0, done = 0;
      bool diverged = false;
      for (; done < steps; ++done) {
        const auto r = trainer_.step();
        if (r.diverged) {
          diverged = true;
          break;
        }
        loss += double(r.loss) * r.count;
        correct += r.correct;
        count += r.count;
      }
      val o = val::object();
      o.set("steps", done);
      o.set("loss", count ? loss / count : 0.0);
      o.set("accuracy", count ? double(correct) / count : 0.0);
      o.set("images", count);
      o.set("diverged", diverged);
      o.set("epoch", trainer_.epoch());
      o.set("imagesSeen", double(trainer_.images_seen()));
      o.set("learningRate", trainer_.current_learning_rate());
      return o;
    });
  }

  // One micro-batch: the next maxImages images at most of the minibatch in
  // progress (forward and backward in this call); the part that ends the
  // minibatch applies the update. Statistics are this part's; steps is 1
  // when it ended the minibatch; inProgress counts the minibatch's images
  // done so far (0 once it ended).
  val step_part(const val& max_images_js) {
    return guarded([&] {
      const int max_images = whole(max_images_js, "maxImages", 1, 100000);
      const auto r = trainer_.step_part(max_images);
      val o = val::object();
      o.set("done", r.done);
      o.set("steps", r.done ? 1 : 0);
      o.set("loss", double(r.loss));
      o.set("accuracy", r.count ? double(r.correct) / r.count : 0.0);
      o.set("images", r.count);
      o.set("inProgress", trainer_.images_in_progress());
      o.set("diverged", r.diverged);
      o.set("epoch", trainer_.epoch());
      o.set("imagesSeen", double(trainer_.images_seen()));
      o.set("learningRate", trainer_.current_learning_rate());
      return o;
    });
  }

  // The gradient monitor's figures (src/gradient_norms.h), means over the
  // last `window` minibatches: { window, steps, layers: [{ path, kind,
  // weight, input }], residuals: [{ path, scale, output, body, shortcut,
  // input }] }; a norm training does not compute is null.
  val gradient_norms() const {
    return guarded([&] {
      const auto& m = trainer_.gradient_norms();
      auto norm = [](double v) { return v < 0 ? val::null() : val(v); };
      val layers = val::array(), blocks = val::array();
      for (const auto& l : m.layers()) {
        val o = val::object();
        o.set("path", l.path);
        o.set("kind", l.kind);
        o.set("weight", l.weight);
        o.set("input", norm(l.input));
        layers.call<void>("push", o);
      }
      for (const auto& b : m.residuals()) {
        val o = val::object();
        o.set("path", b.path);
        o.set("scale", b.scale);
        o.set("output", b.output);
        o.set("body", norm(b.body));
        o.set("shortcut", norm(b.shortcut));
        o.set("input", norm(b.input));
        blocks.call<void>("push", o);
      }
      val o = val::object();
      o.set("window", m.window());
      o.set("steps", m.steps_recorded());
      o.set("layers", layers);
      o.set("residuals", blocks);
      return o;
    });
  }

  // Weight sharing made visible, right after a step (before anything else
  // runs the network): conv weight [filter, channel, row, col] of the layer
  // at path, its gradient term at each output position summed over the last
  // part's images (Network::conv_weight_terms): { terms: Float32Array (OH·OW),
  // samples }.
  val weight_gradient_terms(const val& path, const val& filter, const val& channel, const val& row,
                            const val& col) const {
    return guarded([&] {
      std::vector<float> terms;
      const int n = trainer_.last_part_count();
      if (n == 0) throw std::invalid_argument("no training step has run yet");
      net_->conv_weight_terms(string(path, "layer path"), trainer_.last_part_images(), n, whole(filter, "filter"),
                              whole(channel, "channel"), whole(row, "row"), whole(col, "column"), terms);
      val o = val::object();
      o.set("terms", copy_out(terms));
      o.set("samples", n);
      return o;
    });
  }

  void set_options(const val& options) {
    guarded([&] {
      trainer_.set_options(train_options(options, net_->max_batch()));
      return 0;
    });
  }

  // Augments every training image from the next step on ({} turns it off);
  // the same options object as augmentPreview. Bad options throw and leave
  // the current augmentation as it was.
  void set_augment(const val& options) {
    guarded([&] {
      const AugmentOptions o = augment_options_from_js(options);
      trainer_.set_augment(o.any() ? make_augment_fn(o, net_->input_shape()) : AugmentFn{});
      return 0;
    });
  }

 private:
  Training(std::shared_ptr<Network> net, std::shared_ptr<Dataset> data, const val& options)
      : net_(std::move(net)),
        data_(std::move(data)),
        trainer_(*net_, *data_, train_options(options, net_->max_batch())) {}
  std::shared_ptr<Network> net_;
  std::shared_ptr<Dataset> data_;
  Trainer trainer_;
};

val evaluate(const Model& model, const Data& data, const val& limit) {
  return guarded([&] {
    const auto e = cnn::evaluate(*model.network(), *data.dataset(), whole(limit, "limit"));
    val o = val::object();
    o.set("accuracy", e.accuracy);
    o.set("loss", e.loss);
    o.set("count", e.count);
    std::vector<std::int32_t> confusion;
    for (auto& row : e.confusion) confusion.insert(confusion.end(), row.begin(), row.end());
    o.set("confusion", copy_out(confusion));
    o.set("wrong", copy_out(e.wrong));
    o.set("predicted", copy_out(e.predicted));
    return o;
  });
}

}  // namespace

}  // namespace cnn::js

EMSCRIPTEN_BINDINGS(cnn_training) {
  using namespace emscripten;
  using cnn::js::Training;
  function("evaluate", &cnn::js::evaluate);
  class_<Training>("Training")
      .constructor(&Training::create, allow_raw_pointers())
      .function("step", &Training::step)
      .function("stepPart", &Training::step_part)
      .function("gradientNorms", &Training::gradient_norms)
      .function("weightGradientTerms", &Training::weight_gradient_terms)
      .function("setOptions", &Training::set_options)
      .function("setAugment", &Training::set_augment);
}
