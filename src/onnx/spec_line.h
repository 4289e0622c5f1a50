// One canonical spec line ("conv 6 k=5 s=1 p=2") split into its words: the
// exporter reads a layer's settings from Layer::spec(), which every layer
// writes in full, so it needs no accessor on each layer class.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace cnn::onnx {

struct SpecLine {
  std::string kind;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;

  explicit SpecLine(const std::string& line);
  int integer(std::size_t i) const { return std::stoi(positional.at(i)); }
  float number(const std::string& key, float fallback) const;
};

}  // namespace cnn::onnx
