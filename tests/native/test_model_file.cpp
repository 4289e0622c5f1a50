// The model file: the layout its header documents, save → load round trips
// for every preset, and refusal (never a crash, never a half-load) of empty,
// truncated, corrupted, foreign, future-version, mismatched and NaN files.
#include <doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "gradcheck.h"
#include "model_file.h"
#include "network.h"

namespace {

using Bytes = std::vector<std::uint8_t>;

template <typename T>
void put(Bytes& out, T v) {
  std::uint8_t b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.insert(out.end(), b, b + sizeof(T));
}

// A model file written from the format description in model_file.h, not by
// the engine: magic, version, spec length, spec, counts, floats, CRC-32.
Bytes craft(const std::string& spec, const std::vector<float>& params, const std::vector<float>& state,
            std::uint32_t version = 1) {
  Bytes out = {'C', 'N', 'N', 'P', 'L', 'A', 'Y', 0};
  put<std::uint32_t>(out, version);
  put<std::uint32_t>(out, std::uint32_t(spec.size()));
  out.insert(out.end(), spec.begin(), spec.end());
  put<std::uint64_t>(out, params.size());
  put<std::uint64_t>(out, state.size());
  for (float v : params) put(out, v);
  for (float v : state) put(out, v);
  put<std::uint32_t>(out, cnn::crc32(out));
  return out;
}

void fix_crc(Bytes& b) {
  const std::uint32_t crc = cnn::crc32(std::span(b).first(b.size() - 4));
  std::memcpy(b.data() + b.size() - 4, &crc, 4);
}

std::vector<float> copy(std::span<const float> s) { return {s.begin(), s.end()}; }

// A small network with batch-norm state, trained a little so that neither
// its weights nor its running statistics are the defaults.
struct Model {
  cnn::Network net;
  explicit Model(const std::string& spec, int max_batch = 4) : net(spec, max_batch) {
    net.init(5);
    cnn::Rng rng(6);
    std::vector<float> x(std::size_t(max_batch) * net.input_shape().size());
    for (int pass = 0; pass < 3; ++pass) {
      gradcheck::fill_uniform(rng, x, 0, 1);
      net.forward(x.data(), max_batch, cnn::Mode::Train);
    }
  }
};

const char* kSmall = "input 1x5x5\nconv 2 k=3\nbatchnorm\nrelu\ndense 3";

std::string load_error(const Bytes& b) {
  try {
    cnn::load_model(b);
  } catch (const cnn::ModelFileError& e) {
    return e.what();
  }
  return "(loaded)";
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the file layout is the one model_file.h documents") {
  Model m(kSmall);
  const Bytes saved = cnn::save_model(m.net);
  CHECK(saved == craft(m.net.spec(), copy(m.net.params()), copy(m.net.state())));
  // 16 header + spec + 16 counts + 4·(params + state) + 4 CRC
  CHECK(saved.size() == 16 + m.net.spec().size() + 16 + 4 * (m.net.params().size() + m.net.state().size()) + 4);
  // The standard CRC-32 check value.
  const std::string digits = "123456789";
  CHECK(cnn::crc32({reinterpret_cast<const std::uint8_t*>(digits.data()), digits.size()}) == 0xCBF43926u);
}

TEST_CASE("save → load gives identical outputs for every preset, batch-norm state included") {
  for (const auto& preset : cnn::presets()) {
    CAPTURE(preset.name);
    Model m(preset.name);
    const Bytes bytes = cnn::save_model(m.net);
    auto loaded = cnn::load_model(bytes, 4);
    CHECK(loaded->spec() == m.net.spec());
    CHECK(copy(loaded->params()) == copy(m.net.params()));
    CHECK(copy(loaded->state()) == copy(m.net.state()));
    std::vector<float> x(3 * m.net.input_shape().size());
    cnn::Rng rng(8);
    gradcheck::fill_uniform(rng, x, 0, 1);
    const std::size_t out = 3 * m.net.output_shape().size();
    const float* a = m.net.forward(x.data(), 3, cnn::Mode::Infer);
    const std::vector<float> expected(a, a + out);
    const float* b = loaded->forward(x.data(), 3, cnn::Mode::Infer);
    CHECK(std::vector<float>(b, b + out) == expected);  // bit for bit
    // Into an existing network of the same architecture, too.
    cnn::Network target(preset.name, 4);
    cnn::load_model_into(target, bytes);
    const float* c = target.forward(x.data(), 3, cnn::Mode::Infer);
    CHECK(std::vector<float>(c, c + out) == expected);
    CHECK(cnn::save_model(*loaded) == bytes);  // and saving again writes the same file
  }
}

TEST_CASE("an empty or foreign file is not a model file") {
  CHECK(load_error({}) == "this is not a model file (too short, no CNNPLAY header)");
  const Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0,
                     0,    1,   0,   0,   0,    1,    8,    0,    0, 0, 0, 0,  0,   0,   0,   0,   0, 0};
  CHECK(contains(load_error(png), "not a model file (no CNNPLAY header)"));
  Model m(kSmall);
  Bytes wrong_magic = cnn::save_model(m.net);
  wrong_magic[3] = 'X';
  fix_crc(wrong_magic);
  CHECK(contains(load_error(wrong_magic), "not a model file"));
}

TEST_CASE("a file cut short at any length is refused") {
  Model m(kSmall);
  const Bytes full = cnn::save_model(m.net);
  REQUIRE(full.size() > 100);
  for (std::size_t len = 0; len < full.size(); ++len) {
    CAPTURE(len);
    const std::string e = load_error(Bytes(full.begin(), full.begin() + std::ptrdiff_t(len)));
    CHECK((contains(e, "truncated") || contains(e, "not a model file")));
  }
  Bytes longer = full;
  longer.push_back(0);
  CHECK(contains(load_error(longer), "extra bytes"));
}

TEST_CASE("one changed byte anywhere is refused, and says where the damage is") {
  Model m(kSmall);
  const Bytes good = cnn::save_model(m.net);
  const std::size_t spec_end = 16 + m.net.spec().size(), counts_end = spec_end + 16;
  cnn::Network target(kSmall, 4);
  const auto params = copy(target.params()), state = copy(target.state());
  for (std::size_t i = 0; i < good.size(); ++i)
    for (std::uint8_t flip : {0x01, 0x80, 0xFF}) {
      CAPTURE(i);
      CAPTURE(int(flip));
      Bytes bad = good;
      bad[i] ^= flip;
      const std::string e = load_error(bad);
      if (i < 8)
        CHECK(contains(e, "not a model file"));
      else if (i < 12)
        CHECK(contains(e, "format version"));
      else if (i < 16 || (i >= spec_end && i < counts_end))
        CHECK(contains(e, "truncated"));  // the lengths no longer add up
      else
        CHECK(contains(e, "checksum"));  // spec text, weights, state, the CRC itself
      CHECK_THROWS_AS(cnn::load_model_into(target, bad), cnn::ModelFileError);
    }
  CHECK(copy(target.params()) == params);  // none of the bad files touched it
  CHECK(copy(target.state()) == state);
}

TEST_CASE("another format version is refused with a hint") {
  Model m(kSmall);
  for (std::uint32_t version : {0u, 2u, 0xFFFFFFFFu}) {
    CAPTURE(version);
    const std::string e = load_error(craft(m.net.spec(), copy(m.net.params()), copy(m.net.state()), version));
    CHECK(contains(e, ("format version " + std::to_string(version) + "; this engine reads version 1").c_str()));
    CHECK(contains(e, "HINT"));
  }
}

TEST_CASE("load_model_into refuses another architecture and leaves the network as it was") {
  Model lenet("lenet5");
  const Bytes bytes = cnn::save_model(lenet.net);
  for (const char* other : {"mlp", "lenet5-dropout", "lenet5-bn"}) {
    CAPTURE(other);
    Model target(other);
    const auto params = copy(target.net.params()), state = copy(target.net.state());
    CHECK_THROWS_WITH_AS(cnn::load_model_into(target.net, bytes), doctest::Contains("for a different network"),
                         cnn::ModelFileError);
    CHECK(copy(target.net.params()) == params);
    CHECK(copy(target.net.state()) == state);
  }
}

TEST_CASE("non-finite weights or state are refused") {
  Model m(kSmall);
  const float bad_values[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity()};
  for (float bad : bad_values) {
    auto params = copy(m.net.params()), state = copy(m.net.state());
    params[params.size() / 2] = bad;
    CHECK(contains(load_error(craft(m.net.spec(), params, state)), "non-finite weights"));
    params = copy(m.net.params());
    state.back() = bad;
    CHECK(contains(load_error(craft(m.net.spec(), params, state)), "non-finite weights"));
  }
}

TEST_CASE("a file whose spec is invalid or does not match its weights is refused") {
  Model m(kSmall);
  const auto params = copy(m.net.params()), state = copy(m.net.state());
  CHECK(contains(load_error(craft("input 1x5x5\nfoo 3", params, state)), "network spec is invalid"));
  CHECK(contains(load_error(craft("", params, state)), "network spec is invalid"));
  auto fewer = params;
  fewer.pop_back();
  CHECK(contains(load_error(craft(m.net.spec(), fewer, state)), "do not fit its own network"));
  CHECK(contains(load_error(craft(m.net.spec(), params, {})), "do not fit its own network"));
  // The crafted writer and the engine agree on a good file.
  CHECK(cnn::load_model(craft(m.net.spec(), params, state))->spec() == m.net.spec());
}

TEST_CASE("hostile headers: huge lengths and counts never overflow into a load") {
  Model m(kSmall);
  const Bytes good = cnn::save_model(m.net);
  const std::size_t counts_at = 16 + m.net.spec().size();
  auto with = [&](std::size_t at, std::uint64_t value, int size) {
    Bytes b = good;
    std::memcpy(b.data() + at, &value, size);
    fix_crc(b);
    return load_error(b);
  };
  CHECK(contains(with(12, 0xFFFFFFFFu, 4), "truncated"));  // spec length
  CHECK(contains(with(12, 0, 4), "truncated"));
  for (std::uint64_t count : {std::uint64_t(1) << 62, ~std::uint64_t(0), std::uint64_t(1) << 61}) {
    CAPTURE(count);
    CHECK(contains(with(counts_at, count, 8), "truncated"));      // parameters
    CHECK(contains(with(counts_at + 8, count, 8), "truncated"));  // state
  }
  // Random bytes behind a valid magic and version: refused, whatever they say.
  cnn::Rng rng(99);
  for (int trial = 0; trial < 2000; ++trial) {
    Bytes b(8 + rng.below(200));
    for (auto& v : b) v = std::uint8_t(rng.below(256));
    if (trial % 2 && b.size() >= 12) {
      std::memcpy(b.data(), good.data(), 12);
      if (trial % 4 == 1 && b.size() > 16) std::memcpy(b.data() + 12, good.data() + 12, 4);
    }
    CHECK_THROWS_AS(cnn::load_model(b), cnn::ModelFileError);
  }
}

TEST_CASE("model files on disk: write, read back, and a missing file") {
  Model m(kSmall);
  const Bytes bytes = cnn::save_model(m.net);
  const std::string path = "/tmp/cnn-test-model-" + std::to_string(bytes.size()) + ".cnn";
  cnn::write_file(path, bytes);
  CHECK(cnn::read_file(path) == bytes);
  std::remove(path.c_str());
  CHECK_THROWS_WITH_AS(cnn::read_file(path), doctest::Contains("cannot open"), cnn::ModelFileError);
}
