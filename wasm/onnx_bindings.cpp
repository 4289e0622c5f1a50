// Model.toOnnx() and Model.fromOnnx(bytes, maxBatch): the ONNX exporter and
// importer (src/onnx/) for the page. Registered with Model's other methods
// in model_bindings.cpp.
#include "handles.h"
#include "js_args.h"
#include "js_errors.h"
#include "onnx/onnx.h"

namespace cnn::js {

val Model::to_onnx() const {
  return guarded([&] { return copy_out(onnx::export_onnx(*net_)); });
}

Model* Model::from_onnx(const val& bytes, const val& max_batch) {
  return guarded([&] {
    const auto data = js::bytes(bytes, "ONNX model");
    return new Model(std::shared_ptr<Network>(onnx::load_onnx(data, whole(max_batch, "max batch"))));
  });
}

}  // namespace cnn::js
