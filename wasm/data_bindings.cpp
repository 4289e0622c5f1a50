// The engine's JavaScript face, part 2: Data, a data set of images and labels
// (a PNG sprite + IDX labels, or the learner's own digits as arrays).
// Arguments are checked with js_args.h; images go out as copies, one image
// (image, label) or many in one call (slice, pick).
#include <emscripten/bind.h>

#include <algorithm>
#include <numeric>

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

val Data::slice(const val& start_js, const val& count_js) const {
  return guarded([&] {
    const int start = whole(start_js, "slice start", 0, d_->count());
    const int count = whole(count_js, "slice count", 0, d_->count() - start);
    std::vector<std::int32_t> indices(static_cast<std::size_t>(count));
    std::iota(indices.begin(), indices.end(), start);
    return copy_images(indices);
  });
}

val Data::pick(const val& indices_js) const {
  return guarded([&] {
    const auto indices = ints(indices_js, "indices");
    for (std::size_t k = 0; k < indices.size(); ++k)
      if (indices[k] < 0 || indices[k] >= d_->count())
        throw std::invalid_argument("indices[" + std::to_string(k) + "] = " + std::to_string(indices[k]) +
                                    " is out of range 0.." + std::to_string(d_->count() - 1));
    return copy_images(indices);
  });
}

// Filled through one small buffer, a chunk of images at a time: the wasm
// heap never holds the whole copy (it cannot shrink once grown), only the
// JavaScript array does.
val Data::copy_images(const std::vector<std::int32_t>& indices) const {
  constexpr std::size_t kChunkFloats = std::size_t(1) << 16;
  const std::size_t per = d_->shape.size(), chunk = std::max<std::size_t>(1, kChunkFloats / per);
  val images = val::global("Float32Array").new_(double(indices.size() * per));
  std::vector<float> buffer(std::min(indices.size(), chunk) * per);
  std::vector<std::uint8_t> labels(indices.size());
  for (std::size_t first = 0; first < indices.size(); first += chunk) {
    const std::size_t n = std::min(chunk, indices.size() - first);
    for (std::size_t k = 0; k < n; ++k) {
      d_->image_as_float(indices[first + k], buffer.data() + k * per);
      labels[first + k] = d_->labels[indices[first + k]];
    }
    images.call<void>("set", val(emscripten::typed_memory_view(n * per, buffer.data())), double(first * per));
  }
  val out = val::object();
  out.set("images", images);
  out.set("labels", copy_out(labels));
  return out;
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
      .function("head", &Data::head, allow_raw_pointers())
      .function("slice", &Data::slice)
      .function("pick", &Data::pick);
}
