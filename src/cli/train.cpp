// `cnn train`: trains a network on the prepared data set and writes the
// model file. Per-epoch lines (loss, train/test accuracy, images/s), a
// progress bar on a terminal, and with --json one JSON object as the last
// line of output.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "augment/augmenter.h"
#include "command.h"
#include "dataset.h"
#include "gradient_norms_report.h"
#include "model_file.h"
#include "network.h"
#include "onnx/onnx.h"
#include "trainer.h"
#include "transfer.h"

namespace cnn::cli {
namespace {

void progress_bar(float fraction, double loss, double ips) {
  const int width = 30, filled = int(fraction * width + 0.5f);
  std::fprintf(stderr, "\r  [%.*s%*s] %3d%%  loss %.4f  %6.0f img/s", filled, "##############################",
               width - filled, "", int(fraction * 100 + 0.5f), loss, ips);
  std::fflush(stderr);
}

// Where the weights come from: a fresh network from --net, or --from MODEL
// (transfer learning) with optionally a new head, frozen convolutions and a
// smaller learning rate for the layers that came from MODEL.
struct Start {
  std::string net_spec, from, freeze;
  std::string init;  // --init: overrides a fresh network's own scheme
  float init_value = 0;
  bool new_head = false;
  double lr_scale = 1;
};

// Refuses a contradictory start before any data is read.
void check_start(const Start& s) {
  if (s.from.empty()) {
    if (s.new_head || s.freeze != "none" || s.lr_scale != 1)
      throw std::invalid_argument("--new-head, --freeze and --lr-scale need --from MODEL");
    return;
  }
  if (!s.net_spec.empty()) throw std::invalid_argument("give --net or --from, not both");
  if (!s.init.empty()) throw std::invalid_argument("--init is for a fresh network (--net), not --from MODEL");
  if (s.freeze != "none" && s.freeze != "conv") throw std::invalid_argument("--freeze must be conv or none");
  if (!(s.lr_scale >= 0) || !std::isfinite(s.lr_scale)) throw std::invalid_argument("--lr-scale must be >= 0");
}

std::unique_ptr<Network> starting_network(const Start& s, const Dataset& data, int max_batch, std::uint64_t seed) {
  if (s.from.empty()) {
    auto net = std::make_unique<Network>(s.net_spec.empty() ? "lenet5" : s.net_spec, max_batch);
    if (s.init.empty())
      net->init(seed);  // the network's own scheme: its spec's 'init' line, else He
    else
      net->init(seed, parse_init(s.init, s.init_value));
    return net;
  }
  auto net = load_model(read_file(s.from), max_batch);
  const int head = s.new_head ? head_layer(*net) : -1;
  if (s.new_head) net = with_new_head(*net, {.classes = data.classes, .seed = seed, .max_batch = max_batch});
  const auto layers = net->layers();
  for (int i = 0; i < net->layer_count(); ++i) {
    if (i == head) continue;  // the new head learns at the full rate
    net->set_lr_scale(i, float(s.lr_scale));
    if (s.freeze == "conv" && (layers[i].kind == "conv" || layers[i].kind == "residual")) net->set_frozen(i, true);
  }
  return net;
}

// --task's value ("classify" when absent), read before the options that depend on it.
std::string task_of(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind("--task=", 0) == 0) return args[i].substr(7);
    if (args[i] == "--task" && i + 1 < args.size()) return args[i + 1];
  }
  return "classify";
}

int train(const std::vector<std::string>& args) {
  if (const std::string task = task_of(args); task != "classify") return train_task(task, args);
  Options o(args, {"json", "nesterov", "quiet", "new-head"});
  o.str("task", "classify");
  Start start;
  start.net_spec = o.str("net", "");
  start.from = o.str("from", "");
  start.new_head = o.flag("new-head");
  start.freeze = o.str("freeze", "none");
  start.lr_scale = o.num("lr-scale", 1);
  const std::string data_dir = o.str("data", "web/data/mnist");
  const std::string out_path = o.str("out", "build/model.cnn");
  TrainOptions t;
  t.optimizer.kind = parse_optimizer(o.str("optimizer", "sgd"));
  t.optimizer.learning_rate = float(o.num("lr", 0.05));
  t.optimizer.momentum = float(o.num("momentum", 0.9));
  t.optimizer.nesterov = o.flag("nesterov");
  t.optimizer.weight_decay = float(o.num("weight-decay", 5e-4));
  t.schedule.kind = parse_schedule(o.str("schedule", "cosine"));
  t.batch_size = int(o.integer("batch", 32));
  t.epochs = float(o.num("epochs", 1));
  t.seed = std::uint64_t(o.integer("seed", 1));
  // --init overrides the network's own scheme (its spec's 'init' line) when given.
  start.init = o.str("init", "");
  // A preset (none, light, standard, heavy) and/or key=value overrides.
  const std::string augment_name = o.str("augment", "none");
  start.init_value = float(o.num("init-value", 0));   // --init constant's weight
  const long limit = o.integer("limit", -1);          // train on the first N images (quick runs)
  const long per_class = o.integer("per-class", -1);  // ... or on the first N of each class
  const bool json = o.flag("json"), quiet = o.flag("quiet");
  o.finish();
  if (t.epochs <= 0) throw std::invalid_argument("--epochs must be > 0");
  check_start(start);

  Dataset train_set = load_dataset(data_dir, "train");
  if (per_class > 0) train_set = train_set.first_per_class(int(std::min(per_class, 1L << 30)));
  if (limit > 0) train_set = train_set.head(int(std::min(limit, 1L << 30)));
  const Dataset test_set = load_dataset(data_dir, "test");
  const auto owned = starting_network(start, train_set, std::max(64, t.batch_size), t.seed);
  Network& net = *owned;
  const std::string net_spec = start.from.empty() ? (start.net_spec.empty() ? "lenet5" : start.net_spec)
                                                  : start.from + (start.new_head ? " with a new head" : "");
  Trainer trainer(net, train_set, t);
  const AugmentOptions augment = parse_augment_spec(augment_name);
  trainer.set_augment(make_augment_fn(augment, net.input_shape()));

  if (!json || !quiet)
    std::fprintf(stderr, "training %s on %d images (%s), %s lr %g, batch %d, %g epochs, augment %s, seed %llu\n",
                 net_spec.c_str(), train_set.count(), data_dir.c_str(), optimizer_name(t.optimizer.kind),
                 t.optimizer.learning_rate, t.batch_size, t.epochs, augment_summary(augment).c_str(),
                 (unsigned long long)t.seed);
  const bool tty = isatty(STDERR_FILENO) && !quiet;
  const long steps_per_epoch = (train_set.count() + t.batch_size - 1) / t.batch_size;
  const long total_steps = long(std::ceil(t.epochs * steps_per_epoch));
  Evaluation test;
  double train_seconds = 0, epoch_loss = 0;
  long epoch_correct = 0, epoch_count = 0, diverged = 0;
  for (long step = 0; step < total_steps;) {
    const auto start = std::chrono::steady_clock::now();
    const long epoch_end = std::min(total_steps, (step / steps_per_epoch + 1) * steps_per_epoch);
    epoch_loss = 0, epoch_correct = 0, epoch_count = 0;
    for (; step < epoch_end; ++step) {
      const StepResult r = trainer.step();
      if (r.diverged) {
        ++diverged;
        continue;
      }
      epoch_loss += double(r.loss) * r.count, epoch_correct += r.correct, epoch_count += r.count;
      if (tty && step % 20 == 0) {
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        progress_bar(float(step % steps_per_epoch + 1) / float(steps_per_epoch), epoch_loss / std::max(1L, epoch_count),
                     epoch_count / std::max(s, 1e-9));
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    train_seconds += seconds;
    test = evaluate(net, test_set);
    if (tty) std::fprintf(stderr, "\r%*s\r", 70, "");
    if (!quiet)
      std::fprintf(stderr, "epoch %5.2f  loss %.4f  train %.2f%%  test %.2f%%  %.0f img/s  lr %.4g%s\n",
                   trainer.epoch(), epoch_loss / std::max(1L, epoch_count),
                   100.0 * epoch_correct / std::max(1L, epoch_count), 100.0 * test.accuracy, epoch_count / seconds,
                   trainer.current_learning_rate(), diverged ? "  (diverged steps were rolled back)" : "");
  }
  write_file(out_path, save_model(net));
  if (!quiet && !json) print_gradient_norms(trainer.gradient_norms());
  const double ips = trainer.images_seen() / std::max(train_seconds, 1e-9);
  if (!quiet) std::fprintf(stderr, "wrote %s (test accuracy %.2f%%)\n", out_path.c_str(), 100.0 * test.accuracy);
  if (json)
    std::printf(
        "{\"test_accuracy\":%.4f,\"test_loss\":%.5f,\"train_accuracy\":%.4f,\"epochs\":%g,\"images_per_second\":%.0f,"
        "\"train_seconds\":%.1f,\"diverged_steps\":%ld,\"model\":\"%s\",\"seed\":%llu,%s}\n",
        test.accuracy, test.loss, double(epoch_correct) / std::max(1L, epoch_count), trainer.epoch(), ips,
        train_seconds, diverged, out_path.c_str(), (unsigned long long)t.seed,
        gradient_norms_json(trainer.gradient_norms()).c_str());
  return 0;
}

int eval(const std::vector<std::string>& args) {
  Options o(args, {"json"});
  const std::string model_path = o.str("model", "web/models/lenet5.cnn");
  const std::string data_dir = o.str("data", "web/data/mnist");
  const bool json = o.flag("json");
  o.finish();
  const auto bytes = read_file(model_path);
  const bool is_onnx = model_path.size() > 5 && model_path.substr(model_path.size() - 5) == ".onnx";
  auto net = is_onnx ? onnx::load_onnx(bytes) : load_model(bytes);
  const Dataset test_set = load_dataset(data_dir, "test");
  const auto start = std::chrono::steady_clock::now();
  const Evaluation e = evaluate(*net, test_set);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (json) {
    std::printf("{\"test_accuracy\":%.4f,\"test_loss\":%.5f,\"count\":%d,\"images_per_second\":%.0f}\n", e.accuracy,
                e.loss, e.count, e.count / s);
    return 0;
  }
  std::printf("%s: %.2f%% of %d test images (%d wrong), loss %.4f\n\nconfusion (rows: true, columns: predicted)\n",
              model_path.c_str(), 100.0 * e.accuracy, e.count, e.count - int(std::lround(e.accuracy * e.count)),
              e.loss);
  std::printf("     ");
  for (int p = 0; p < 10; ++p) std::printf("%6d", p);
  std::printf("\n");
  for (int t = 0; t < 10; ++t) {
    std::printf("%5d", t);
    for (int p = 0; p < 10; ++p) std::printf("%6d", e.confusion[t][p]);
    std::printf("\n");
  }
  return 0;
}

const RegisterCommand train_command{
    {"train", "train a network on the prepared data and save the model", train,
     "  --task NAME          classify, or localize / segment on scenes of MNIST digits (their own\n"
     "                       defaults: --optimizer adam --lr 0.001|0.002 --weight-decay 0 --batch 8; --train-scenes "
     "N,\n"
     "                       --test-scenes N [2000]; segment: --upsample nearest|unpool|deconv) [classify]\n"
     "  --net NAME|SPEC      a preset (`cnn info --presets` lists them) or spec text [lenet5]\n"
     "  --from MODEL         start from a model file's weights instead of --net (transfer learning)\n"
     "  --new-head           with --from: a fresh last dense layer sized for the data set's classes\n"
     "  --freeze conv        with --from: the convolutions keep their weights [none]\n"
     "  --lr-scale X         with --from: the learning rate of the layers from MODEL times X [1]\n"
     "  --data DIR           prepared data set [web/data/mnist]\n"
     "  --optimizer NAME     sgd, rmsprop or adam [sgd]\n"
     "  --lr X               learning rate [0.05]\n"
     "  --momentum X         SGD momentum [0.9]; --nesterov for Nesterov's\n"
     "  --weight-decay X     L2 weight decay [5e-4]\n"
     "  --schedule NAME      constant, step or cosine [cosine]\n"
     "  --batch N            minibatch size [32]\n"
     "  --epochs X           passes over the training set, fractions allowed [1]\n"
     "  --seed N             every random draw comes from it [1]\n"
     "  --init NAME          he, xavier, lecun or constant (--init-value V) [the network's own: its\n"
     "                       spec's 'init' line, else he]\n"
     "  --augment SPEC       none, light, standard, heavy and/or key=value,... [none]\n"
     "  --limit N            train on the first N images only\n"
     "  --per-class N        train on the first N images of each class only\n"
     "  --out PATH           model file to write [build/model.cnn]\n"
     "  --json               last line: one JSON object with the results\n"
     "  --quiet              no progress output\n"}};
const RegisterCommand eval_command{{"eval", "evaluate a model file on the test set", eval,
                                    "  --model PATH   model file, or an ONNX model (*.onnx) [web/models/lenet5.cnn]\n"
                                    "  --data DIR     prepared data set [web/data/mnist]\n"
                                    "  --json         one JSON object instead of the confusion matrix\n"}};
}  // namespace
}  // namespace cnn::cli
