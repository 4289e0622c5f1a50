// A tiny ONNX writer for tests: builds a ModelProto from plain objects in the
// protobuf wire format, independently of the engine's C++ writer, so graphs
// in the forms other exporters write (PyTorch's MatMul + Add, Keras's NHWC
// with Transpose) can be handed to both ONNX Runtime and the engine's
// importer. Field numbers from onnx/onnx.proto. Not a test file itself.
class Writer {
  bytes = [];
  varint(v) {
    let n = BigInt.asUintN(64, BigInt(v));
    while (n >= 0x80n) {
      this.bytes.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.bytes.push(Number(n));
    return this;
  }
  key(field, wire) {
    return this.varint((field << 3) | wire);
  }
  int(field, v) {
    return this.key(field, 0).varint(v);
  }
  float(field, v) {
    this.key(field, 5);
    this.bytes.push(...new Uint8Array(Float32Array.of(v).buffer));
    return this;
  }
  raw(field, data) {
    this.key(field, 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }
  string(field, s) {
    return this.raw(field, new TextEncoder().encode(s));
  }
  message(field, w) {
    return this.raw(field, w.bytes);
  }
}

// {name, dims, floats} or {name, dims, ints}; floats go to float_data
// (packed) or, with raw: true, raw_data, as exporters do either.
function tensor({ name, dims, floats, ints, raw = false }) {
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  w.int(2, floats ? 1 : 7);
  if (name) w.string(8, name);
  if (floats && raw) w.raw(9, new Uint8Array(Float32Array.from(floats).buffer));
  else if (floats) w.raw(4, new Uint8Array(Float32Array.from(floats).buffer));
  else w.raw(7, new Writer().bytes.concat(...ints.map((v) => new Writer().varint(v).bytes)));
  return w;
}

// Attributes: {kernel_shape: [5, 5]} (ints), {alpha: {f: 0.1}}, {axis: 1}
// (int), {value: {tensor: {...}}}.
function attribute(name, v) {
  const w = new Writer().string(1, name);
  if (Array.isArray(v)) {
    w.int(20, 7);
    for (const x of v) w.int(8, x);
  } else if (typeof v === 'object' && 'f' in v) {
    w.int(20, 1).float(2, v.f);
  } else if (typeof v === 'object' && 'tensor' in v) {
    w.int(20, 4).message(5, tensor(v.tensor));
  } else {
    w.int(20, 2).int(3, v);
  }
  return w;
}

function valueInfo({ name, dims }) {
  const shape = new Writer();
  for (const d of dims) shape.message(1, typeof d === 'string' ? new Writer().string(2, d) : new Writer().int(1, d));
  const tensorType = new Writer().int(1, 1).message(2, shape);
  return new Writer().string(1, name).message(2, new Writer().message(1, tensorType));
}

// model({inputs, outputs, nodes: [{op, inputs, outputs, attrs}], initializers, opset})
export function onnxModel({ inputs, outputs, nodes, initializers = [], opset = 13, producer = 'test' }) {
  const g = new Writer();
  nodes.forEach((n, i) => {
    const w = new Writer();
    for (const x of n.inputs) w.string(1, x);
    for (const x of n.outputs) w.string(2, x);
    w.string(3, n.name ?? `${n.op}_${i}`).string(4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) w.message(5, attribute(k, v));
    g.message(1, w);
  });
  g.string(2, 'test');
  for (const t of initializers) g.message(5, tensor(t));
  for (const v of inputs) g.message(11, valueInfo(v));
  for (const v of outputs) g.message(12, valueInfo(v));
  const m = new Writer().int(1, 7).string(2, producer).message(7, g);
  m.message(8, new Writer().string(1, '').int(2, opset));
  return Uint8Array.from(m.bytes);
}
