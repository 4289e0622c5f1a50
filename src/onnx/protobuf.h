// A minimal protocol-buffers wire-format reader and writer: just what the
// ONNX subset in model.h needs. Why not libprotobuf: no C++ protobuf library
// is available for the wasm build from Debian or npm, and a generated
// onnx.pb.cc would pull in the whole runtime for ~20 fields. The format is
// small: each field is a varint key (number << 3 | wire type), then a varint,
// a fixed 32/64-bit value or a length-prefixed byte run.
//
// The reader reads untrusted files: every length is checked against the bytes
// that remain, varints are at most 10 bytes, and any error throws OnnxError.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cnn::onnx {

// A file or graph we refuse; the message says what and where.
struct OnnxError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class WireType { Varint = 0, Fixed64 = 1, Bytes = 2, Fixed32 = 5 };

class ProtoReader {
 public:
  explicit ProtoReader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  // Advances to the next field; false at the end of the message.
  bool next();
  int field() const { return field_; }
  WireType wire() const { return wire_; }

  // The current field's value, read as the schema says it is. Each checks
  // the wire type and throws when it does not match.
  std::uint64_t varint();
  std::int64_t int64() { return std::int64_t(varint()); }
  float fixed32_float();
  std::string_view bytes();
  std::string string() { return std::string(bytes()); }
  // Repeated scalars arrive packed (one Bytes field) or one by one.
  void append_int64s(std::vector<std::int64_t>& out);
  void append_floats(std::vector<float>& out);
  // Skips a field this reader does not want.
  void skip();

 private:
  std::uint64_t read_varint();
  void need(std::uint64_t n) const;
  const char* p_;
  const char* end_;
  int field_ = 0;
  WireType wire_ = WireType::Varint;
};

class ProtoWriter {
 public:
  void varint(int field, std::uint64_t v);
  void int64(int field, std::int64_t v) { varint(field, std::uint64_t(v)); }
  void fixed32_float(int field, float v);
  void bytes(int field, std::string_view v);
  void message(int field, const ProtoWriter& m) { bytes(field, m.out_); }
  void packed_int64s(int field, const std::vector<std::int64_t>& v);
  void packed_floats(int field, const std::vector<float>& v);

  const std::string& data() const { return out_; }

 private:
  void key(int field, WireType w) { raw_varint((std::uint64_t(field) << 3) | std::uint64_t(w)); }
  void raw_varint(std::uint64_t v);
  std::string out_;
};

}  // namespace cnn::onnx
