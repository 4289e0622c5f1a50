// "Nothing is allocated per step": activations, masks, im2col columns and
// kernel scratch are sized when the network is built (or on the first pass),
// so a training step never touches the heap. Counted by replacing the global
// operator new for this test binary; counting is off except around the
// engine calls under test.
#include <doctest.h>

#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "dataset.h"
#include "network.h"
#include "trainer.h"

namespace {
bool counting = false;
long allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

template <typename F>
long count_allocations(F&& f) {
  allocations = 0;
  counting = true;
  f();
  counting = false;
  return allocations;
}

}  // namespace

TEST_CASE("forward and backward allocate nothing once the network is built") {
  for (const auto& preset : cnn::presets()) {
    CAPTURE(preset.name);
    cnn::Network net(preset.name, 8);
    std::vector<float> x(8 * net.input_shape().size(), 0.5f), dy(8 * net.output_shape().size(), 0.1f);
    auto step = [&] {
      net.forward(x.data(), 8, cnn::Mode::Train);
      net.zero_grads();
      net.backward(x.data(), dy.data(), 8);
      net.forward(x.data(), 3, cnn::Mode::Infer);
    };
    step();  // the first pass may size the shared kernel scratch
    CHECK(count_allocations(step) == 0);
  }
}

TEST_CASE("a training step allocates nothing after the first") {
  cnn::Dataset data;
  data.shape = {1, 28, 28};
  data.pixels.assign(40 * 784, 0);
  for (int i = 0; i < 40; ++i) {
    data.labels.push_back(std::uint8_t(i % 10));
    data.pixels[i * 784 + i * 7] = 255;
  }
  for (std::string preset : {"lenet5", "lenet5-dropout", "lenet5-bn"}) {
    CAPTURE(preset);
    cnn::Network net(preset, 16);
    cnn::TrainOptions o;
    o.batch_size = 16;
    o.optimizer.kind = cnn::OptimizerKind::Adam;
    o.optimizer.weight_decay = 1e-4f;
    cnn::Trainer trainer(net, data, o);
    trainer.step();
    CHECK(count_allocations([&] {
            for (int i = 0; i < 5; ++i) trainer.step();  // crosses an epoch: reshuffles too
          }) == 0);
  }
}
