// C++ errors as JavaScript Errors, shared by the Embind files: every entry
// point runs its body in guarded(), so a bad argument or an engine failure
// reaches JavaScript as an Error with the engine's message and the module
// stays usable afterwards.
#pragma once
#include <emscripten/val.h>

#include <exception>
#include <string>

namespace cnn::js {

[[noreturn]] inline void throw_js(const std::string& message) {
  emscripten::val::global("Error").new_(message).throw_();
}

// Runs f, rethrowing any C++ exception as a JavaScript Error.
template <typename F>
auto guarded(F&& f) -> decltype(f()) {
  std::string message;
  try {
    return f();
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = "unknown engine error";
  }
  throw_js(message);
}

}  // namespace cnn::js
