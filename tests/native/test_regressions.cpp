// Regression tests for bugs found by the sanitizer build and the fuzzers
// (tests/fuzz/). Each case names what broke and how it was found; the input
// that triggered it is kept here, small, so the bug cannot come back quietly.
#include <doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "dataset.h"
#include "model_file.h"
#include "network.h"
#include "trainer.h"

TEST_CASE("regression: loading a model without batch norm copies no state through a null pointer") {
  // Found by UBSan: apply() called memcpy(state().data() == nullptr, ..., 0),
  // undefined behaviour even for zero bytes. LeNet-5 has no running statistics.
  cnn::Network net("lenet5");
  REQUIRE(net.state().empty());
  net.init(7);
  const auto bytes = cnn::save_model(net);
  auto loaded = cnn::load_model(bytes);
  CHECK(std::equal(loaded->params().begin(), loaded->params().end(), net.params().begin()));
  cnn::Network other("lenet5");
  cnn::load_model_into(other, bytes);
  CHECK(std::equal(other.params().begin(), other.params().end(), net.params().begin()));
}

TEST_CASE("regression: a tiny spec cannot make the engine allocate gigabytes") {
  // Found writing fuzz_spec: one line asked for terabytes (weights, activations or
  // im2col columns); on wasm32 the size_t products also wrapped, so the arena
  // came out small and forward() ran off its end. Now a SpecError names the
  // layer before anything is allocated.
  const char* huge[] = {
      "input 64x1024x1024\nconv 4096 k=1",   // output 2^32 values: wraps a 32-bit size_t to 0
      "input 64x256x256\ndense 65536",       // 2^38 weights
      "input 1x64x64\nconv 4096 k=64 p=32",  // 2^24 weights, 2^24 im2col values per image
      "input 64x1024x1024\nrelu",            // 2^26 per sample × 64: activations alone
      "input 1x28x28\nconv 4096 k=1\nconv 4096 k=1\nflatten\ndense 65536",
  };
  for (const char* spec : huge) {
    CAPTURE(spec);
    CHECK_THROWS_AS(cnn::Network(spec, 64), cnn::SpecError);
  }
  // Found by fuzz_spec (an out-of-memory at 3 GB): at batch 1 a convolution
  // still reserves buffers for a group of 4 images (~8 images' columns),
  // which the per-sample budget did not count. Now they are counted once.
  CHECK_THROWS_AS(cnn::Network("input 9x271x821\nconv 1 k=5", 1), cnn::SpecError);
  CHECK_THROWS_AS(cnn::Network("input 9x271x821\nresidual\nconv 9 k=5 p=2\nend", 1), cnn::SpecError);
  // The message says what to change.
  CHECK_THROWS_WITH(cnn::Network("input 64x1024x1024\nrelu", 64), doctest::Contains("smaller batch"));
  // The presets still fit at the page's batch sizes; resnet-mini at 1024 does not.
  for (const auto& p : cnn::presets()) {
    CAPTURE(p.name);
    CHECK_NOTHROW(cnn::Network(p.name, 256));
  }
  CHECK_THROWS_AS(cnn::Network("resnet-mini", 1024), cnn::SpecError);
}

namespace {

// A PNG by hand: signature, then chunks of (length, type, data, CRC). The
// CRCs are left zero: stb_image does not check them, and neither do these tests.
struct PngBuilder {
  std::vector<std::uint8_t> bytes = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  static void be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(std::uint8_t(v >> s));
  }
  PngBuilder& chunk(const char* type, const std::vector<std::uint8_t>& data, std::uint32_t declared_length) {
    be32(bytes, declared_length);
    bytes.insert(bytes.end(), type, type + 4);
    bytes.insert(bytes.end(), data.begin(), data.end());
    be32(bytes, 0);
    return *this;
  }
  PngBuilder& chunk(const char* type, const std::vector<std::uint8_t>& data) {
    return chunk(type, data, std::uint32_t(data.size()));
  }
  PngBuilder& header(std::uint32_t w, std::uint32_t h) {  // 8-bit grayscale
    std::vector<std::uint8_t> d;
    be32(d, w);
    be32(d, h);
    d.insert(d.end(), {8, 0, 0, 0, 0});
    return chunk("IHDR", d);
  }
};

const std::vector<std::uint8_t> kOneLabel = {0, 0, 8, 1, 0, 0, 0, 1, 7};  // IDX1: one label, 7

}  // namespace

TEST_CASE("regression: a tiny PNG cannot make the data-set decoder allocate gigabytes") {
  // Found by fuzz_dataset (a 1-second timeout in memset): stb_image trusts an
  // IDAT chunk's declared length and reallocs for it before reading, and
  // decodes whatever size the header declares. decode_dataset now walks the
  // chunks and checks the header's size against the labels before decoding.
  const std::vector<std::uint8_t> zlib_empty = {0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01};
  auto idat_too_long = PngBuilder().header(28, 28).chunk("IDAT", zlib_empty, 0x7FFFFFF0u).chunk("IEND", {}).bytes;
  CHECK_THROWS_WITH_AS(cnn::decode_dataset(idat_too_long, kOneLabel), doctest::Contains("runs past the end"),
                       cnn::DatasetError);
  auto huge_header = PngBuilder().header(30000, 30000).chunk("IDAT", zlib_empty).chunk("IEND", {}).bytes;
  CHECK_THROWS_WITH_AS(cnn::decode_dataset(huge_header, kOneLabel), doctest::Contains("30000x30000"),
                       cnn::DatasetError);
  auto no_end = PngBuilder().header(28, 28).chunk("IDAT", zlib_empty).bytes;
  CHECK_THROWS_WITH_AS(cnn::decode_dataset(no_end, kOneLabel), doctest::Contains("IEND"), cnn::DatasetError);
  CHECK_THROWS_AS(cnn::decode_dataset(std::vector<std::uint8_t>{1, 2, 3}, kOneLabel), cnn::DatasetError);

  // The same builder with an honest IDAT decodes: the checks refuse nothing valid.
  // zlib stream, one stored block: 28 rows of (filter byte 0 + 28 zero pixels).
  const std::uint16_t raw = 28 * 29;
  std::vector<std::uint8_t> stored = {
      0x78, 0x01, 0x01, std::uint8_t(raw), std::uint8_t(raw >> 8), std::uint8_t(~raw), std::uint8_t(~raw >> 8)};
  stored.resize(stored.size() + raw, 0);
  PngBuilder::be32(stored, std::uint32_t(raw) << 16 | 1);  // Adler-32 of zeros: a = 1, b = count
  auto valid = PngBuilder().header(28, 28).chunk("IDAT", stored).chunk("IEND", {}).bytes;
  const cnn::Dataset d = cnn::decode_dataset(valid, kOneLabel);
  REQUIRE(d.count() == 1);
  CHECK(d.labels[0] == 7);
  CHECK(std::all_of(d.pixels.begin(), d.pixels.end(), [](std::uint8_t p) { return p == 0; }));
}

TEST_CASE("regression: an absurd learning rate is caught in the step that applies it, for every optimiser") {
  // Found preparing the divergence test of tests/node/boundary.test.mjs: at a rate of
  // 1e3 (the page's maximum) the weights became huge but finite, so the step
  // reported nothing; SGD went non-finite two steps later and Adam and RMSprop
  // never did (loss 1e19, "training" on). Trainer::step now also treats a
  // tenfold jump of the weights' norm as divergence.
  cnn::Rng rng(5);
  std::vector<float> images(40 * 64);
  std::vector<std::uint8_t> labels(40);
  for (auto& p : images) p = rng.uniform();
  for (auto& l : labels) l = std::uint8_t(rng.below(4));
  const cnn::Dataset data = cnn::dataset_from_floats(images, labels, {1, 8, 8}, 4);
  for (auto kind : {cnn::OptimizerKind::Sgd, cnn::OptimizerKind::RmsProp, cnn::OptimizerKind::Adam}) {
    CAPTURE(cnn::optimizer_name(kind));
    cnn::Network net("input 1x8x8\nconv 4 k=3\nbatchnorm\nrelu\nmaxpool 2\ndense 8\nrelu\ndense 4", 8);
    cnn::TrainOptions o;
    o.optimizer.kind = kind;
    o.optimizer.learning_rate = kind == cnn::OptimizerKind::Sgd ? 0.01f : 0.001f;
    o.batch_size = 8;
    cnn::Trainer trainer(net, data, o);
    for (int i = 0; i < 50; ++i) REQUIRE_FALSE(trainer.step().diverged);  // the 50th step takes a snapshot
    const std::vector<float> snapshot(net.params().begin(), net.params().end());
    const std::vector<float> state(net.state().begin(), net.state().end());
    for (int i = 0; i < 3; ++i) REQUIRE_FALSE(trainer.step().diverged);

    cnn::TrainOptions absurd = o;
    absurd.optimizer.learning_rate = 1e3f;
    trainer.set_options(absurd);
    CHECK(trainer.step().diverged);
    CHECK(std::equal(snapshot.begin(), snapshot.end(), net.params().begin()));
    CHECK(std::equal(state.begin(), state.end(), net.state().begin()));

    trainer.set_options(o);  // back at a sane rate, training goes on
    for (int i = 0; i < 5; ++i) {
      const cnn::StepResult r = trainer.step();
      CHECK_FALSE(r.diverged);
      CHECK(std::isfinite(r.loss));
    }
  }
}

TEST_CASE("regression: evaluate() refuses data that does not fit the network instead of overrunning its buffer") {
  // Found writing tests/node/boundary.test.mjs (evaluate with a Data of other
  // images), confirmed under ASan: evaluate() copied each image at the
  // network's stride, so larger images overran the batch buffer (a heap
  // overflow, silent in wasm), and labels ≥ the network's outputs made the
  // loss read past a row of logits. The Trainer checked both; evaluate() now does.
  cnn::Network lenet("lenet5", 8);
  const std::vector<float> rgb(3 * 32 * 32 * 10, 0.5f);
  const cnn::Dataset cifar_like = cnn::dataset_from_floats(rgb, std::vector<std::uint8_t>(10, 1), {3, 32, 32}, 10);
  CHECK_THROWS_WITH_AS(cnn::evaluate(lenet, cifar_like), doctest::Contains("3x32x32"), std::invalid_argument);

  cnn::Network four("input 1x28x28\ndense 4", 8);
  const std::vector<float> digits(784 * 3, 0.5f);
  const cnn::Dataset ten_classes =
      cnn::dataset_from_floats(digits, std::vector<std::uint8_t>{9, 9, 9}, {1, 28, 28}, 10);
  CHECK_THROWS_WITH_AS(cnn::evaluate(four, ten_classes), doctest::Contains("4 outputs for 10 classes"),
                       std::invalid_argument);
  CHECK(cnn::evaluate(lenet, ten_classes).count == 3);  // what fits is still evaluated
}
