// `cnn info`: a network's layers as a tree (blocks indented), with each
// layer's output shape, parameters, multiply-adds and receptive field; or
// with --presets the built-in networks.
#include <cstdio>

#include "command.h"
#include "network.h"

namespace cnn::cli {
namespace {

std::string first_line(const std::string& spec) { return spec.substr(0, spec.find('\n')); }

void print_layers(const std::vector<LayerInfo>& layers, int depth) {
  for (const LayerInfo& l : layers) {
    const std::string name = std::string(2 * depth, ' ') + first_line(l.spec);
    const std::string rf = l.receptive_field.h == 0
                               ? "all"
                               : std::to_string(l.receptive_field.h) + "x" + std::to_string(l.receptive_field.w);
    std::printf("%-9s %-30.30s %-12s %-12s %10zu %12llu %7s\n", l.path.c_str(), name.c_str(), l.in.str().c_str(),
                l.out.str().c_str(), l.params, static_cast<unsigned long long>(l.macs), rf.c_str());
    print_layers(l.children, depth + 1);
    for (std::size_t b = 0; b < l.branches.size(); ++b) {
      std::printf("%-9s %s\n", (l.path + ".b" + std::to_string(b)).c_str(),
                  (std::string(2 * depth + 2, ' ') + "branch").c_str());
      print_layers(l.branches[b], depth + 2);
    }
  }
}

int info(const std::vector<std::string>& args) {
  Options o(args, {"presets"});
  const std::string spec = o.str("net", "lenet5");
  const bool list = o.flag("presets");
  o.finish();
  if (list) {
    for (const Preset& p : presets()) {
      const Network net(p.spec, 1);
      std::printf("%-16s %9zu params  %s\n", p.name.c_str(), net.params().size(), p.description.c_str());
    }
    return 0;
  }
  const Network net(spec, 1);
  std::printf("%-9s %-30s %-12s %-12s %10s %12s %7s\n", "path", "layer", "input", "output", "params", "mult-adds",
              "RF");
  print_layers(net.layers(), 0);
  std::uint64_t macs = 0;
  for (const LayerInfo& l : net.layers()) macs += l.macs;
  std::printf("total parameters: %zu, multiply-adds per image: %llu\n", net.params().size(),
              static_cast<unsigned long long>(macs));
  return 0;
}

const RegisterCommand info_command{{"info", "show a network's layers: shapes, parameters, receptive fields", info,
                                    "  --net NAME|SPEC   preset or spec text [lenet5]\n"
                                    "  --presets         list the presets instead, with their parameter counts\n"}};

}  // namespace
}  // namespace cnn::cli
