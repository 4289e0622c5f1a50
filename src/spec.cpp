#include "spec.h"

#include <charconv>
#include <cmath>
#include <map>

#include "layers/activation.h"
#include "layers/batchnorm.h"
#include "layers/conv.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/pool.h"
#include "layers/residual.h"

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

  int option_int(const char* key, int fallback, int lo, int hi) {
    used_.push_back(key);
    auto it = line_.options.find(key);
    return it == line_.options.end() ? fallback : integer(it->second, key, lo, hi);
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

LayerPtr make_layer(const Line& line) {
  LineReader r(line);
  const std::string& k = line.kind;
  LayerPtr layer;
  std::size_t positional = 0;
  if (k == "conv") {
    ConvOptions o;
    o.filters = r.positional_int(0, "filter count", 1, kMaxSize);
    o.kernel = r.option_int("k", 3, 1, 64);
    o.stride = r.option_int("s", 1, 1, 64);
    o.pad = r.option_int("p", 0, 0, 63);
    layer = std::make_unique<Conv2D>(o);
    positional = 1;
  } else if (k == "maxpool" || k == "avgpool" || k == "l2pool") {
    const int size = r.positional_int(0, "pool size", 1, 64);
    const int stride = r.option_int("s", size, 1, 64);
    const PoolKind kind = k == "maxpool" ? PoolKind::Max : k == "avgpool" ? PoolKind::Avg : PoolKind::L2;
    layer = std::make_unique<Pool>(kind, size, stride);
    positional = 1;
  } else if (k == "dense" || k == "fc") {
    layer = std::make_unique<Dense>(r.positional_int(0, "output count", 1, 1 << 16));
    positional = 1;
  } else if (k == "flatten") {
    layer = std::make_unique<Flatten>();
  } else if (k == "relu") {
    layer = std::make_unique<Activation>(ActivationKind::Relu);
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
  } else if (k == "batchnorm") {
    const float momentum = r.option_float("momentum", 0.9f);
    if (!(momentum >= 0 && momentum < 1)) r.fail("momentum must be in [0, 1)");
    layer = std::make_unique<BatchNorm>(momentum);
  } else {
    r.fail(
        "unknown layer kind (known: conv, maxpool, avgpool, l2pool, dense, flatten, relu, leaky_relu, sigmoid, "
        "tanh, elu, maxout, dropout, batchnorm, residual ... end, input, loss)");
  }
  r.finish(positional);
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

}  // namespace

ParsedSpec parse_spec(std::string_view text) {
  const auto lines = tokenize(text);
  ParsedSpec out;
  if (lines.empty() || lines[0].kind != "input")
    throw SpecError("a spec starts with 'input CxHxW', e.g. 'input 1x28x28'");
  out.input = parse_input(lines[0]);

  bool in_block = false;
  int block_line = 0;
  Sequence block;
  bool have_loss = false;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const Line& line = lines[i];
    LineReader r(line);
    if (have_loss) r.fail("'loss' must be the last line");
    if (line.kind == "input") r.fail("only the first line can be 'input'");
    if (line.kind == "residual") {
      if (in_block) r.fail("residual blocks cannot be nested");
      r.finish(0);
      in_block = true;
      block_line = line.number;
      block = Sequence();
    } else if (line.kind == "end") {
      if (!in_block) r.fail("'end' without 'residual'");
      r.finish(0);
      in_block = false;
      out.body.add(std::make_unique<Residual>(std::move(block)));
      block = Sequence();
    } else if (line.kind == "loss") {
      if (in_block) r.fail("'loss' inside a residual block");
      if (line.positional.size() != 1) r.fail("expected 'loss cross_entropy' or 'loss mse'");
      const std::string& name = line.positional[0];
      if (name == "cross_entropy" || name == "softmax")
        out.loss = Loss::CrossEntropy;
      else if (name == "mse")
        out.loss = Loss::Mse;
      else
        r.fail("unknown loss '" + name + "' (known: cross_entropy, mse)");
      r.finish(1);
      have_loss = true;
    } else {
      (in_block ? block : out.body).add(make_layer(line));
    }
  }
  if (in_block) throw SpecError("line " + std::to_string(block_line) + " 'residual': block has no 'end'");
  if (out.body.size() == 0) throw SpecError("the network has no layers after 'input'");
  return out;
}

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = {
      {"lenet5", "LeNet-5 with ReLU and max pooling",
       "input 1x28x28\nconv 6 k=5 p=2\nrelu\nmaxpool 2\nconv 16 k=5\nrelu\nmaxpool 2\n"
       "dense 120\nrelu\ndense 84\nrelu\ndense 10\n"},
      {"lenet5-bn", "LeNet-5 with batch normalisation after each conv and hidden dense layer",
       "input 1x28x28\nconv 6 k=5 p=2\nbatchnorm\nrelu\nmaxpool 2\nconv 16 k=5\nbatchnorm\nrelu\nmaxpool 2\n"
       "dense 120\nbatchnorm\nrelu\ndense 84\nbatchnorm\nrelu\ndense 10\n"},
      {"lenet5-dropout", "LeNet-5 with dropout before the dense layers",
       "input 1x28x28\nconv 6 k=5 p=2\nrelu\nmaxpool 2\nconv 16 k=5\nrelu\nmaxpool 2\n"
       "dropout keep=0.75\ndense 120\nrelu\ndropout keep=0.5\ndense 84\nrelu\ndense 10\n"},
      {"resnet-mini", "a small residual network: two residual blocks, a 1×1 projection, global average pooling",
       "input 1x28x28\nconv 16 k=3 p=1\nbatchnorm\nrelu\n"
       "residual\n  conv 16 k=3 p=1\n  batchnorm\n  relu\n  conv 16 k=3 p=1\n  batchnorm\nend\nrelu\nmaxpool 2\n"
       "residual\n  conv 32 k=3 p=1\n  batchnorm\n  relu\n  conv 32 k=3 p=1\n  batchnorm\nend\nrelu\nmaxpool 2\n"
       "conv 32 k=1\nrelu\navgpool 7\ndense 10\n"},
      {"mlp", "no convolutions: a fully connected network, for comparison",
       "input 1x28x28\ndense 256\nrelu\ndense 128\nrelu\ndense 10\n"},
  };
  return all;
}

std::string resolve_spec(const std::string& name_or_spec) {
  for (auto& p : presets())
    if (p.name == name_or_spec) return p.spec;
  return name_or_spec;
}

}  // namespace cnn
