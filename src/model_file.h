// The model file: a versioned binary format that carries the network's spec,
// so a file is self-describing and loads into the right architecture.
//
//   offset  size  field
//   0       8     magic "CNNPLAY\0"
//   8       4     format version (u32 little-endian), currently 1
//   12      4     spec length L in bytes (u32)
//   16      L     spec text (the network's canonical spec, UTF-8)
//   16+L    8     parameter count P (u64)
//   24+L    8     state count S (u64; batch-norm running statistics)
//   32+L    4P    parameters (f32 little-endian)
//   ...     4S    state (f32)
//   end−4   4     CRC-32 of every byte before it
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "network.h"

namespace cnn {

// A file we refuse: the message says what is wrong and what to do.
struct ModelFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr std::uint32_t kModelFormatVersion = 1;

std::vector<std::uint8_t> save_model(const Network& net);
// Builds the network the file describes. Validates everything (size, magic,
// version, checksum, spec, counts, finite weights) before building, so a bad
// file never half-loads.
std::unique_ptr<Network> load_model(std::span<const std::uint8_t> bytes, int max_batch = 64);
// Loads weights into an existing network, refusing files of another
// architecture; on any error the network is left exactly as it was.
void load_model_into(Network& net, std::span<const std::uint8_t> bytes);

std::uint32_t crc32(std::span<const std::uint8_t> bytes);

// Whole-file helpers for the CLI and tests (throw ModelFileError on I/O).
std::vector<std::uint8_t> read_file(const std::string& path);
void write_file(const std::string& path, std::span<const std::uint8_t> bytes);

}  // namespace cnn
