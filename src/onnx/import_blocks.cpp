// The importer's graph walk: a chain of operators, and where a tensor is read
// by several nodes, a block — residual (paths meeting in an Add: a body, and
// the input itself or a 1×1 Conv of it, possibly times λ) or concat (paths
// meeting in a Concat along the channels). Blocks nest, also at one tensor
// (a branch that opens with a residual block).
#include <optional>

#include "../layers/format.h"
#include "import.h"

namespace cnn::onnx {

constexpr int kMaxDepth = 8;  // as the spec language nests blocks

Cur Importer::walk(Cur x, std::vector<std::string>& lines, int depth) {
  for (;;) {
    const auto next = users(x.name);
    if (next.empty()) {
      if (x.name != output_) throw OnnxError("tensor '" + x.name + "' leads nowhere: it is not the graph's output");
      return x;
    }
    if (x.name == output_) throw OnnxError("the graph's output '" + output_ + "' is also read by " + next[0]->label());
    if (next.size() == 1 && is_join(*next[0])) {
      if (depth == 0) throw OnnxError(next[0]->label() + " joins tensors that do not come from one fork");
      return x;
    }
    if (next.size() == 1) {
      x = step(*next[0], x, lines);
      continue;
    }
    int b = budget();
    const Node* join = meeting(x.name, b);
    if (!join)
      throw OnnxError("tensor '" + x.name + "' is read by " + std::to_string(next.size()) +
                      " nodes whose paths do not meet in one Add or Concat");
    x = block(x, *join, next, lines, depth);
  }
}

std::vector<const Node*> Importer::joins_after(const Node* n, int& budget) const {
  std::vector<const Node*> joins;
  while (n && budget-- > 0) {
    if (is_join(*n)) joins.push_back(n);
    const auto next = users(n->outputs[0]);
    n = next.empty() ? nullptr : next.size() == 1 ? next[0] : meeting(n->outputs[0], budget);
  }
  return joins;
}

const Node* Importer::meeting(const std::string& tensor, int& budget) const {
  // Forks inside forks recurse: bounded, so a hostile graph cannot exhaust the stack.
  struct Level {
    int& depth;
    explicit Level(int& d) : depth(++d) {}
    ~Level() { --depth; }
  } level(search_depth_);
  if (search_depth_ > 4 * kMaxDepth) return nullptr;
  std::vector<std::vector<const Node*>> paths;
  for (const Node* u : users(tensor)) paths.push_back(joins_after(u, budget));
  if (paths.empty()) return nullptr;
  for (const Node* j : paths[0])
    if (std::all_of(paths.begin(), paths.end(), [&](auto& p) { return std::find(p.begin(), p.end(), j) != p.end(); }))
      return j;
  return nullptr;
}

std::vector<Importer::Group> Importer::groups(const std::vector<const Node*>& members, const Node& join) const {
  std::vector<Group> out;
  int b = budget();
  for (const Node* u : members) {
    if (u == &join) continue;  // an identity path
    const auto joins = joins_after(u, b);
    const Node* first = joins.empty() || joins[0] == &join ? nullptr : joins[0];
    auto g = std::find_if(out.begin(), out.end(), [&](const Group& g) { return first && g.join == first; });
    if (g != out.end())
      g->nodes.push_back(u);
    else
      out.push_back({{u}, first});
  }
  for (auto& g : out)
    if (g.nodes.size() == 1) g.join = nullptr;  // one path: a chain (that may open a block later)
  return out;
}

Cur Importer::branch(Cur x, const Group& g, std::vector<std::string>& lines, int depth) {
  const Cur y = g.join ? block(x, *g.join, g.nodes, lines, depth) : step(*g.nodes[0], x, lines);
  return walk(y, lines, depth);
}

Cur Importer::block(Cur x, const Node& join, const std::vector<const Node*>& members, std::vector<std::string>& lines,
                    int depth) {
  if (depth >= kMaxDepth) throw OnnxError("blocks nest more than " + std::to_string(kMaxDepth) + " deep");
  if (x.channels_last) throw OnnxError("tensor '" + x.name + "': blocks on NHWC tensors are not supported");
  return join.op_type == "Add" ? residual(x, join, members, lines, depth) : concat(x, join, members, lines, depth);
}

namespace {

// One Add input traced back to the block's input: x itself, or a 1×1 Conv
// of it (the projection), either possibly times a constant λ.
struct Shortcut {
  const Node* conv = nullptr;
  const Node* mul = nullptr;
  float scale = 1;
};

}  // namespace

Cur Importer::residual(Cur x, const Node& join, const std::vector<const Node*>& members,
                       std::vector<std::string>& lines, int depth) {
  auto trace = [&](const std::string& t) -> std::optional<Shortcut> {
    Shortcut s;
    std::string cur = t;
    const Node* p = producer(cur);
    if (p && p->op_type == "Mul" && p->inputs.size() == 2 && users(p->outputs[0]).size() == 1) {
      const int c = constant(p->inputs[1]) ? 1 : 0;
      const Tensor* k = constant(p->inputs[c]);
      if (!k || k->floats.size() != 1) return std::nullopt;
      s.mul = p, s.scale = k->floats[0], cur = p->inputs[1 - c];
      p = producer(cur);
    }
    if (cur == x.name) return s;
    if (p && p->op_type == "Conv" && !p->inputs.empty() && p->inputs[0] == x.name && users(cur).size() == 1 &&
        p->get_ints("kernel_shape") == std::vector<std::int64_t>{1, 1}) {
      s.conv = p;
      return s;
    }
    return std::nullopt;
  };
  std::size_t body_side = 0;
  auto shortcut = trace(join.inputs[1]);  // Add(body, shortcut), as this exporter and PyTorch's write it
  if (!shortcut) shortcut = trace(join.inputs[0]), body_side = 1;
  if (!shortcut) throw OnnxError(join.label() + ": neither input is the block's input or a 1×1 projection of it");
  const Node* shortcut_start = shortcut->conv ? shortcut->conv : shortcut->mul ? shortcut->mul : &join;
  std::vector<const Node*> body_members;
  for (const Node* m : members)
    if (m != shortcut_start) body_members.push_back(m);
  const auto body_groups = groups(body_members, join);
  if (body_groups.size() != 1) throw OnnxError(join.label() + ": a residual block needs one body of layers");

  std::vector<std::string> body;
  const Cur y = branch(x, body_groups[0], body, depth + 1);
  if (users(y.name).size() != 1 || users(y.name)[0] != &join || join.inputs[body_side] != y.name)
    throw OnnxError(join.label() + ": the residual body does not end in the block's Add");
  consume(join);
  if (shortcut->mul) consume(*shortcut->mul);
  const Shape in = x.shape(), out = y.shape();
  if (shortcut->conv) {
    const Node& proj = *shortcut->conv;
    if (in == out) throw OnnxError(proj.label() + ": a projection shortcut that keeps the shape is not supported");
    const auto strides = proj.get_ints("strides");
    const std::int64_t f = out.h ? in.h / out.h : 0;
    const bool fits = out.h && out.w && in.h % out.h == 0 && in.w % out.w == 0 && in.w / out.w == f &&
                      (strides == std::vector<std::int64_t>{f, f} || (f == 1 && strides.empty()));
    const auto pads = proj.get_ints("pads");
    if (!fits || std::any_of(pads.begin(), pads.end(), [](auto p) { return p != 0; }))
      throw OnnxError(proj.label() + ": the shortcut must be a 1×1 convolution with the block's stride");
    consume(proj);
    std::vector<std::string> unused;
    if (conv(proj, x, unused).dims != y.dims)  // appends its weights after the body's
      throw OnnxError(join.label() + ": the shortcut's shape differs from the body's");
  } else if (!(in == out)) {
    throw OnnxError(join.label() + ": the block changes the shape " + in.str() + " -> " + out.str() +
                    " but its shortcut has no 1×1 projection");
  }
  lines.push_back(shortcut->scale == 1 ? "residual" : "residual scale=" + format_option(shortcut->scale));
  for (auto& l : body) lines.push_back("  " + l);
  lines.push_back("end");
  return {join.outputs[0], y.dims, false, {0, 0, 0}};
}

Cur Importer::concat(Cur x, const Node& join, const std::vector<const Node*>& members, std::vector<std::string>& lines,
                     int depth) {
  const std::int64_t axis = join.get_int("axis", 1);
  if (axis != 1 && axis != -std::int64_t(x.dims.size() + 1))
    throw OnnxError(join.label() + ": only a Concat along the channels (axis 1) is supported");
  // Each branch walked on its own, its weights set aside: the engine keeps
  // them in the Concat's input order, which need not be the walk's.
  struct Branch {
    std::string end;
    std::vector<std::int64_t> dims;
    std::vector<std::string> lines;
    std::vector<float> params, state;
    bool used = false;
  };
  std::vector<Branch> branches;
  for (const Group& g : groups(members, join)) {
    Branch b;
    const std::size_t p0 = params_.size(), s0 = state_.size();
    const Cur y = branch(x, g, b.lines, depth + 1);
    if (users(y.name).size() != 1 || users(y.name)[0] != &join)
      throw OnnxError(join.label() + ": a branch does not end in the block's Concat");
    b.end = y.name;
    b.dims = y.dims;
    b.params.assign(params_.begin() + std::ptrdiff_t(p0), params_.end());
    b.state.assign(state_.begin() + std::ptrdiff_t(s0), state_.end());
    params_.resize(p0), state_.resize(s0);
    branches.push_back(std::move(b));
  }
  consume(join);
  std::vector<std::int64_t> dims;
  lines.push_back("concat");
  for (const std::string& in : join.inputs) {
    lines.push_back("  branch");
    std::vector<std::int64_t> part = x.dims;
    if (in != x.name) {
      auto b = std::find_if(branches.begin(), branches.end(), [&](auto& b) { return b.end == in && !b.used; });
      if (b == branches.end())
        throw OnnxError(join.label() + ": input '" + in + "' is not one of the block's branches");
      b->used = true;
      part = b->dims;
      for (auto& l : b->lines) lines.push_back("    " + l);
      params_.insert(params_.end(), b->params.begin(), b->params.end());
      state_.insert(state_.end(), b->state.begin(), b->state.end());
    }
    // Stacked along the channels: the same rank, height and width in every branch.
    if (dims.empty()) {
      dims = part;
    } else if (part.size() != dims.size() || !std::equal(part.begin() + 1, part.end(), dims.begin() + 1)) {
      throw OnnxError(join.label() + ": the branches differ in height or width");
    } else {
      dims[0] += part[0];
    }
  }
  if (std::any_of(branches.begin(), branches.end(), [](auto& b) { return !b.used; }))
    throw OnnxError(join.label() + ": a branch of the block is not among its inputs");
  lines.push_back("end");
  return {join.outputs[0], dims, false, {0, 0, 0}};
}

}  // namespace cnn::onnx
