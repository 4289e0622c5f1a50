#include "transfer.h"

#include <algorithm>
#include <stdexcept>

#include "layers/dense.h"

namespace cnn {

int head_layer(Network& net) {
  for (int i = net.layer_count() - 1; i >= 0; --i)
    if (dynamic_cast<const Dense*>(&net.layer(i))) return i;
  throw std::invalid_argument("the network has no dense layer to replace with a new head");
}

std::unique_ptr<Network> with_new_head(Network& from, const NewHeadOptions& o) {
  if (o.classes < 1 || o.classes > 4096) throw std::invalid_argument("a new head needs 1..4096 outputs");
  const int head = head_layer(from);
  // The canonical spec rebuilt layer by layer, the head's line resized.
  std::string spec = "input " + from.input_shape().str() + "\n";
  for (int i = 0; i < from.layer_count(); ++i)
    spec += (i == head ? Dense(o.classes).spec() : from.layer(i).spec()) + "\n";
  if (from.loss() != Loss::CrossEntropy) spec += from.loss_line() + "\n";
  auto to = std::make_unique<Network>(spec, o.max_batch);
  to->init(o.seed);
  std::size_t state_offset = 0;
  for (int i = 0; i < from.layer_count(); ++i) {
    const std::size_t states = from.layer(i).state_count();
    if (i != head) {
      const auto src = from.layer_params(i);
      std::copy(src.begin(), src.end(), to->layer_params(i).begin());
      std::copy_n(from.state().begin() + std::ptrdiff_t(state_offset), states,
                  to->state().begin() + std::ptrdiff_t(state_offset));
      to->set_frozen(i, from.layer(i).frozen());
    }
    state_offset += states;
  }
  return to;
}

}  // namespace cnn
