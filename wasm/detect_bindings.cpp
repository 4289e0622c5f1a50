// The engine's JavaScript face for detection: a trained Model made fully
// convolutional for a larger image (src/fully_convolutional.h), and its class
// maps for one image. JavaScript must .delete() the handle.
//
//   const fc = new FullyConvolutional(model, height, width);
//   fc.geometry()  // { input: {c, h, w}, window: {h, w}, stride: {h, w}, positions: {h, w}, classes,
//                 spec (the converted network's, dense layers now conv lines) }
//   fc.classMaps(image)  // Float32Array (classes · rows · columns), softmax over classes per position
//   slidingStride(model)  // {h, w}: sizes that fit are the model's input + k·stride
#include <emscripten/bind.h>

#include "fully_convolutional.h"
#include "handles.h"
#include "js_args.h"
#include "js_errors.h"

namespace cnn::js {

namespace {

// The largest image side a detection may ask for: a drawn number is a few
// hundred pixels wide at most, and the bound keeps a typo from asking for gigabytes.
constexpr int kMaxSide = 1024;

class FullyConvolutionalHandle {
 public:
  static FullyConvolutionalHandle* create(const Model& model, const val& height, const val& width) {
    return guarded([&] {
      const HW size{whole(height, "height", 1, kMaxSide), whole(width, "width", 1, kMaxSide)};
      return new FullyConvolutionalHandle(fully_convolutional(*model.network(), size, 1));
    });
  }

  val geometry() const {
    val o = val::object();
    o.set("input", shape_object(fc_.net->input_shape()));
    o.set("window", hw_object(fc_.window));
    o.set("stride", hw_object(fc_.stride));
    o.set("positions", hw_object(fc_.positions));
    o.set("classes", fc_.net->output_shape().c);
    o.set("spec", fc_.net->spec());
    return o;
  }

  val class_maps(const val& image_js) {
    return guarded([&] {
      const Shape in = fc_.net->input_shape();
      const auto x = images(image_js, "image", in, false, in.size());
      std::vector<float> maps(fc_.net->output_shape().size());
      cnn::class_maps(*fc_.net, x.data(), maps.data());
      return copy_out(maps);
    });
  }

 private:
  explicit FullyConvolutionalHandle(FullyConvolutional fc) : fc_(std::move(fc)) {}
  FullyConvolutional fc_;
};

val sliding_stride(const Model& model) {
  return guarded([&] { return hw_object(cnn::sliding_stride(*model.network())); });
}

}  // namespace

}  // namespace cnn::js

EMSCRIPTEN_BINDINGS(cnn_detect) {
  using namespace emscripten;
  using cnn::js::FullyConvolutionalHandle;
  function("slidingStride", &cnn::js::sliding_stride);
  class_<FullyConvolutionalHandle>("FullyConvolutional")
      .constructor(&FullyConvolutionalHandle::create, allow_raw_pointers())
      .function("geometry", &FullyConvolutionalHandle::geometry)
      .function("classMaps", &FullyConvolutionalHandle::class_maps);
}
