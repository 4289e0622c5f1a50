// Checking what JavaScript hands the engine: the one toolkit every binding
// uses. Each function returns the C++ value or throws std::invalid_argument
// with a message that names the argument and says what was wrong ("layer
// index must be a whole number, got 1.5"); bindings run inside guarded()
// (js_errors.h), which turns that into a JavaScript Error.
//
// Why arguments arrive as emscripten::val: without ASSERTIONS Embind checks
// nothing it converts. An `int` parameter gets `value | 0`, so NaN, 2.5, "1",
// true and 2**32 would all become some index silently; `as<T>()` is no better.
#pragma once
#include <emscripten/val.h>

#include <climits>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "shape.h"

namespace cnn::js {

using emscripten::val;

constexpr double kMaxSafeInteger = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER, 2^53 - 1

// A number as JavaScript would write it, near enough ("NaN", "1.5", "4294967296").
std::string number_text(double d);
// What a bad argument was, for a message: its value if a number, else its type.
std::string describe(const val& v);

// ---- single values ----

// A whole number in lo..hi ("what must be a whole number in lo..hi, got …").
int whole(const val& v, const std::string& what, int lo = INT_MIN, int hi = INT_MAX);
// The same up to 2^53, for seeds.
double whole_double(const val& v, const std::string& what, double lo, double hi);
// An index into `count` things: a whole number, then "what 7 is out of range 0..3".
int index(const val& v, const std::string& what, int count);
// A finite number in [lo, hi]; strings such as "0.1" are not numbers.
double number(const val& v, const std::string& what, double lo, double hi);
bool boolean(const val& v, const std::string& what);  // true or false, nothing else
std::string string(const val& v, const std::string& what);

// ---- typed arrays, copied in (a view would be detached by heap growth) ----

// A Float32Array; every value finite, and in [0, 1] when unit_range.
std::vector<float> floats(const val& arr, const std::string& what, bool unit_range = false);
// A Float32Array of whole images of `shape` (at least one, at most max_floats values).
std::vector<float> images(const val& arr, const std::string& what, Shape shape, bool unit_range,
                          std::size_t max_floats);
std::vector<std::uint8_t> bytes(const val& arr, const std::string& what);  // a Uint8Array
// An Int32Array, or an array of whole numbers in int range.
std::vector<std::int32_t> ints(const val& arr, const std::string& what);

// ---- objects ----

// An options object: a plain object whose keys are all known; undefined
// values count as absent. Each getter names the key (with `prefix`, e.g.
// "shape.c") and, with a fallback, returns it when the key is absent.
class Options {
 public:
  // optional: undefined is an empty object (null never is).
  Options(const val& o, const std::string& what, std::initializer_list<const char*> known, bool optional = true,
          std::string prefix = "");
  bool has(const char* key) const;
  int whole(const char* key, int lo, int hi) const;  // required
  int whole(const char* key, int fallback, int lo, int hi) const;
  double number(const char* key, double fallback, double lo, double hi) const;
  // true or false (1 or 0 too: the page's checkboxes once sent numbers).
  bool flag(const char* key, bool fallback) const;
  std::string string(const char* key, const std::string& fallback) const;

 private:
  val get(const char* key) const;
  std::string name(const char* key) const { return prefix_ + key; }
  val o_;
  std::string prefix_;
};

// The keys of a plain object (one whose prototype is Object.prototype or
// null: not an array, a typed array or a handle) whose values are not
// undefined; throws "what must be an object".
std::vector<std::string> object_keys(const val& o, const std::string& what);
// {c, h, w}: every key required unless `defaults` gives it.
Shape shape(const val& s, const std::string& what, const Shape* defaults = nullptr);

// ---- results, copied out ----

template <typename T>
val copy_out(const T* data, std::size_t n) {
  return val(emscripten::typed_memory_view(n, data)).call<val>("slice");
}
template <typename T>
val copy_out(const std::vector<T>& v) {
  return copy_out(v.data(), v.size());
}
val shape_object(Shape s);  // {c, h, w}
val hw_object(HW v);        // {h, w}

}  // namespace cnn::js
