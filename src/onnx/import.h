// The importer's parts (import.cpp walks the graph, import_ops.cpp turns
// one operator into spec lines and weights).
#pragma once
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../shape.h"
#include "model.h"
#include "onnx.h"

namespace cnn::onnx {

// The tensor the walk has reached. dims: its ONNX dims after the batch;
// channels_last: they are (H, W, C), or the flattening of such a tensor
// (then hwc is the shape that was flattened, so a dense layer's weights can
// be reordered to the engine's C, H, W order).
struct Cur {
  std::string name;
  std::vector<std::int64_t> dims;
  bool channels_last = false;
  Shape hwc{0, 0, 0};
  Shape shape() const;  // as the engine sees it (C, H, W)
  bool flat() const { return dims.size() == 1; }
};

class Importer {
 public:
  explicit Importer(const Model& m);
  Imported run();

 private:
  // Follows the chain from x until the graph output or the join (Add or
  // Concat) that closes the block it is in (depth > 0). import_blocks.cpp.
  Cur walk(Cur x, std::vector<std::string>& lines, int depth);
  // The users of a block's input that start each of its paths; a group of
  // several opens a nested block at the same tensor (its join given).
  struct Group {
    std::vector<const Node*> nodes;
    const Node* join = nullptr;
  };
  std::vector<Group> groups(const std::vector<const Node*>& members, const Node& join) const;
  Cur branch(Cur x, const Group& g, std::vector<std::string>& lines, int depth);
  Cur block(Cur x, const Node& join, const std::vector<const Node*>& members, std::vector<std::string>& lines,
            int depth);
  Cur residual(Cur x, const Node& join, const std::vector<const Node*>& members, std::vector<std::string>& lines,
               int depth);
  Cur concat(Cur x, const Node& join, const std::vector<const Node*>& members, std::vector<std::string>& lines,
             int depth);
  // Where the paths from tensor meet again, or null; the joins a path from
  // node n passes, in order (nested blocks stepped over).
  const Node* meeting(const std::string& tensor, int& budget) const;
  std::vector<const Node*> joins_after(const Node* n, int& budget) const;
  int budget() const { return std::max(1 << 16, 64 * int(m_.graph.nodes.size())); }
  Cur step(const Node& n, Cur x, std::vector<std::string>& lines);
  std::vector<const Node*> users(const std::string& tensor) const;
  const Node* producer(const std::string& tensor) const;
  bool is_join(const Node& n) const;  // Add or Concat of computed tensors
  // The operators with weights or shapes (import_ops.cpp).
  Cur conv(const Node& n, Cur x, std::vector<std::string>& lines);
  Cur pool(const Node& n, Cur x, std::vector<std::string>& lines);
  Cur dense(const Node& n, Cur x, std::vector<float> w_oi, std::vector<float> bias, std::vector<std::string>& lines);
  Cur gemm(const Node& n, Cur x, std::vector<std::string>& lines);
  Cur matmul(const Node& n, Cur x, std::vector<std::string>& lines);
  Cur batchnorm(const Node& n, Cur x, std::vector<std::string>& lines);
  Cur reshape(const Node& n, Cur x, std::vector<std::string>& lines);
  Cur transpose(const Node& n, Cur x);
  // The single node reading tensor, or null.
  const Node* sole_user(const std::string& tensor) const;
  const Tensor* constant(const std::string& name) const;
  const Tensor& need_constant(const Node& n, std::size_t input) const;
  void consume(const Node& n);
  // Nothing emitted yet: a Reshape or Transpose still only says what the input is.
  bool at_input() const { return !started_; }

  const Model& m_;
  std::map<std::string, const Tensor*> constants_;
  std::vector<Tensor> constant_nodes_;  // Constant nodes' values, owned here
  std::map<std::string, std::vector<const Node*>> users_;
  std::map<std::string, const Node*> producers_;
  std::set<const Node*> done_;
  std::string output_;
  bool softmax_ = false;
  bool started_ = false;
  mutable int search_depth_ = 0;  // meeting()'s recursion
  Shape input_shape_{0, 0, 0};
  std::vector<float> params_, state_;
};

}  // namespace cnn::onnx
