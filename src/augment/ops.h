// The deterministic pieces of augmentation: the affine sampling map, the
// bilinear warp, the elastic field, and the photometric arithmetic. The
// Augmenter (augmenter.h) draws their parameters at random; the robustness
// curves call transform_image with chosen ones. Nothing here allocates.
//
// Coordinates: pixel centres sit at whole numbers, x right, y down, and the
// centre of an H×W image is ((W-1)/2, (H-1)/2). A quarter turn about that
// centre maps pixel centres onto pixel centres for odd and even sizes, and
// the map uses exact sines for multiples of 90°, so such turns (like whole
// shifts and flips) move pixels without blurring them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "rng.h"
#include "shape.h"

namespace cnn {

// One image's geometric transform, applied to the source in this order:
// crop window (resized back to the full image), flips, shear, scale,
// rotation, shift. The identity is the default.
struct Geometry {
  double crop = 1;                  // window side as a fraction of the image side
  double crop_dx = 0, crop_dy = 0;  // window centre offset from the image centre (pixels)
  bool flip_h = false, flip_v = false;
  double shear = 0;                 // x += shear · y
  double scale = 1;                 // > 1 enlarges
  double rotation = 0;              // degrees, counter-clockwise on screen
  double shift_x = 0, shift_y = 0;  // pixels, right and down
  bool is_identity() const;
};

// Where output pixel d samples the input: src = centre + a·(d − centre) + b.
struct SamplingMap {
  double a00 = 1, a01 = 0, a10 = 0, a11 = 1;
  double bx = 0, by = 0;
};
SamplingMap sampling_map(const Geometry& g);

// The robustness curves' transform: rotate by `rotation` degrees
// (counter-clockwise), scale about the centre, then shift.
struct AffineParams {
  float rotation = 0;
  float shift_x = 0, shift_y = 0;
  float scale = 1;
};

// in (C,H,W) -> out (C,H,W), bilinear, 0 outside the input. Identity params
// copy the input exactly; whole shifts, flips and quarter turns are exact.
// in and out must not overlap.
void transform_image(const float* in, float* out, Shape shape, const AffineParams& params);

// The general warp: map plus, when field_x/field_y are given (H×W each), an
// extra per-output-pixel displacement of the sampling point.
void warp_bilinear(const float* in, float* out, Shape shape, const SamplingMap& map, const float* field_x = nullptr,
                   const float* field_y = nullptr);

// Normalised 1-D Gaussian of radius ceil(3·sigma) into out (size
// gaussian_kernel_size(sigma)).
int gaussian_kernel_size(float sigma);
void gaussian_kernel(float sigma, std::span<float> out);

// Simard et al. (2003) elastic field: uniform(-1, 1) per pixel (all of x,
// then all of y, from rng), smoothed by the kernel (clamped at the border),
// times alpha. field_x, field_y are H×W; tmp holds elastic_scratch_size().
std::size_t elastic_scratch_size(int h, int w, int kernel_size);
void elastic_field(float* field_x, float* field_y, float* tmp, int h, int w, std::span<const float> kernel, float alpha,
                   Rng& rng);

// Photometric arithmetic on one (C,H,W) image; no clamping (the caller clamps).
void adjust_brightness(float* image, Shape shape, float factor);  // x·f
void adjust_contrast(float* image, Shape shape, float factor);    // mean + (x − mean)·f, mean of all values
// 3-channel (RGB) only: grey = 0.299R + 0.587G + 0.114B per pixel.
void adjust_saturation(float* image, Shape shape, float factor);     // grey + (x − grey)·f
void rotate_hue(float* image, Shape shape, float degrees);           // rotation about the grey axis
void to_grayscale(float* image, Shape shape);                        // every channel = grey
void scale_channels(float* image, Shape shape, const float* gains);  // channel c times gains[c]
void add_gaussian_noise(float* image, Shape shape, float sigma, Rng& rng);
void clamp_unit(float* image, Shape shape);  // into [0, 1]

// Zeroes rows [y, y+eh) × columns [x, x+ew) in every channel.
void erase_rectangle(float* image, Shape shape, int x, int y, int ew, int eh);
struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
};
// A random rectangle whose area (whole pixels) lies in [area_min, area_max]
// × H×W, aspect ratio drawn log-uniformly in [0.3, 3.3] (Zhong et al. 2017).
// Empty (w = h = 0) when no rectangle of this image fits that area range.
Rect random_erase_rect(int h, int w, float area_min, float area_max, Rng& rng);

}  // namespace cnn
