#include "model_file.h"

#include <array>
#include <cmath>
#include <cstring>
#include <fstream>

namespace cnn {

namespace {

constexpr char kMagic[8] = {'C', 'N', 'N', 'P', 'L', 'A', 'Y', '\0'};
constexpr std::size_t kHeader = 16, kCounts = 16, kCrc = 4;

template <typename T>
void put(std::vector<std::uint8_t>& out, T value) {
  std::uint8_t b[sizeof(T)];
  std::memcpy(b, &value, sizeof(T));  // the engine runs on little-endian targets only (x86, wasm)
  out.insert(out.end(), b, b + sizeof(T));
}

template <typename T>
T get(std::span<const std::uint8_t> bytes, std::size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

void put_floats(std::vector<std::uint8_t>& out, std::span<const float> v) {
  const auto* b = reinterpret_cast<const std::uint8_t*>(v.data());
  out.insert(out.end(), b, b + v.size_bytes());
}

// The file's parts, checked but not yet applied to any network.
struct Parsed {
  std::string spec;
  std::uint64_t param_count, state_count;
  std::size_t params_at, state_at;
};

Parsed parse(std::span<const std::uint8_t> bytes) {
  const std::string hint = " (HINT: save the model again from the page or with 'cnn train')";
  if (bytes.size() < kHeader + kCounts + kCrc) {
    if (bytes.size() >= 8 && std::memcmp(bytes.data(), kMagic, 8) == 0)
      throw ModelFileError("the model file is truncated: " + std::to_string(bytes.size()) + " bytes" + hint);
    throw ModelFileError("this is not a model file (too short, no CNNPLAY header)");
  }
  if (std::memcmp(bytes.data(), kMagic, 8) != 0) throw ModelFileError("this is not a model file (no CNNPLAY header)");
  const auto version = get<std::uint32_t>(bytes, 8);
  if (version != kModelFormatVersion)
    throw ModelFileError("the model file has format version " + std::to_string(version) +
                         "; this engine reads version " + std::to_string(kModelFormatVersion) + hint);
  const auto spec_len = get<std::uint32_t>(bytes, 12);
  if (spec_len > bytes.size() - kHeader - kCounts - kCrc)
    throw ModelFileError("the model file is truncated (its spec runs past the end)" + hint);
  Parsed p;
  p.spec.assign(reinterpret_cast<const char*>(bytes.data()) + kHeader, spec_len);
  const std::size_t counts_at = kHeader + spec_len;
  p.param_count = get<std::uint64_t>(bytes, counts_at);
  p.state_count = get<std::uint64_t>(bytes, counts_at + 8);
  const std::size_t available = (bytes.size() - counts_at - kCounts - kCrc) / 4;
  if (p.param_count > available || p.state_count > available - p.param_count ||
      counts_at + kCounts + 4 * (p.param_count + p.state_count) + kCrc != bytes.size())
    throw ModelFileError("the model file is truncated or has extra bytes: it declares " +
                         std::to_string(p.param_count) + " parameters and " + std::to_string(p.state_count) +
                         " state values but is " + std::to_string(bytes.size()) + " bytes" + hint);
  const auto stored_crc = get<std::uint32_t>(bytes, bytes.size() - kCrc);
  if (crc32(bytes.first(bytes.size() - kCrc)) != stored_crc)
    throw ModelFileError("the model file is corrupt: its checksum does not match" + hint);
  p.params_at = counts_at + kCounts;
  p.state_at = p.params_at + 4 * p.param_count;
  for (std::size_t i = 0; i < p.param_count + p.state_count; ++i)
    if (!std::isfinite(get<float>(bytes, p.params_at + 4 * i)))
      throw ModelFileError("the model file holds non-finite weights (NaN or infinity)");
  return p;
}

void check_counts(const Network& net, const Parsed& p) {
  if (p.param_count != net.params().size() || p.state_count != net.state().size())
    throw ModelFileError("the model file's weights do not fit its own network: " + std::to_string(p.param_count) +
                         " parameters stored, the spec needs " + std::to_string(net.params().size()));
}

void apply(Network& net, std::span<const std::uint8_t> bytes, const Parsed& p) {
  // memcpy with a null pointer is undefined even for 0 bytes, and a network
  // without batch norm has an empty (null) state arena.
  if (p.param_count) std::memcpy(net.params().data(), bytes.data() + p.params_at, 4 * p.param_count);
  if (p.state_count) std::memcpy(net.state().data(), bytes.data() + p.state_at, 4 * p.state_count);
  net.zero_grads();
}

}  // namespace

std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::uint8_t b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::vector<std::uint8_t> save_model(const Network& net) {
  std::vector<std::uint8_t> out(kMagic, kMagic + 8);
  put<std::uint32_t>(out, kModelFormatVersion);
  put<std::uint32_t>(out, std::uint32_t(net.spec().size()));
  out.insert(out.end(), net.spec().begin(), net.spec().end());
  put<std::uint64_t>(out, net.params().size());
  put<std::uint64_t>(out, net.state().size());
  put_floats(out, net.params());
  put_floats(out, net.state());
  put<std::uint32_t>(out, crc32(out));
  return out;
}

std::unique_ptr<Network> load_model(std::span<const std::uint8_t> bytes, int max_batch) {
  const Parsed p = parse(bytes);
  std::unique_ptr<Network> net;
  try {
    net = std::make_unique<Network>(p.spec, max_batch);
  } catch (const SpecError& e) {
    throw ModelFileError(std::string("the model file's network spec is invalid: ") + e.what());
  }
  check_counts(*net, p);
  apply(*net, bytes, p);
  return net;
}

void load_model_into(Network& net, std::span<const std::uint8_t> bytes) {
  const Parsed p = parse(bytes);
  if (p.spec != net.spec())
    throw ModelFileError("the model file is for a different network:\n" + p.spec + "this network is:\n" + net.spec());
  check_counts(net, p);
  apply(net, bytes, p);
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelFileError("cannot open '" + path + "'");
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, std::span<const std::uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!out) throw ModelFileError("cannot write '" + path + "'");
}

}  // namespace cnn
