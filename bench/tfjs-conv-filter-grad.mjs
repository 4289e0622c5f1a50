// TF.js's wasm backend (4.22) has no Conv2DBackpropFilter kernel, so stock it
// cannot train a convnet: the gradient of a conv layer's weights throws. For
// the comparison the benchmark registers that kernel for 'wasm', built only
// from kernels the backend itself has (PadV2, Transpose, Conv2D, Slice), and
// checks it against the cpu backend's gradient once per run.
//
// The identity used: with x (N,H,W,C) padded to xp, dy (N,OH,OW,K), stride s,
//   dW[r,q,c,k] = Σ_{n,i,j} xp[n, i·s + r, j·s + q, c] · dy[n,i,j,k]
// which is a convolution of xp seen as C images of N channels, (C,Hp,Wp,N),
// with dy seen as an (OH,OW,N,K) filter dilated by s, stride 1, no padding:
// its output (C,R',Q',K), cropped to R×Q, is dW in (C,R,Q,K) order.
import * as tf from '@tensorflow/tfjs-core';

const BACKEND = 'wasm';

function conv2dBackpropFilter({ inputs, backend, attrs }) {
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter (benchmark kernel): NHWC only, not ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
  const { top, bottom, left, right } = info.padInfo;
  const [R, Q, C, K] = filterShape;
  // The backend's own kernels on TensorInfos: no Tensor objects, nothing on the gradient tape.
  const run = (name, kernelInputs, kernelAttrs) =>
    tf.getKernel(name, BACKEND).kernelFunc({ inputs: kernelInputs, backend, attrs: kernelAttrs });
  const temporaries = [];
  const temporary = (t) => (temporaries.push(t), t);
  try {
    const padded = top || bottom || left || right
      ? temporary(run('PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 }))
      : x;
    const images = temporary(run('Transpose', { x: padded }, { perm: [3, 1, 2, 0] })); // (C,Hp,Wp,N)
    const filter = temporary(run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }));     // (OH,OW,N,K)
    let grad = temporary(run('Conv2D', { x: images, filter }, {
      strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth],
    }));                                                                               // (C,R',Q',K)
    if (grad.shape[1] !== R || grad.shape[2] !== Q) {
      grad = temporary(run('Slice', { x: grad }, { begin: [0, 0, 0, 0], size: [C, R, Q, K] }));
    }
    return run('Transpose', { x: grad }, { perm: [1, 2, 0, 3] });                       // (R,Q,C,K)
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}

export const hasConvFilterGradient = () => tf.getKernel('Conv2DBackpropFilter', BACKEND) !== undefined;

export function registerConvFilterGradient() {
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: BACKEND, kernelFunc: conv2dBackpropFilter });
}

// Geometries the check covers: LeNet-5's two convs and an awkward one
// (stride 2, uneven 'same' padding, channel counts not multiples of 4).
const CHECK_CASES = [
  { x: [2, 28, 28, 1], filter: [5, 5, 1, 6], strides: 1, pad: 'same' },
  { x: [3, 14, 14, 6], filter: [5, 5, 6, 16], strides: 1, pad: 'valid' },
  { x: [2, 9, 8, 3], filter: [4, 3, 3, 5], strides: 2, pad: 'same' },
];

// dW of sum(conv2d(x, w) · dy) by tf.grad on one backend: the path training takes.
async function filterGradient(backend, c, xValues, wValues, dyValues) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(xValues, c.x);
    const dy = tf.tensor(dyValues, c.dyShape);
    const grad = tf.grad((w) => tf.sum(tf.mul(tf.conv2d(x, w, c.strides, c.pad), dy)));
    return grad(tf.tensor4d(wValues, c.filter)).dataSync();
  });
}

// Compares the registered kernel with the cpu backend's; returns the worst
// relative error (largest difference over largest magnitude, per case) and
// throws when it is not at float rounding level. Leaves BACKEND current.
export async function checkConvFilterGradient() {
  let worst = 0;
  let seed = 7;
  const random = (n) =>
    Float32Array.from({ length: n }, () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
  for (const c of CHECK_CASES) {
    const size = (shape) => shape.reduce((a, b) => a * b, 1);
    const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
    const dyShape = info.outShape;
    const values = [random(size(c.x)), random(size(c.filter)), random(size(dyShape))];
    const expected = await filterGradient('cpu', { ...c, dyShape }, ...values);
    const actual = await filterGradient(BACKEND, { ...c, dyShape }, ...values);
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
    }
    const error = diff / scale;
    if (!(error < 1e-4)) {
      throw new Error('the registered Conv2DBackpropFilter disagrees with the cpu backend ' +
        `on x ${c.x}, filter ${c.filter}, stride ${c.strides}, ${c.pad}: relative error ${error}`);
    }
    worst = Math.max(worst, error);
  }
  return worst;
}
