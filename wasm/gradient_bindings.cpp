// The engine's JavaScript face, part 4: gradients of the predicting network
// (for Grad-CAM and the fast gradient sign method) and transfer learning (a
// new head, per-layer learning-rate scales). Arguments are checked with
// js_args.h; every entry point runs in guarded().
#include <emscripten/bind.h>

#include "handles.h"
#include "js_args.h"
#include "js_errors.h"
#include "transfer.h"

namespace cnn::js {

// images: Float32Array of N whole images; doutput: Float32Array (N × classes),
// dLoss/doutput (a one-hot picks a class score) -> dLoss/dimages (N × input).
// Afterwards outputGradient(layer, sample) reads each layer's dLoss/doutput.
val Model::input_gradient(const val& images_js, const val& doutput_js) {
  return guarded([&] {
    const Shape in = net_->input_shape();
    const auto x = images(images_js, "images", in, false, std::size_t(net_->max_batch()) * in.size());
    const int n = int(x.size() / in.size());
    const auto dy = floats(doutput_js, "output gradient");
    if (dy.size() != std::size_t(n) * classes())
      throw std::invalid_argument("output gradient has " + std::to_string(dy.size()) + " values, expected " +
                                  std::to_string(n) + " × " + std::to_string(classes()));
    std::vector<float> dx(x.size());
    net_->input_gradient(x.data(), dy.data(), n, dx.data());
    return copy_out(dx);
  });
}

val Model::output_gradient(const val& layer_js, const val& sample_js) const {
  return guarded([&] {
    const int layer = layer_index(layer_js), sample = index(sample_js, "sample index", net_->max_batch());
    const std::size_t size = net_->layers()[layer].out.size();
    return copy_out(net_->output_gradient(layer) + std::size_t(sample) * size, size);
  });
}

val Model::layer_grads_at(const val& path) {
  return guarded([&] {
    const auto g = net_->layer_grads(string(path, "layer path"));
    return copy_out(g.data(), g.size());
  });
}

// A new Model: this one's layers with a fresh last dense layer of `classes` outputs.
Model* Model::with_new_head(const val& classes_js, const val& seed_js) const {
  return guarded([&] {
    const int classes = whole(classes_js, "classes", 2, 4096);
    const double seed = whole_double(seed_js, "seed", 0, kMaxSafeInteger);
    return new Model(std::shared_ptr<Network>(
        cnn::with_new_head(*net_, {.classes = classes, .seed = std::uint64_t(seed), .max_batch = net_->max_batch()})));
  });
}

void Model::set_lr_scale(const val& layer, const val& scale) {
  guarded([&] {
    net_->set_lr_scale(layer_index(layer), float(number(scale, "learning-rate scale", 0, 1000)));
    return 0;
  });
}

}  // namespace cnn::js
