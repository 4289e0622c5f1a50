// The Augmenter: draws one image's transforms from the Rng and applies them
// (geometry in one bilinear resampling, then photometric), in scratch that
// is allocated once per image shape.
#include "augment/augmenter.h"

#include <algorithm>
#include <stdexcept>

namespace cnn {

Augmenter::Augmenter(const AugmentOptions& options, Shape shape) : o_(options) {
  o_.validate();
  if (o_.elastic_alpha > 0) {
    kernel_.resize(gaussian_kernel_size(o_.elastic_sigma));
    gaussian_kernel(o_.elastic_sigma, kernel_);
  }
  reserve(shape);
}

void Augmenter::reserve(Shape shape) {
  if (shape.c < 1 || shape.h < 1 || shape.w < 1)
    throw std::invalid_argument("cannot augment images of shape " + shape.str());
  shape_ = shape;
  // assign + shrink_to_fit: capacity is exactly what this shape needs, so a
  // test can see that apply() never grows it.
  auto fit = [](std::vector<float>& v, std::size_t n) {
    v.assign(n, 0.0f);
    v.shrink_to_fit();
  };
  const std::size_t plane = std::size_t(shape.h) * shape.w;
  fit(warped_, o_.any_geometry() ? shape.size() : 0);
  const std::size_t field = o_.elastic_alpha > 0 ? plane : 0;
  fit(field_x_, field);
  fit(field_y_, field);
  fit(blur_tmp_, field ? elastic_scratch_size(shape.h, shape.w, int(kernel_.size())) : 0);
}

std::size_t Augmenter::scratch_capacity() const {
  return warped_.capacity() + field_x_.capacity() + field_y_.capacity() + blur_tmp_.capacity() + kernel_.capacity();
}

// Draw order (the reproducibility contract; only enabled options draw):
// crop offset x, y; pad offset x, y; flip h; flip v; shear; scale; rotation;
// shift x, y; then the elastic field; then the photometric draws.
void Augmenter::draw_geometry(Shape shape, Rng& rng) {
  Geometry g;
  if (o_.crop < 1) {
    // The window (side crop·W) stays inside the image: |offset| ≤ (1 − crop)·W/2.
    g.crop = o_.crop;
    const float max_dx = (1 - o_.crop) * shape.w * 0.5f, max_dy = (1 - o_.crop) * shape.h * 0.5f;
    g.crop_dx = rng.uniform(-max_dx, max_dx);
    g.crop_dy = rng.uniform(-max_dy, max_dy);
  }
  if (o_.crop_pad > 0) {
    // Pad by p zero pixels and cut an H×W window: a whole-pixel window offset in [−p, p].
    const int p = int(o_.crop_pad);
    g.crop_dx += int(rng.below(2 * p + 1)) - p;
    g.crop_dy += int(rng.below(2 * p + 1)) - p;
  }
  if (o_.flip_h > 0) g.flip_h = rng.uniform() < o_.flip_h;
  if (o_.flip_v > 0) g.flip_v = rng.uniform() < o_.flip_v;
  if (o_.shear > 0) g.shear = rng.uniform(-o_.shear, o_.shear);
  g.scale = o_.scale_min == o_.scale_max ? o_.scale_min : rng.uniform(o_.scale_min, o_.scale_max);
  if (o_.rotation > 0) g.rotation = rng.uniform(-o_.rotation, o_.rotation);
  // Whole-pixel shifts: alone they move strokes without blurring them.
  if (o_.shift_x > 0) g.shift_x = int(rng.below(2 * int(o_.shift_x) + 1)) - int(o_.shift_x);
  if (o_.shift_y > 0) g.shift_y = int(rng.below(2 * int(o_.shift_y) + 1)) - int(o_.shift_y);
  geometry_ = g;
}

void Augmenter::apply(float* image, Shape shape, Rng& rng) {
  if (!(shape == shape_)) reserve(shape);
  if (o_.any_geometry()) {
    draw_geometry(shape, rng);
    const bool elastic = o_.elastic_alpha > 0;
    if (elastic)
      elastic_field(field_x_.data(), field_y_.data(), blur_tmp_.data(), shape.h, shape.w, kernel_, o_.elastic_alpha,
                    rng);
    if (elastic || !geometry_.is_identity()) {
      warp_bilinear(image, warped_.data(), shape, sampling_map(geometry_), elastic ? field_x_.data() : nullptr,
                    elastic ? field_y_.data() : nullptr);
      std::copy(warped_.begin(), warped_.end(), image);
    }
  }
  apply_photometric(image, shape, rng);
}

void Augmenter::apply_photometric(float* image, Shape shape, Rng& rng) {
  if (o_.brightness > 0) adjust_brightness(image, shape, rng.uniform(1 - o_.brightness, 1 + o_.brightness));
  if (o_.contrast > 0) adjust_contrast(image, shape, rng.uniform(1 - o_.contrast, 1 + o_.contrast));
  if (shape.c == 3) {  // colour operations mean nothing for grey or 4-channel data
    if (o_.saturation > 0) adjust_saturation(image, shape, rng.uniform(1 - o_.saturation, 1 + o_.saturation));
    if (o_.hue > 0) rotate_hue(image, shape, rng.uniform(-o_.hue, o_.hue));
    if (o_.channel_gain > 0) {
      float gains[3];
      for (float& g : gains) g = rng.uniform(1 - o_.channel_gain, 1 + o_.channel_gain);
      scale_channels(image, shape, gains);
    }
    if (o_.grayscale > 0 && rng.uniform() < o_.grayscale) to_grayscale(image, shape);
  }
  if (o_.noise > 0) add_gaussian_noise(image, shape, o_.noise, rng);
  // Bilinear sums and the factors above can leave [0, 1] by a little or a lot.
  clamp_unit(image, shape);
  if (o_.erase > 0 && rng.uniform() < o_.erase) {
    const Rect r = random_erase_rect(shape.h, shape.w, o_.erase_area_min, o_.erase_area_max, rng);
    erase_rectangle(image, shape, r.x, r.y, r.w, r.h);
  }
}

AugmentFn make_augment_fn(const AugmentOptions& options, Shape shape) {
  if (!options.any()) return {};
  auto augmenter = std::make_shared<Augmenter>(options, shape);
  return [augmenter](float* image, Shape s, Rng& rng) { augmenter->apply(image, s, rng); };
}

}  // namespace cnn
