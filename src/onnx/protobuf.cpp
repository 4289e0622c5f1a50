#include "protobuf.h"

#include <bit>
#include <cstring>

namespace cnn::onnx {

static_assert(std::endian::native == std::endian::little, "the wire format's fixed32 is little-endian");

void ProtoReader::need(std::uint64_t n) const {
  if (std::uint64_t(end_ - p_) < n) throw OnnxError("the file is truncated (a field runs past the end of its message)");
}

std::uint64_t ProtoReader::read_varint() {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    need(1);
    const auto byte = std::uint8_t(*p_++);
    v |= std::uint64_t(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return v;
  }
  throw OnnxError("the file is not protobuf: a varint longer than 10 bytes");
}

bool ProtoReader::next() {
  if (p_ == end_) return false;
  const std::uint64_t key = read_varint();
  const auto wire = int(key & 7);
  if (wire != 0 && wire != 1 && wire != 2 && wire != 5)
    throw OnnxError("the file is not an ONNX model (protobuf wire type " + std::to_string(wire) + ")");
  if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff) throw OnnxError("the file is not an ONNX model (field number 0)");
  field_ = int(key >> 3);
  wire_ = WireType(wire);
  return true;
}

std::uint64_t ProtoReader::varint() {
  if (wire_ != WireType::Varint) throw OnnxError("field " + std::to_string(field_) + " should be an integer");
  return read_varint();
}

float ProtoReader::fixed32_float() {
  if (wire_ != WireType::Fixed32) throw OnnxError("field " + std::to_string(field_) + " should be a float");
  need(4);
  float v;
  std::memcpy(&v, p_, 4);
  p_ += 4;
  return v;
}

std::string_view ProtoReader::bytes() {
  if (wire_ != WireType::Bytes) throw OnnxError("field " + std::to_string(field_) + " should be bytes");
  const std::uint64_t n = read_varint();
  need(n);
  std::string_view v(p_, std::size_t(n));
  p_ += n;
  return v;
}

void ProtoReader::append_int64s(std::vector<std::int64_t>& out) {
  if (wire_ != WireType::Bytes) return out.push_back(int64());
  ProtoReader packed(bytes());
  packed.wire_ = WireType::Varint;
  while (packed.p_ != packed.end_) out.push_back(std::int64_t(packed.read_varint()));
}

void ProtoReader::append_floats(std::vector<float>& out) {
  if (wire_ != WireType::Bytes) return out.push_back(fixed32_float());
  const std::string_view raw = bytes();
  if (raw.size() % 4) throw OnnxError("packed floats of field " + std::to_string(field_) + " are cut short");
  const std::size_t first = out.size();
  out.resize(first + raw.size() / 4);
  std::memcpy(out.data() + first, raw.data(), raw.size());
}

void ProtoReader::skip() {
  switch (wire_) {
    case WireType::Varint: read_varint(); break;
    case WireType::Fixed64: need(8), p_ += 8; break;
    case WireType::Fixed32: need(4), p_ += 4; break;
    case WireType::Bytes: bytes(); break;
  }
}

void ProtoWriter::raw_varint(std::uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(char(v | 0x80));
    v >>= 7;
  }
  out_.push_back(char(v));
}

void ProtoWriter::varint(int field, std::uint64_t v) {
  key(field, WireType::Varint);
  raw_varint(v);
}

void ProtoWriter::fixed32_float(int field, float v) {
  key(field, WireType::Fixed32);
  char b[4];
  std::memcpy(b, &v, 4);
  out_.append(b, 4);
}

void ProtoWriter::bytes(int field, std::string_view v) {
  key(field, WireType::Bytes);
  raw_varint(v.size());
  out_.append(v);
}

void ProtoWriter::packed_int64s(int field, const std::vector<std::int64_t>& v) {
  ProtoWriter packed;
  for (auto x : v) packed.raw_varint(std::uint64_t(x));
  bytes(field, packed.out_);
}

void ProtoWriter::packed_floats(int field, const std::vector<float>& v) {
  bytes(field, std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * 4));
}

}  // namespace cnn::onnx
