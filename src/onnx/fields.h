// The field numbers of the ONNX messages this engine reads and writes, all in
// one place, checked against onnx/onnx.proto (github.com/onnx/onnx, 2026-08).
// Anything not named here is skipped on import and never written.
#pragma once

namespace cnn::onnx::field {

namespace model {  // ModelProto
inline constexpr int kIrVersion = 1, kProducerName = 2, kProducerVersion = 3, kDocString = 6, kGraph = 7,
                     kOpsetImport = 8, kMetadataProps = 14;
}
namespace opset {  // OperatorSetIdProto
inline constexpr int kDomain = 1, kVersion = 2;
}
namespace entry {  // StringStringEntryProto
inline constexpr int kKey = 1, kValue = 2;
}
namespace graph {  // GraphProto
inline constexpr int kNode = 1, kName = 2, kInitializer = 5, kInput = 11, kOutput = 12;
}
namespace node {  // NodeProto
inline constexpr int kInput = 1, kOutput = 2, kName = 3, kOpType = 4, kAttribute = 5, kDomain = 7;
}
namespace attribute {  // AttributeProto
inline constexpr int kName = 1, kF = 2, kI = 3, kS = 4, kT = 5, kFloats = 7, kInts = 8, kType = 20;
// AttributeProto.AttributeType
inline constexpr int kTypeFloat = 1, kTypeInt = 2, kTypeString = 3, kTypeTensor = 4, kTypeFloats = 6, kTypeInts = 7;
}  // namespace attribute
namespace tensor {  // TensorProto
inline constexpr int kDims = 1, kDataType = 2, kFloatData = 4, kInt32Data = 5, kInt64Data = 7, kName = 8, kRawData = 9,
                     kDataLocation = 14;
// TensorProto.DataType
inline constexpr int kFloat = 1, kInt32 = 6, kInt64 = 7;
}  // namespace tensor
namespace value_info {  // ValueInfoProto
inline constexpr int kName = 1, kType = 2;
}
namespace type {  // TypeProto, TypeProto.Tensor
inline constexpr int kTensorType = 1;
inline constexpr int kElemType = 1, kShape = 2;
}  // namespace type
namespace shape {  // TensorShapeProto, TensorShapeProto.Dimension
inline constexpr int kDim = 1;
inline constexpr int kDimValue = 1, kDimParam = 2;
}  // namespace shape

}  // namespace cnn::onnx::field
