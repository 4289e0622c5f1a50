#include "js_args.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace cnn::js {

namespace {

[[noreturn]] void refuse(const std::string& message) { throw std::invalid_argument(message); }

bool is_instance(const val& v, const char* type) { return v.instanceof (val::global(type)); }

std::string with_article(const std::string& noun) {
  const bool vowel = !noun.empty() && std::string("aeiouAEIOU").find(noun[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + noun;
}

// The values of a typed array, copied into C++ in one call.
template <typename T>
std::vector<T> typed_copy(const val& arr) {
  std::vector<T> out(arr["length"].as<std::size_t>());
  val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", arr);
  return out;
}

}  // namespace

std::string number_text(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char text[32];
  // Whole numbers in full (2**32 is 4294967296, not 4.29497e+09).
  if (d == std::floor(d) && std::fabs(d) < 1e21)
    std::snprintf(text, sizeof text, "%.0f", d);
  else
    std::snprintf(text, sizeof text, "%.6g", d);
  return text;
}

std::string describe(const val& v) {
  if (v.isNumber()) return number_text(v.as<double>());
  if (v.isNull()) return "null";
  if (v.isUndefined()) return "undefined";
  if (v.isTrue()) return "true";
  if (v.isFalse()) return "false";
  if (v.isString()) return "a string";
  if (v.isArray()) return "an array";
  const std::string type = v.typeOf().as<std::string>();
  if (type == "object") {
    const val ctor = v["constructor"];
    if (ctor.typeOf().as<std::string>() == "function") {
      const val name = ctor["name"];
      if (name.isString() && name.as<std::string>() != "Object" && !name.as<std::string>().empty())
        return with_article(name.as<std::string>());
    }
    return "an object";
  }
  return with_article(type);  // a bigint, a symbol, a function
}

int whole(const val& v, const std::string& what, int lo, int hi) { return int(whole_double(v, what, lo, hi)); }

double whole_double(const val& v, const std::string& what, double lo, double hi) {
  const double d = v.isNumber() ? v.as<double>() : NAN;
  if (!std::isfinite(d) || d != std::floor(d) || d < lo || d > hi)
    refuse(what + " must be a whole number" +
           (lo == INT_MIN && hi == INT_MAX ? "" : " in " + number_text(lo) + ".." + number_text(hi)) + ", got " +
           describe(v));
  return d;
}

int index(const val& v, const std::string& what, int count) {
  const double d = v.isNumber() ? v.as<double>() : NAN;
  if (!std::isfinite(d) || d != std::floor(d)) refuse(what + " must be a whole number, got " + describe(v));
  if (d < 0 || d >= count)
    refuse(what + " " + number_text(d) + " is out of range " +
           (count > 0 ? "0.." + std::to_string(count - 1) : "(there is nothing to index)"));
  return int(d);
}

double number(const val& v, const std::string& what, double lo, double hi) {
  const double d = v.isNumber() ? v.as<double>() : NAN;
  if (!std::isfinite(d) || d < lo || d > hi)
    refuse(what + " must be a number in [" + number_text(lo) + ", " + number_text(hi) + "], got " + describe(v));
  return d;
}

bool boolean(const val& v, const std::string& what) {
  if (!v.isTrue() && !v.isFalse()) refuse(what + " must be true or false, got " + describe(v));
  return v.isTrue();
}

std::string string(const val& v, const std::string& what) {
  if (!v.isString()) refuse(what + " must be a string, got " + describe(v));
  return v.as<std::string>();
}

std::vector<float> floats(const val& arr, const std::string& what, bool unit_range) {
  if (!is_instance(arr, "Float32Array")) refuse(what + " must be a Float32Array, got " + describe(arr));
  std::vector<float> out = typed_copy<float>(arr);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(out[i])) refuse(what + " contains NaN or infinity at index " + std::to_string(i));
    if (unit_range && (out[i] < 0 || out[i] > 1))
      refuse(what + " must hold values in [0, 1]; index " + std::to_string(i) + " is " + number_text(out[i]));
  }
  return out;
}

std::vector<float> images(const val& arr, const std::string& what, Shape shape, bool unit_range,
                          std::size_t max_floats) {
  if (!is_instance(arr, "Float32Array")) refuse(what + " must be a Float32Array, got " + describe(arr));
  const std::size_t n = arr["length"].as<std::size_t>(), per = shape.size();
  if (n == 0 || n % per != 0)
    refuse(what + " has " + std::to_string(n) + " values, expected a multiple of " + std::to_string(per) + " (" +
           shape.str() + ")");
  if (n > max_floats) refuse(what + " has " + std::to_string(n) + " values, more than " + std::to_string(max_floats));
  return floats(arr, what, unit_range);
}

std::vector<std::uint8_t> bytes(const val& arr, const std::string& what) {
  if (!is_instance(arr, "Uint8Array")) refuse(what + " must be a Uint8Array, got " + describe(arr));
  return typed_copy<std::uint8_t>(arr);
}

std::vector<std::int32_t> ints(const val& arr, const std::string& what) {
  if (is_instance(arr, "Int32Array")) return typed_copy<std::int32_t>(arr);
  if (!arr.isArray()) refuse(what + " must be an Int32Array or an array of whole numbers, got " + describe(arr));
  std::vector<std::int32_t> out(arr["length"].as<std::size_t>());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = whole(arr[i], what + "[" + std::to_string(i) + "]");
  return out;
}

std::vector<std::string> object_keys(const val& o, const std::string& what) {
  // Plain objects only: an array, a typed array or an Embind handle has no
  // option keys, and would otherwise pass as {}.
  const val object = val::global("Object");
  if (o.typeOf().as<std::string>() != "object" || o.isNull()) refuse(what + " must be an object, got " + describe(o));
  const val proto = object.call<val>("getPrototypeOf", o);
  if (!proto.isNull() && !proto.strictlyEquals(object["prototype"]))
    refuse(what + " must be a plain object, got " + describe(o));
  const val keys = object.call<val>("keys", o);
  std::vector<std::string> out;
  for (int i = 0, n = keys["length"].as<int>(); i < n; ++i) {
    std::string key = keys[i].as<std::string>();
    if (!o[key].isUndefined()) out.push_back(std::move(key));
  }
  return out;
}

Options::Options(const val& o, const std::string& what, std::initializer_list<const char*> known, bool optional,
                 std::string prefix)
    : o_(optional && o.isUndefined() ? val::object() : o), prefix_(std::move(prefix)) {
  for (const std::string& key : object_keys(o_, what)) {
    bool found = false;
    std::string list;
    for (const char* k : known) {
      found = found || key == k;
      list += (list.empty() ? "" : ", ") + std::string(k);
    }
    if (!found) refuse(what + " has an unknown key '" + key + "' (known: " + list + ")");
  }
}

val Options::get(const char* key) const { return o_[key]; }

bool Options::has(const char* key) const { return !get(key).isUndefined(); }

int Options::whole(const char* key, int lo, int hi) const { return js::whole(get(key), name(key), lo, hi); }

int Options::whole(const char* key, int fallback, int lo, int hi) const {
  return has(key) ? whole(key, lo, hi) : fallback;
}

double Options::number(const char* key, double fallback, double lo, double hi) const {
  return has(key) ? js::number(get(key), name(key), lo, hi) : fallback;
}

bool Options::flag(const char* key, bool fallback) const {
  return has(key) ? js::boolean(get(key), name(key)) : fallback;
}

std::string Options::string(const char* key, const std::string& fallback) const {
  return has(key) ? js::string(get(key), name(key)) : fallback;
}

Shape shape(const val& s, const std::string& what, const Shape* defaults) {
  const Options o(s, what, {"c", "h", "w"}, false, what + ".");
  if (defaults)
    return {o.whole("c", defaults->c, 1, 4), o.whole("h", defaults->h, 1, 1024), o.whole("w", defaults->w, 1, 1024)};
  return {o.whole("c", 1, 4), o.whole("h", 1, 1024), o.whole("w", 1, 1024)};
}

val hw_object(HW v) {
  val o = val::object();
  o.set("h", v.h);
  o.set("w", v.w);
  return o;
}

val shape_object(Shape s) {
  val o = val::object();
  o.set("c", s.c);
  o.set("h", s.h);
  o.set("w", s.w);
  return o;
}

}  // namespace cnn::js
