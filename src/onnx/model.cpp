#include "model.h"

#include <cstring>

#include "../layer.h"
#include "fields.h"

namespace cnn::onnx {

namespace f = field;

std::int64_t Tensor::count() const {
  std::int64_t n = 1;
  for (auto d : dims) {
    if (d < 0) throw OnnxError("tensor '" + name + "' has a negative dimension");
    if (d > 0 && n > std::int64_t(kMaxNetworkFloats) / d)
      throw OnnxError("tensor '" + name + "' is larger than the engine's limit of " +
                      std::to_string(kMaxNetworkFloats) + " values");
    n *= d;
  }
  return n;
}

const Attribute* Node::find(const std::string& attr) const {
  for (auto& a : attributes)
    if (a.name == attr) return &a;
  return nullptr;
}

std::int64_t Node::get_int(const std::string& attr, std::int64_t fallback) const {
  const Attribute* a = find(attr);
  return a ? a->i : fallback;
}

float Node::get_float(const std::string& attr, float fallback) const {
  const Attribute* a = find(attr);
  return a ? a->f : fallback;
}

std::vector<std::int64_t> Node::get_ints(const std::string& attr) const {
  const Attribute* a = find(attr);
  return a ? a->ints : std::vector<std::int64_t>{};
}

std::string Node::get_string(const std::string& attr) const {
  const Attribute* a = find(attr);
  return a ? a->s : std::string();
}

std::string Node::label() const { return name.empty() ? op_type : op_type + " '" + name + "'"; }

// ---- encoding ---------------------------------------------------------------

namespace {

ProtoWriter encode_tensor(const Tensor& t) {
  ProtoWriter w;
  w.packed_int64s(f::tensor::kDims, t.dims);
  w.int64(f::tensor::kDataType, t.data_type);
  w.bytes(f::tensor::kName, t.name);
  // raw_data: little-endian values, what every exporter writes for weights.
  if (t.data_type == f::tensor::kFloat)
    w.bytes(f::tensor::kRawData, {reinterpret_cast<const char*>(t.floats.data()), t.floats.size() * 4});
  else
    w.bytes(f::tensor::kRawData, {reinterpret_cast<const char*>(t.ints.data()), t.ints.size() * 8});
  return w;
}

ProtoWriter encode_attribute(const Attribute& a) {
  ProtoWriter w;
  w.bytes(f::attribute::kName, a.name);
  w.int64(f::attribute::kType, a.type);
  switch (a.type) {
    case f::attribute::kTypeFloat: w.fixed32_float(f::attribute::kF, a.f); break;
    case f::attribute::kTypeInt: w.int64(f::attribute::kI, a.i); break;
    case f::attribute::kTypeString: w.bytes(f::attribute::kS, a.s); break;
    case f::attribute::kTypeTensor: w.message(f::attribute::kT, encode_tensor(*a.t)); break;
    case f::attribute::kTypeFloats: w.packed_floats(f::attribute::kFloats, a.floats); break;
    case f::attribute::kTypeInts: w.packed_int64s(f::attribute::kInts, a.ints); break;
  }
  return w;
}

ProtoWriter encode_node(const Node& n) {
  ProtoWriter w;
  for (auto& in : n.inputs) w.bytes(f::node::kInput, in);
  for (auto& out : n.outputs) w.bytes(f::node::kOutput, out);
  if (!n.name.empty()) w.bytes(f::node::kName, n.name);
  w.bytes(f::node::kOpType, n.op_type);
  for (auto& a : n.attributes) w.message(f::node::kAttribute, encode_attribute(a));
  return w;
}

ProtoWriter encode_value_info(const ValueInfo& v) {
  ProtoWriter shape;
  for (std::size_t i = 0; i < v.dims.size(); ++i) {
    ProtoWriter dim;
    if (v.dims[i] >= 0)
      dim.int64(f::shape::kDimValue, v.dims[i]);
    else
      dim.bytes(f::shape::kDimParam, i < v.dim_names.size() ? v.dim_names[i] : "N");
    shape.message(f::shape::kDim, dim);
  }
  ProtoWriter tensor_type;
  tensor_type.int64(f::type::kElemType, v.elem_type);
  tensor_type.message(f::type::kShape, shape);
  ProtoWriter type;
  type.message(f::type::kTensorType, tensor_type);
  ProtoWriter w;
  w.bytes(f::value_info::kName, v.name);
  w.message(f::value_info::kType, type);
  return w;
}

}  // namespace

std::string encode(const Model& model) {
  ProtoWriter g;
  for (auto& n : model.graph.nodes) g.message(f::graph::kNode, encode_node(n));
  g.bytes(f::graph::kName, model.graph.name);
  for (auto& t : model.graph.initializers) g.message(f::graph::kInitializer, encode_tensor(t));
  for (auto& v : model.graph.inputs) g.message(f::graph::kInput, encode_value_info(v));
  for (auto& v : model.graph.outputs) g.message(f::graph::kOutput, encode_value_info(v));

  ProtoWriter m;
  m.int64(f::model::kIrVersion, model.ir_version);
  m.bytes(f::model::kProducerName, model.producer_name);
  m.bytes(f::model::kProducerVersion, model.producer_version);
  if (!model.doc_string.empty()) m.bytes(f::model::kDocString, model.doc_string);
  ProtoWriter opset;
  opset.bytes(f::opset::kDomain, "");
  opset.int64(f::opset::kVersion, model.opset);
  m.message(f::model::kOpsetImport, opset);
  for (auto& [key, value] : model.metadata) {
    ProtoWriter e;
    e.bytes(f::entry::kKey, key);
    e.bytes(f::entry::kValue, value);
    m.message(f::model::kMetadataProps, e);
  }
  // The graph last: a file cut short anywhere then lacks its graph or ends
  // inside it, and is refused (protobuf itself cannot tell a cut at a field's end).
  m.message(f::model::kGraph, g);
  return m.data();
}

// ---- decoding ---------------------------------------------------------------

namespace {

// raw_data holds little-endian values of the element type's size.
template <typename T>
void from_raw(std::string_view raw, std::vector<T>& out, const Tensor& t) {
  if (raw.size() != std::size_t(t.count()) * sizeof(T))
    throw OnnxError("tensor '" + t.name + "' has " + std::to_string(raw.size()) + " bytes of data for " +
                    std::to_string(t.count()) + " values");
  out.resize(raw.size() / sizeof(T));
  std::memcpy(out.data(), raw.data(), raw.size());
}

Tensor decode_tensor(std::string_view bytes) {
  Tensor t;
  std::string_view raw;
  bool has_raw = false;
  std::vector<std::int64_t> int32s;  // int32_data: varints, as int64 here
  ProtoReader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case f::tensor::kDims: r.append_int64s(t.dims); break;
      case f::tensor::kDataType: t.data_type = int(r.int64()); break;
      case f::tensor::kName: t.name = r.string(); break;
      case f::tensor::kFloatData: r.append_floats(t.floats); break;
      case f::tensor::kInt32Data: r.append_int64s(int32s); break;
      case f::tensor::kInt64Data: r.append_int64s(t.ints); break;
      case f::tensor::kRawData: raw = r.bytes(), has_raw = true; break;
      case f::tensor::kDataLocation:
        if (r.int64() != 0)
          throw OnnxError("tensor '" + t.name + "' keeps its data in an external file: not supported");
        break;
      default: r.skip();
    }
  }
  const std::int64_t count = t.count();
  if (t.data_type == f::tensor::kFloat) {
    if (has_raw) from_raw(raw, t.floats, t);
  } else if (t.data_type == f::tensor::kInt64) {
    if (has_raw) from_raw(raw, t.ints, t);
  } else if (t.data_type == f::tensor::kInt32) {
    if (has_raw) {
      std::vector<std::int32_t> v;
      from_raw(raw, v, t);
      int32s.assign(v.begin(), v.end());
    }
    t.ints = std::move(int32s);
    t.data_type = f::tensor::kInt64;
  } else {
    throw OnnxError("tensor '" + t.name + "' has element type " + std::to_string(t.data_type) +
                    " (only float32, int64 and int32 tensors are supported)");
  }
  const std::size_t have = t.data_type == f::tensor::kFloat ? t.floats.size() : t.ints.size();
  if (have != std::size_t(count))
    throw OnnxError("tensor '" + t.name + "' has " + std::to_string(have) + " values for its shape of " +
                    std::to_string(count));
  return t;
}

Attribute decode_attribute(std::string_view bytes) {
  Attribute a;
  ProtoReader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case f::attribute::kName: a.name = r.string(); break;
      case f::attribute::kType: a.type = int(r.int64()); break;
      case f::attribute::kF: a.f = r.fixed32_float(); break;
      case f::attribute::kI: a.i = r.int64(); break;
      case f::attribute::kS: a.s = r.string(); break;
      case f::attribute::kT: a.t = decode_tensor(r.bytes()); break;
      case f::attribute::kFloats: r.append_floats(a.floats); break;
      case f::attribute::kInts: r.append_int64s(a.ints); break;
      default: r.skip();
    }
  }
  return a;
}

Node decode_node(std::string_view bytes) {
  Node n;
  ProtoReader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case f::node::kInput: n.inputs.push_back(r.string()); break;
      case f::node::kOutput: n.outputs.push_back(r.string()); break;
      case f::node::kName: n.name = r.string(); break;
      case f::node::kOpType: n.op_type = r.string(); break;
      case f::node::kDomain: n.domain = r.string(); break;
      case f::node::kAttribute: n.attributes.push_back(decode_attribute(r.bytes())); break;
      default: r.skip();
    }
  }
  return n;
}

void decode_shape(std::string_view bytes, ValueInfo& v) {
  ProtoReader r(bytes);
  while (r.next()) {
    if (r.field() != f::shape::kDim) {
      r.skip();
      continue;
    }
    std::int64_t dim = -1;
    std::string name;
    ProtoReader d(r.bytes());
    while (d.next()) {
      if (d.field() == f::shape::kDimValue)
        dim = d.int64();
      else if (d.field() == f::shape::kDimParam)
        name = d.string();
      else
        d.skip();
    }
    v.dims.push_back(dim < 0 ? -1 : dim);
    v.dim_names.push_back(name);
  }
}

ValueInfo decode_value_info(std::string_view bytes) {
  ValueInfo v;
  ProtoReader r(bytes);
  while (r.next()) {
    if (r.field() == f::value_info::kName) {
      v.name = r.string();
    } else if (r.field() == f::value_info::kType) {
      ProtoReader type(r.bytes());
      while (type.next()) {
        if (type.field() != f::type::kTensorType) {
          type.skip();
          continue;
        }
        ProtoReader tensor(type.bytes());
        while (tensor.next()) {
          if (tensor.field() == f::type::kElemType)
            v.elem_type = int(tensor.int64());
          else if (tensor.field() == f::type::kShape)
            decode_shape(tensor.bytes(), v);
          else
            tensor.skip();
        }
      }
    } else {
      r.skip();
    }
  }
  return v;
}

Graph decode_graph(std::string_view bytes) {
  Graph g;
  ProtoReader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case f::graph::kNode: g.nodes.push_back(decode_node(r.bytes())); break;
      case f::graph::kName: g.name = r.string(); break;
      case f::graph::kInitializer: g.initializers.push_back(decode_tensor(r.bytes())); break;
      case f::graph::kInput: g.inputs.push_back(decode_value_info(r.bytes())); break;
      case f::graph::kOutput: g.outputs.push_back(decode_value_info(r.bytes())); break;
      default: r.skip();
    }
  }
  return g;
}

}  // namespace

Model decode(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) throw OnnxError("the file is empty");
  if (bytes.size() > kMaxModelBytes) throw OnnxError("the file is larger than 1 GiB");
  Model m;
  m.opset = 0;
  bool has_graph = false;
  ProtoReader r({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
  while (r.next()) {
    switch (r.field()) {
      case f::model::kIrVersion: m.ir_version = r.int64(); break;
      case f::model::kProducerName: m.producer_name = r.string(); break;
      case f::model::kProducerVersion: m.producer_version = r.string(); break;
      case f::model::kDocString: m.doc_string = r.string(); break;
      case f::model::kGraph: m.graph = decode_graph(r.bytes()), has_graph = true; break;
      case f::model::kOpsetImport: {
        std::string domain;
        std::int64_t version = 0;
        ProtoReader o(r.bytes());
        while (o.next()) {
          if (o.field() == f::opset::kDomain)
            domain = o.string();
          else if (o.field() == f::opset::kVersion)
            version = o.int64();
          else
            o.skip();
        }
        if (domain.empty() || domain == "ai.onnx") m.opset = version;
        break;
      }
      case f::model::kMetadataProps: {
        std::pair<std::string, std::string> e;
        ProtoReader p(r.bytes());
        while (p.next()) {
          if (p.field() == f::entry::kKey)
            e.first = p.string();
          else if (p.field() == f::entry::kValue)
            e.second = p.string();
          else
            p.skip();
        }
        m.metadata.push_back(std::move(e));
        break;
      }
      default: r.skip();
    }
  }
  if (!has_graph) throw OnnxError("the file is not an ONNX model: it has no graph");
  if (m.opset < 1) throw OnnxError("the model does not say which ONNX opset it uses (opset_import)");
  return m;
}

}  // namespace cnn::onnx
