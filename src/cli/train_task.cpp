// `cnn train --task localize|segment`: the tasks beyond classification, on
// scenes composed from MNIST (training scenes from the training digits, test
// scenes from the test digits), scored on the held-out test scenes. The
// trainer is the classifier's own (src/trainer.h); only the data, the network
// and the scores differ.
#include <chrono>
#include <cstdio>

#include "command.h"
#include "model_file.h"
#include "tasks.h"
#include "trainer.h"

namespace cnn::cli {

namespace {

struct TaskDefaults {
  int train_scenes, epochs;
  double lr;
};

}  // namespace

int train_task(const std::string& task, const std::vector<std::string>& args) {
  Options o(args, {"json", "quiet"});
  o.str("task", "");
  const bool segment = task == "segment";
  if (!segment && task != "localize")
    throw std::invalid_argument("unknown task '" + task + "' (known: classify, localize, segment)");
  const TaskDefaults d = segment ? TaskDefaults{8000, 3, 0.002} : TaskDefaults{20000, 4, 0.001};
  const std::string upsample = o.str("upsample", "nearest");
  const UpsampleKind kind = parse_upsample_kind(upsample);
  const std::string data_dir = o.str("data", "web/data/mnist");
  const std::string out_path = o.str("out", "build/" + task + ".cnn");
  std::string spec = o.str("net", "");
  SceneOptions scenes;
  scenes.seed = std::uint64_t(o.integer("seed", 1));
  const int train_count = int(o.integer("train-scenes", d.train_scenes));
  const int test_count = int(o.integer("test-scenes", 2000));
  TrainOptions t;
  t.optimizer.kind = parse_optimizer(o.str("optimizer", "adam"));
  t.optimizer.learning_rate = float(o.num("lr", d.lr));
  t.optimizer.momentum = float(o.num("momentum", 0.9));
  t.optimizer.weight_decay = float(o.num("weight-decay", 0));
  t.schedule.kind = parse_schedule(o.str("schedule", "cosine"));
  t.batch_size = int(o.integer("batch", 8));  // more steps for the same images: measured better than 32
  t.epochs = float(o.num("epochs", d.epochs));
  t.seed = scenes.seed;
  const bool json = o.flag("json"), quiet = o.flag("quiet");
  o.finish();
  if (t.epochs <= 0) throw std::invalid_argument("--epochs must be > 0");
  if (spec.empty()) spec = segment ? segment_spec(kind) : localize_spec();

  const auto made = std::chrono::steady_clock::now();
  const Scenes train_set = task_scenes(task, load_dataset(data_dir, "train"), scenes, train_count);
  SceneOptions test_options = scenes;
  test_options.seed = scenes.seed + 1000003;  // other places, and other digits: the test set's
  const Scenes test_set = task_scenes(task, load_dataset(data_dir, "test"), test_options, test_count);
  const double scene_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - made).count();

  Network net(spec, std::max(64, t.batch_size));
  net.init(t.seed);
  Trainer trainer(net, train_set.images, t);
  if (!quiet)
    std::fprintf(stderr,
                 "task %s%s: %d training scenes, %d test scenes (made in %.1f s), %s lr %g, batch %d, %g epochs\n",
                 task.c_str(), segment ? (" (" + upsample + ")").c_str() : "", train_count, test_count, scene_seconds,
                 optimizer_name(t.optimizer.kind), t.optimizer.learning_rate, t.batch_size, t.epochs);
  const long steps_per_epoch = (train_count + t.batch_size - 1) / t.batch_size;
  const long total_steps = long(std::ceil(t.epochs * steps_per_epoch));
  double train_seconds = 0;
  long diverged = 0;
  LocalizeScore located;
  SegmentScore segmented;
  for (long step = 0; step < total_steps;) {
    const auto start = std::chrono::steady_clock::now();
    const long epoch_end = std::min(total_steps, (step / steps_per_epoch + 1) * steps_per_epoch);
    double loss = 0;
    long count = 0;
    for (; step < epoch_end; ++step) {
      const StepResult r = trainer.step();
      if (r.diverged) ++diverged;
      loss += double(r.loss) * r.count, count += r.count;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    train_seconds += seconds;
    if (segment)
      segmented = score_segment(net, test_set);
    else
      located = score_localize(net, test_set);
    if (!quiet) {
      if (segment)
        std::fprintf(stderr, "epoch %5.2f  loss %.4f  test mean IoU %.3f  pixel accuracy %.2f%%  %.0f img/s\n",
                     trainer.epoch(), loss / std::max(1L, count), segmented.mean_iou, 100.0 * segmented.pixel_accuracy,
                     count / seconds);
      else
        std::fprintf(stderr, "epoch %5.2f  loss %.4f  test accuracy %.2f%%  box IoU %.3f  %.0f img/s\n",
                     trainer.epoch(), loss / std::max(1L, count), 100.0 * located.accuracy, located.mean_iou,
                     count / seconds);
    }
  }
  write_file(out_path, save_model(net));
  const double ips = trainer.images_seen() / std::max(train_seconds, 1e-9);
  if (json) {
    if (segment) {
      std::printf(
          "{\"task\":\"segment\",\"upsample\":\"%s\",\"mean_iou\":%.4f,\"pixel_accuracy\":%.4f,"
          "\"background_only_accuracy\":%.4f,\"class_iou\":[",
          upsample.c_str(), segmented.mean_iou, segmented.pixel_accuracy, segmented.background_accuracy);
      for (int c = 0; c < kSegmentClasses; ++c) std::printf("%s%.3f", c ? "," : "", segmented.iou[c]);
      std::printf("],");
    } else {
      std::printf("{\"task\":\"localize\",\"test_accuracy\":%.4f,\"mean_iou\":%.4f,", located.accuracy,
                  located.mean_iou);
    }
    std::printf(
        "\"train_scenes\":%d,\"test_scenes\":%d,\"epochs\":%g,\"images_per_second\":%.0f,\"train_seconds\":%.1f,"
        "\"diverged_steps\":%ld,\"model\":\"%s\",\"seed\":%llu}\n",
        train_count, test_count, trainer.epoch(), ips, train_seconds, diverged, out_path.c_str(),
        (unsigned long long)t.seed);
  }
  return 0;
}

}  // namespace cnn::cli
