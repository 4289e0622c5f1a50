#include "spec_line.h"

#include <cstdlib>
#include <sstream>

namespace cnn::onnx {

SpecLine::SpecLine(const std::string& line) {
  std::istringstream words(line);
  words >> kind;
  for (std::string w; words >> w;) {
    if (auto eq = w.find('='); eq != std::string::npos)
      options[w.substr(0, eq)] = w.substr(eq + 1);
    else
      positional.push_back(w);
  }
}

float SpecLine::number(const std::string& key, float fallback) const {
  auto it = options.find(key);
  return it == options.end() ? fallback : std::strtof(it->second.c_str(), nullptr);
}

}  // namespace cnn::onnx
