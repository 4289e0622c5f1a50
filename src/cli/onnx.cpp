// `cnn export` and `cnn import`: a model file to ONNX and back (src/onnx/).
#include "onnx/onnx.h"

#include <cstdio>

#include "command.h"
#include "model_file.h"

namespace cnn::cli {
namespace {

int export_command(const std::vector<std::string>& args) {
  Options o(args, {});
  const std::string out = o.str("onnx", "");
  const std::string model = o.str("model", "");
  const std::string net_spec = o.str("net", "");
  const long seed = o.integer("seed", 1);
  o.finish();
  if (out.empty()) throw std::invalid_argument("--onnx OUT is required (where to write the .onnx file)");
  if (!model.empty() && !net_spec.empty()) throw std::invalid_argument("give --model or --net, not both");
  std::unique_ptr<Network> net;
  if (net_spec.empty()) {
    net = load_model(read_file(model.empty() ? "web/models/lenet5.cnn" : model));
  } else {
    net = std::make_unique<Network>(net_spec, 1);
    net->init(std::uint64_t(seed));
  }
  const auto bytes = onnx::export_onnx(*net);
  write_file(out, bytes);
  std::printf("wrote %s (%zu bytes): input [N, %s], output [N, %zu] %s\n", out.c_str(), bytes.size(),
              net->input_shape().str().c_str(), net->output_shape().size(),
              net->loss() == Loss::CrossEntropy ? "softmax probabilities" : "raw outputs");
  return 0;
}

int import_command(const std::vector<std::string>& args) {
  Options o(args, {});
  const std::string in = o.str("onnx", "");
  const std::string out = o.str("out", "");
  o.finish();
  if (in.empty() || out.empty()) throw std::invalid_argument("--onnx IN and --out FILE.cnn are required");
  const auto bytes = read_file(in);
  const onnx::Imported m = onnx::import_onnx(bytes);
  const auto net = onnx::load_onnx(bytes, 1);
  write_file(out, save_model(*net));
  std::printf("%s (written by %s) -> %s, %zu parameters:\n%s", in.c_str(),
              m.producer.empty() ? "an unnamed exporter" : m.producer.c_str(), out.c_str(), net->params().size(),
              net->spec().c_str());
  return 0;
}

const RegisterCommand export_reg{
    {"export", "write a model as ONNX (opset 13), for ONNX Runtime, Netron and other ONNX tools", export_command,
     "  --onnx OUT           the .onnx file to write (required)\n"
     "  --model FILE         model file to export [web/models/lenet5.cnn]\n"
     "  --net NAME|SPEC      or export a freshly initialised network instead\n"
     "  --seed N             its initialisation seed [1]\n"
     "The model's input is float32 [N, C, H, W] with pixels in [0, 1]; its output [N, classes]\n"
     "is softmax probabilities (cross-entropy networks) or the raw outputs (mse networks).\n"}};
const RegisterCommand import_reg{
    {"import", "read an ONNX model (ours, PyTorch's, Keras's) into a model file", import_command,
     "  --onnx IN            the .onnx file to read (required)\n"
     "  --out FILE.cnn       the model file to write (required)\n"
     "An unsupported operator is refused by name; `cnn eval --model X.onnx` evaluates one directly.\n"}};

}  // namespace
}  // namespace cnn::cli
