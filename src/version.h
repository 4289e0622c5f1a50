#pragma once

namespace cnn {
inline constexpr const char* kVersion = "0.1.0";
}
