// The convolution sandbox's arithmetic, as pure functions (Node tests check
// them): the named kernels, the 180° flip that turns cross-correlation into
// convolution, the output size and the products under one window position.
//
// Cross-correlation (what a CNN's conv layer computes):
//   y[i, j] = Σ_a Σ_b x[i·S + a − P, j·S + b − P] · w[a, b]
// Convolution (the course's Σ x[t − a]·w[a], in 2-D) is the same with the
// kernel flipped: w'[a, b] = w[R−1−a, R−1−b]. For a kernel that the flip
// leaves unchanged (box, Gaussian, Laplacian) the two are identical.

const sobelX = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
const sobelY = [-1, -2, -1, 0, 0, 0, 1, 2, 1];
// The curve detector of the course's figure (after A. Deshpande's "A
// Beginner's Guide to Understanding Convolutional Neural Networks"): 30
// along a curve that bends to the upper right, 0 elsewhere.
const curve = [
  [0, 0, 0, 0, 0, 30, 0],
  [0, 0, 0, 0, 30, 0, 0],
  [0, 0, 0, 30, 0, 0, 0],
  [0, 0, 0, 30, 0, 0, 0],
  [0, 0, 0, 30, 0, 0, 0],
  [0, 0, 0, 30, 0, 0, 0],
  [0, 0, 0, 0, 0, 0, 0],
].flat();

export const KERNELS = {
  identity: { label: 'identity', size: 3, values: [0, 0, 0, 0, 1, 0, 0, 0, 0] },
  box: { label: 'box blur', size: 3, values: Array(9).fill(1 / 9) },
  gaussian: { label: 'Gaussian blur', size: 3, values: [1, 2, 1, 2, 4, 2, 1, 2, 1].map((v) => v / 16) },
  sharpen: { label: 'sharpen', size: 3, values: [0, -1, 0, -1, 5, -1, 0, -1, 0] },
  sobelX: { label: 'Sobel x (vertical edges)', size: 3, values: sobelX },
  sobelY: { label: 'Sobel y (horizontal edges)', size: 3, values: sobelY },
  laplacian: { label: 'Laplacian', size: 3, values: [0, 1, 0, 1, -4, 1, 0, 1, 0] },
  curve: { label: 'curve detector (7×7)', size: 7, values: curve },
};

// w'[a, b] = w[R−1−a, R−1−b]: the kernel turned by 180°.
export const flipKernel = (values) => Float32Array.from(values).reverse();

// O = (W − K + 2P)/S + 1. The engine takes only geometries where this is a
// whole number (every input pixel is covered, none silently dropped), so
// `fits` says whether it will build the layer.
export function outputSize(w, r, stride, pad) {
  const span = w - r + 2 * pad;
  const size = span / stride + 1;
  return { size, fits: span >= 0 && Number.isInteger(size) };
}

// The window under output cell (row, col): for each kernel cell its input
// value (0 in the padding), the weight and their product, and the sum.
export function windowProducts(image, side, kernel, r, { row, col, stride, pad }) {
  const cells = [];
  let sum = 0;
  for (let a = 0; a < r; ++a) {
    for (let b = 0; b < r; ++b) {
      const y = row * stride + a - pad, x = col * stride + b - pad;
      const inside = y >= 0 && y < side && x >= 0 && x < side;
      const value = inside ? image[y * side + x] : 0;
      const weight = kernel[a * r + b];
      const product = value * weight;
      sum += product;
      cells.push({ y, x, inside, value, weight, product });
    }
  }
  return { cells, sum };
}
