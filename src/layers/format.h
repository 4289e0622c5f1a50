// How a layer writes a float option into its canonical spec line.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>

namespace cnn {

// The shortest text that reads back as exactly v. Model files store the
// canonical spec, so a rounded option (std::to_string keeps 6 decimals:
// a=0.0000001 became a=0) would load a different network than was trained.
// Values to_string already writes exactly keep that spelling ("0.01", "100").
inline std::string format_option(float v) {
  std::string s = std::to_string(v);
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  if (std::strtof(s.c_str(), nullptr) == v) return s;
  char buf[32];
  for (int precision = 1; precision <= 9; ++precision) {  // 9 significant digits always round-trip a float
    std::snprintf(buf, sizeof buf, "%.*g", precision, double(v));
    if (std::strtof(buf, nullptr) == v) break;
  }
  return buf;
}

// A block's inner lines, each indented by two spaces (nested blocks nest).
inline std::string indent(const std::string& lines) {
  std::string out = "  ";
  for (char c : lines) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

}  // namespace cnn
