// Pooling: summarise each KH×KW window (stride SH×SW, padding PH×PW) of each
// channel. Padded cells are not part of any window's summary:
//   max: the largest in-bounds value (padding acts as −∞); backward routes
//        the gradient to the arg-max only.
//   avg: the mean of the in-bounds cells (ONNX count_include_pad = 0);
//        backward spreads the gradient evenly over them.
//   l2:  sqrt(Σ x²) over the in-bounds cells; backward dx = dy · x / y.
// in (N,C,H,W), out (N,C,OH,OW), OH = (H − KH + 2·PH)/SH + 1, likewise OW.
// No parameters; multiply-adds per sample: l2 C·OH·OW·KH·KW (the squares
// summed), max and avg none.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../layer.h"

namespace cnn {

enum class PoolKind { Max, Avg, L2 };

class Pool : public Layer {
 public:
  Pool(PoolKind kind, Window win) : kind_(kind), win_(win) {}
  std::string spec() const override;
  Shape setup(Shape in) override;
  void reserve(int max_batch) override;
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
  Window window() const override { return win_; }
  std::uint64_t macs() const override;
  PoolKind pool_kind() const { return kind_; }
  // A max pool may be named (name=p1) so an unpool layer can find it; that
  // layer needs the arg-max of every forward pass, inference included.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  void keep_argmax() { keep_argmax_ = true; }
  // Per plane (N·C of them), the input index (y·W + x) of each output's maximum.
  const std::int32_t* argmax() const { return argmax_.data(); }

 private:
  // The window of output (oy, ox), clipped to the input: rows y0..y1−1, columns x0..x1−1.
  struct Span {
    int y0, y1, x0, x1;
  };
  Span span(int oy, int ox) const;
  // LeNet's 2×2 stride-2 unpadded max pooling has its own kernel.
  bool is_max_2x2() const;

  PoolKind kind_;
  Window win_;
  std::vector<std::int32_t> argmax_;  // max pool: input index of each output
  bool argmax_fresh_ = false;         // ... recorded by the last forward pass
  bool keep_argmax_ = false;          // ... in every forward pass (an unpool reads it)
  std::string name_;
  std::vector<float> recomputed_;  // backward after inference: the maxima again
};

}  // namespace cnn
