#include "spec.h"

#include <charconv>
#include <cmath>
#include <map>
#include <optional>

#include "layers/activation.h"
#include "layers/batchnorm.h"
#include "layers/concat.h"
#include "layers/conv.h"
#include "layers/deconv.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/format.h"
#include "layers/pool.h"
#include "layers/residual.h"
#include "layers/standardize.h"
#include "layers/upsample.h"

namespace cnn {

namespace {

// One line: a word, optional positional numbers, key=value options.
struct Line {
  int number = 0;
  std::string kind;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
};

// Every error about one line starts with where it is: "line 3 'conv': ...".
[[noreturn]] void fail_at(const Line& line, const std::string& what) {
  throw SpecError("line " + std::to_string(line.number) + " '" + line.kind + "': " + what);
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\r') ++j;
    if (j > i) words.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return words;
}

std::vector<Line> tokenize(std::string_view text) {
  std::vector<Line> lines;
  int number = 1;
  std::size_t start = 0;
  bool in_comment = false;  // a '#' comment runs to the end of the line, ';' included
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] == '#') in_comment = true;
    if (i < text.size() && text[i] != '\n' && (text[i] != ';' || in_comment)) continue;
    in_comment = false;
    std::string_view raw = text.substr(start, i - start);
    if (auto hash = raw.find('#'); hash != std::string_view::npos) raw = raw.substr(0, hash);
    auto words = split_words(raw);
    if (!words.empty()) {
      Line line;
      line.number = number;
      line.kind = words[0];
      for (std::size_t w = 1; w < words.size(); ++w) {
        auto eq = words[w].find('=');
        if (eq == std::string::npos)
          line.positional.push_back(words[w]);
        else if (!line.options.emplace(words[w].substr(0, eq), words[w].substr(eq + 1)).second)
          fail_at(line, "option '" + words[w].substr(0, eq) + "' is given twice");
      }
      lines.push_back(std::move(line));
    }
    if (i < text.size() && text[i] == '\n') ++number;
    start = i + 1;
  }
  return lines;
}

class LineReader {
 public:
  explicit LineReader(const Line& l) : line_(l) {}

  [[noreturn]] void fail(const std::string& what) const { fail_at(line_, what); }

  int integer(const std::string& text, const char* what, int lo, int hi) const {
    int v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size())
      fail(std::string(what) + " '" + text + "' is not a whole number");
    if (v < lo || v > hi)
      fail(std::string(what) + " " + text + " is out of range " + std::to_string(lo) + ".." + std::to_string(hi));
    return v;
  }

  float number(const std::string& text, const char* what) const {
    // from_chars for float is missing in some standard libraries; strtof on a
    // copy, with the whole word consumed.
    char* end = nullptr;
    float v = std::strtof(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(v)) fail(std::string(what) + " '" + text + "' is not a number");
    return v;
  }

  int positional_int(std::size_t i, const char* what, int lo, int hi) const {
    if (i >= line_.positional.size()) fail(std::string("missing ") + what);
    return integer(line_.positional[i], what, lo, hi);
  }

  // The option's text, or nothing when it is not given.
  std::optional<std::string> option_text(const char* key) {
    used_.push_back(key);
    auto it = line_.options.find(key);
    if (it == line_.options.end()) return std::nullopt;
    return it->second;
  }

  float option_float(const char* key, float fallback) {
    used_.push_back(key);
    auto it = line_.options.find(key);
    return it == line_.options.end() ? fallback : number(it->second, key);
  }

  // Unknown options and stray words are mistakes, not things to ignore.
  void finish(std::size_t positional_allowed) const {
    if (line_.positional.size() > positional_allowed) fail("unexpected '" + line_.positional[positional_allowed] + "'");
    for (auto& [key, value] : line_.options) {
      bool known = false;
      for (auto& u : used_) known |= u == key;
      if (!known) fail("unknown option '" + key + "'");
    }
  }

 private:
  const Line& line_;
  std::vector<std::string> used_;
};

constexpr int kMaxSize = 4096;
constexpr int kMaxDepth = 8;  // blocks inside blocks

// A size per axis: "3" (3×3) or "1x3" (height × width).
HW read_hw(const LineReader& r, const std::string& text, const char* what, int lo, int hi) {
  const auto x = text.find('x');
  if (x == std::string::npos) {
    const int v = r.integer(text, what, lo, hi);
    return {v, v};
  }
  return {r.integer(text.substr(0, x), what, lo, hi), r.integer(text.substr(x + 1), what, lo, hi)};
}

// The window options of a conv or pool line: s=, p= (p=same: (K − 1)/2 per axis).
Window read_window(LineReader& r, HW kernel, HW default_stride) {
  Window win{kernel, default_stride, {0, 0}};
  if (auto s = r.option_text("s")) win.stride = read_hw(r, *s, "s", 1, 64);
  if (auto p = r.option_text("p")) {
    if (*p == "same") {
      if (kernel.h % 2 == 0 || kernel.w % 2 == 0)
        r.fail("p=same needs an odd kernel ((K − 1)/2 must be whole), k=" + kernel.str() + " is even");
      win.pad = {(kernel.h - 1) / 2, (kernel.w - 1) / 2};
    } else {
      win.pad = read_hw(r, *p, "p", 0, 63);
    }
  }
  return win;
}

LayerPtr make_layer(const Line& line) {
  LineReader r(line);
  const std::string& k = line.kind;
  LayerPtr layer;
  std::size_t positional = 0;
  if (k == "conv") {
    ConvOptions o;
    o.filters = r.positional_int(0, "filter count", 1, kMaxSize);
    if (auto kernel = r.option_text("k")) o.kernel = read_hw(r, *kernel, "k", 1, 64);
    const Window win = read_window(r, o.kernel, {1, 1});
    o.stride = win.stride;
    o.pad = win.pad;
    layer = std::make_unique<Conv2D>(o);
    positional = 1;
  } else if (k == "maxpool" || k == "avgpool" || k == "l2pool") {
    if (line.positional.empty()) r.fail("missing pool size");
    const HW size = read_hw(r, line.positional[0], "pool size", 1, 64);
    const PoolKind kind = k == "maxpool" ? PoolKind::Max : k == "avgpool" ? PoolKind::Avg : PoolKind::L2;
    auto pool = std::make_unique<Pool>(kind, read_window(r, size, size));
    if (auto name = r.option_text("name")) {
      if (kind != PoolKind::Max) r.fail("only a max pool has a name (an unpool layer reads its arg-max)");
      if (name->empty() || name->find_first_of("=#;") != std::string::npos)
        r.fail("name '" + *name + "' is not a word");
      pool->set_name(*name);
    }
    layer = std::move(pool);
    positional = 1;
  } else if (k == "upsample") {
    if (line.positional.empty()) r.fail("missing up-sampling factor");
    layer = std::make_unique<Upsample>(read_hw(r, line.positional[0], "factor", 1, 64));
    positional = 1;
  } else if (k == "deconv") {
    DeconvOptions o;
    o.filters = r.positional_int(0, "filter count", 1, kMaxSize);
    if (auto kernel = r.option_text("k")) o.kernel = read_hw(r, *kernel, "k", 1, 64);
    o.stride = o.kernel;  // s = K by default: the windows tile the output
    if (auto s = r.option_text("s")) o.stride = read_hw(r, *s, "s", 1, 64);
    if (auto p = r.option_text("p")) o.pad = read_hw(r, *p, "p", 0, 63);
    layer = std::make_unique<Deconv>(o);
    positional = 1;
  } else if (k == "dense" || k == "fc") {
    layer = std::make_unique<Dense>(r.positional_int(0, "output count", 1, 1 << 16));
    positional = 1;
  } else if (k == "flatten") {
    layer = std::make_unique<Flatten>();
  } else if (k == "relu") {
    layer = std::make_unique<Activation>(ActivationKind::Relu);
  } else if (k == "noisy_relu") {
    const float sigma = r.option_float("sigma", 0.1f);
    if (!(sigma >= 0)) r.fail("sigma must be ≥ 0");
    layer = std::make_unique<Activation>(ActivationKind::NoisyRelu, sigma);
  } else if (k == "leaky_relu") {
    layer = std::make_unique<Activation>(ActivationKind::LeakyRelu, r.option_float("a", 0.01f));
  } else if (k == "sigmoid") {
    layer = std::make_unique<Activation>(ActivationKind::Sigmoid);
  } else if (k == "tanh") {
    layer = std::make_unique<Activation>(ActivationKind::Tanh);
  } else if (k == "elu") {
    layer = std::make_unique<Activation>(ActivationKind::Elu, r.option_float("a", 1.0f));
  } else if (k == "maxout") {
    layer = std::make_unique<Maxout>(r.positional_int(0, "group size", 2, 255));
    positional = 1;
  } else if (k == "dropout") {
    const float keep = r.option_float("keep", 0.5f);
    if (!(keep > 0 && keep <= 1)) r.fail("keep probability must be in (0, 1]");
    layer = std::make_unique<Dropout>(keep);
  } else if (k == "standardize") {
    // Both required: a default would hide which statistics the network was trained with.
    if (!r.option_text("mean") || !r.option_text("std")) r.fail("needs mean= and std=, e.g. mean=0.1307 std=0.3081");
    const float mean = r.option_float("mean", 0), std = r.option_float("std", 1);
    if (!std::isfinite(mean)) r.fail("mean must be a finite number");
    if (!(std > 0) || !std::isfinite(std)) r.fail("std must be > 0");
    layer = std::make_unique<Standardize>(mean, std);
  } else if (k == "batchnorm") {
    const float momentum = r.option_float("momentum", 0.9f);
    if (!(momentum >= 0 && momentum < 1)) r.fail("momentum must be in [0, 1)");
    layer = std::make_unique<BatchNorm>(momentum);
  } else {
    r.fail(
        "unknown layer kind (known: conv, maxpool, avgpool, l2pool, dense, flatten, relu, noisy_relu, leaky_relu, "
        "sigmoid, tanh, elu, maxout, dropout, standardize, batchnorm, upsample, unpool, deconv, residual ... end, "
        "concat branch ... end, input, init, loss)");
  }
  r.finish(positional);
  layer->line = line.number;
  return layer;
}

Shape parse_input(const Line& line) {
  LineReader r(line);
  if (line.positional.size() != 1) r.fail("expected 'input CxHxW', e.g. 'input 1x28x28'");
  const std::string& s = line.positional[0];
  auto x1 = s.find('x'), x2 = s.find('x', x1 == std::string::npos ? 0 : x1 + 1);
  if (x1 == std::string::npos || x2 == std::string::npos) r.fail("expected CxHxW, got '" + s + "'");
  Shape shape{r.integer(s.substr(0, x1), "channels", 1, 64),
              r.integer(s.substr(x1 + 1, x2 - x1 - 1), "height", 1, 1024),
              r.integer(s.substr(x2 + 1), "width", 1, 1024)};
  r.finish(1);
  return shape;
}

Init parse_init_line(const Line& line) {
  LineReader r(line);
  if (line.positional.size() != 1) r.fail("expected 'init he|xavier|lecun|constant [value=V]'");
  const std::string& name = line.positional[0];
  const float value = r.option_float("value", 0);
  if (name != "constant" && line.options.count("value")) r.fail("value= belongs to 'init constant' only");
  r.finish(1);
  try {
    return parse_init(name, value);
  } catch (const SpecError& e) {
    r.fail(e.what());
  }
}

// Reads the layers of a network body or of a block, recursively: stops
// before 'end' or 'branch' (which close a block) and before 'loss'.
class Parser {
 public:
  explicit Parser(const std::vector<Line>& lines, std::size_t first) : lines_(lines), i_(first) {}

  Sequence sequence(int depth) {
    Sequence seq;
    while (i_ < lines_.size()) {
      const Line& line = lines_[i_];
      LineReader r(line);
      const std::string& k = line.kind;
      if (k == "end" || k == "branch") {
        if (depth == 0) r.fail(k == "end" ? "'end' without 'residual' or 'concat'" : "'branch' outside a concat block");
        return seq;
      }
      if (k == "loss") {
        if (depth > 0) r.fail("'loss' inside a block");
        return seq;
      }
      if (k == "input") r.fail("only the first line can be 'input'");
      if (k == "init") r.fail("'init' must come right after 'input'");
      ++i_;
      if (k == "residual" || k == "concat") {
        if (depth + 1 > kMaxDepth) r.fail("blocks nest at most " + std::to_string(kMaxDepth) + " deep");
        seq.add(k == "residual" ? residual(line, depth + 1) : concat(line, depth + 1));
      } else if (k == "unpool") {
        seq.add(unpool(line));
      } else {
        LayerPtr layer = make_layer(line);
        if (auto* pool = dynamic_cast<Pool*>(layer.get()); pool && !pool->name().empty())
          if (!pools_.emplace(pool->name(), pool).second)
            r.fail("a max pool named '" + pool->name() + "' comes earlier");
        seq.add(std::move(layer));
      }
    }
    return seq;
  }

  std::size_t position() const { return i_; }

 private:
  // The next line of the block opened at `opener` (its end, or a branch); the
  // block has no end when the text stops first.
  const Line& closing(const Line& opener) {
    if (i_ >= lines_.size()) fail_at(opener, "block has no 'end'");
    return lines_[i_];
  }

  LayerPtr residual(const Line& opener, int depth) {
    LineReader r(opener);
    const float scale = r.option_float("scale", 1);
    r.finish(0);
    Sequence body = sequence(depth);
    const Line& close = closing(opener);
    if (close.kind == "branch") fail_at(close, "'branch' inside a residual block (only 'concat' has branches)");
    LineReader(close).finish(0);
    ++i_;
    auto layer = std::make_unique<Residual>(std::move(body), scale);
    layer->line = opener.number;
    return layer;
  }

  LayerPtr concat(const Line& opener, int depth) {
    LineReader(opener).finish(0);
    std::vector<Sequence> branches;
    for (;;) {
      const Line& next = closing(opener);
      if (next.kind == "end") break;
      if (next.kind != "branch") fail_at(next, "a concat block holds 'branch' lines, each followed by its layers");
      LineReader(next).finish(0);
      ++i_;
      branches.push_back(sequence(depth));
    }
    LineReader(lines_[i_]).finish(0);
    ++i_;
    if (branches.empty()) fail_at(opener, "a concat block needs at least one 'branch'");
    auto layer = std::make_unique<Concat>(std::move(branches));
    layer->line = opener.number;
    return layer;
  }

  // 'unpool NAME': the max pool of that name, earlier in the spec, so its
  // forward pass (which records the arg-max) runs first.
  LayerPtr unpool(const Line& line) {
    LineReader r(line);
    if (line.positional.size() != 1) r.fail("expected 'unpool NAME', NAME a max pool's name= earlier in the spec");
    auto it = pools_.find(line.positional[0]);
    if (it == pools_.end()) r.fail("no max pool named '" + line.positional[0] + "' before this line");
    r.finish(1);
    it->second->keep_argmax();
    auto layer = std::make_unique<Unpool>(it->second);
    layer->line = line.number;
    return layer;
  }

  const std::vector<Line>& lines_;
  std::size_t i_;
  std::map<std::string, Pool*> pools_;  // named max pools seen so far
};

}  // namespace

Init parse_init(const std::string& name, float value) {
  if (name == "he") return Init::He;
  if (name == "xavier") return Init::Xavier;
  if (name == "lecun") return Init::LeCun;
  if (name == "constant") return Init{InitKind::Constant, value};
  throw SpecError("unknown initialisation '" + name + "' (known: he, xavier, lecun, constant)");
}

std::string init_spec(Init init) {
  switch (init.kind) {
    case InitKind::He: return "init he";
    case InitKind::Xavier: return "init xavier";
    case InitKind::LeCun: return "init lecun";
    case InitKind::Constant: return "init constant value=" + format_option(init.value);
  }
  return "";
}

ParsedSpec parse_spec(std::string_view text) {
  const auto lines = tokenize(text);
  ParsedSpec out;
  if (lines.empty() || lines[0].kind != "input")
    throw SpecError("a spec starts with 'input CxHxW', e.g. 'input 1x28x28'");
  out.input = parse_input(lines[0]);
  std::size_t first = 1;
  if (lines.size() > 1 && lines[1].kind == "init") out.init = parse_init_line(lines[first++]);

  Parser parser(lines, first);
  out.body = parser.sequence(0);
  for (std::size_t i = parser.position(); i < lines.size(); ++i) {
    const Line& line = lines[i];
    LineReader r(line);
    if (i > parser.position()) r.fail("'loss' must be the last line");
    if (line.positional.size() > 1 ||
        (line.positional.size() == 1 &&
         (line.positional[0].find(':') != std::string::npos || line.positional[0] == "pixel_cross_entropy"))) {
      out.loss = Loss::Targets;
      try {
        out.plan = parse_loss_terms(line.positional);
      } catch (const SpecError& e) {
        r.fail(e.what());
      }
      r.finish(line.positional.size());
      continue;
    }
    if (line.positional.size() != 1) r.fail("expected 'loss cross_entropy' or 'loss mse'");
    const std::string& name = line.positional[0];
    if (name == "cross_entropy" || name == "softmax")
      out.loss = Loss::CrossEntropy;
    else if (name == "mse")
      out.loss = Loss::Mse;
    else
      r.fail("unknown loss '" + name + "' (known: cross_entropy, mse)");
    r.finish(1);
  }
  if (out.body.size() == 0) throw SpecError("the network has no layers after 'input'");
  return out;
}

}  // namespace cnn
