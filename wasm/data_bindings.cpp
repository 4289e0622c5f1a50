// The engine's JavaScript face, part 2: Data, a data set of images and labels
// (a PNG sprite + IDX labels, or the learner's own digits as arrays).
// Arguments are checked with js_args.h; images go out as copies.
#include <emscripten/bind.h>

#include "handles.h"
#include "js_args.h"
#include "js_errors.h"

namespace cnn::js {

Data* Data::create(const val& png, const val& labels) {
  return guarded([&] {
    auto d = std::make_shared<Dataset>(decode_dataset(bytes(png, "images"), bytes(labels, "labels")));
    return new Data(std::move(d));
  });
}

// A small data set from JavaScript arrays: the learner's own digits.
Data* Data::from_arrays(const val& images, const val& labels, const val& shape_js) {
  return guarded([&] {
    const Shape defaults{1, 28, 28};
    const Shape s = shape(shape_js, "shape", &defaults);
    const auto pixels = floats(images, "images");
    const auto classes = bytes(labels, "labels");
    return new Data(std::make_shared<Dataset>(dataset_from_floats(pixels, classes, s)));
  });
}

int Data::label(const val& i) const {
  return guarded([&] { return int(d_->labels[index(i, "image index", d_->count())]); });
}

val Data::image(const val& i) const {
  return guarded([&] {
    std::vector<float> x(d_->shape.size());
    d_->image_as_float(index(i, "image index", d_->count()), x.data());
    return copy_out(x);
  });
}

Data* Data::head(const val& n) const {
  return guarded([&] { return new Data(std::make_shared<Dataset>(d_->head(whole(n, "head count", 0)))); });
}

}  // namespace cnn::js

EMSCRIPTEN_BINDINGS(cnn_data) {
  using namespace emscripten;
  using cnn::js::Data;
  class_<Data>("Data")
      .constructor(&Data::create, allow_raw_pointers())
      .class_function("fromArrays", &Data::from_arrays, allow_raw_pointers())
      .function("count", &Data::count)
      .function("label", &Data::label)
      .function("image", &Data::image)
      .function("head", &Data::head, allow_raw_pointers());
}
