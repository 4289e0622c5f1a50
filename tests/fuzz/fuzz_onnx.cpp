// Fuzzes the ONNX importer (src/onnx/): a protobuf parser of untrusted files
// followed by a graph walk that builds whatever network the graph describes.
//
// Input: the .onnx file itself.
// Invariants: only OnnxError (a malformed or unsupported file) or SpecError
// (a geometry the engine refuses) escapes; a loaded model runs, and exports
// and re-imports to the same spec and weights.
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_common.h"
#include "onnx/onnx.h"

namespace {

bool same(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size_bytes()) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::unique_ptr<cnn::Network> net;
  try {
    net = cnn::onnx::load_onnx({data, size}, 2);
  } catch (const cnn::onnx::OnnxError&) {
    return 0;
  } catch (const cnn::SpecError&) {
    return 0;
  }
  const auto exported = cnn::onnx::export_onnx(*net);
  auto again = cnn::onnx::load_onnx(exported, 2);
  fuzz::require(again->spec() == net->spec(),
                "export/import changed the spec:\n" + net->spec() + "--\n" + again->spec());
  fuzz::require(same(again->params(), net->params()) && same(again->state(), net->state()),
                "export/import changed the weights");
  const std::size_t in = net->input_shape().size(), classes = net->output_shape().size();
  if (in > (1u << 16) || net->params().size() > (1u << 18)) return 0;
  std::vector<float> x(in, 0.5f), probs(classes);
  net->predict(x.data(), 1, probs.data());
  return 0;
}
