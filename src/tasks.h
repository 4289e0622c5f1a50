// The tasks beyond classification, on scenes (scenes.h): their default
// networks and their scores, shared by `cnn train --task` and the page.
//
// localize: one digit per scene; a two-head network reads the class (10
//   logits) and the box (cx, cy, w, h in pixels) from one trunk. Scored by
//   class accuracy and the mean IoU of the predicted box with the true one.
// segment: one to three digits per scene; an encoder–decoder gives 11
//   logits per pixel (background, digits 0–9). Scored by the mean over the
//   11 classes of IoU = TP / (TP + FP + FN), pixels of all test scenes
//   pooled (a class absent from both truth and prediction is left out).
#pragma once
#include <array>
#include <string>

#include "network.h"
#include "scenes.h"

namespace cnn {

enum class UpsampleKind { Nearest, Unpool, Deconv };
UpsampleKind parse_upsample_kind(const std::string& name);  // nearest, unpool, deconv
const char* upsample_kind_name(UpsampleKind k);

// The default networks for 64×64 scenes (other sizes: any multiple of 8).
std::string localize_spec(int size = 64);
// The same encoder–decoder for every kind of up-sampling, only the three
// up-sampling layers differ.
std::string segment_spec(UpsampleKind kind, int size = 64);

// Scenes and targets for a task: localize makes one-digit scenes.
Scenes task_scenes(const std::string& task, const Dataset& digits, SceneOptions o, int count);

struct LocalizeScore {
  float accuracy = 0, mean_iou = 0;
  int count = 0;
};
// Over the first `limit` scenes (all when < 0). Also gives each scene's box
// when boxes is not null: [x0, y0, x1, y1] per scene.
LocalizeScore score_localize(Network& net, const Scenes& scenes, int limit = -1, std::vector<float>* boxes = nullptr);
// The predicted box [x0, y0, x1, y1] from a localize network's output row.
std::array<float, 4> predicted_box(const float* output);

struct SegmentScore {
  float mean_iou = 0, pixel_accuracy = 0;
  float background_accuracy = 0;  // what predicting background everywhere scores
  std::array<float, kSegmentClasses> iou{};
  int count = 0;
};
SegmentScore score_segment(Network& net, const Scenes& scenes, int limit = -1);
// Per pixel, the class with the largest logit: out (C, H, W) -> classes (H·W).
void pixel_classes(const float* out, Shape shape, std::uint8_t* classes);

}  // namespace cnn
