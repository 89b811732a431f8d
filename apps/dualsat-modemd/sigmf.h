// SPDX-License-Identifier: GPL-3.0-or-later
// SigMF metadata (https://sigmf.org, core namespace v1.0.0) for IQ recordings of the file
// backend: complex float32 little-endian samples ("cf32_le"), one .sigmf-meta JSON beside
// the data file.
#pragma once

#include <cstdint>
#include <string>

namespace modemd {

struct SigmfInfo {
    double sample_rate = 0;
    double frequency = 0;        // Hz, captures[0].core:frequency (0 if unknown)
    std::string datatype = "cf32_le";
    std::string description;
    std::string hw;              // core:hw
    // dualsat extension (namespace "dualsat"), informational.
    std::string modcod;          // "QPSK 1/2"
    std::string frame;           // "normal" / "short"
    bool pilots = false;
    double symbol_rate = 0;
    double rolloff = 0;
    uint64_t sample_count = 0;   // samples written (0 while recording)
};

// "x.sigmf-data" -> "x.sigmf-meta"; any other name -> name + ".sigmf-meta".
std::string sigmf_meta_path(const std::string& data_path);

// Writes the metadata (atomically: temp file + rename). Throws dualsat::Error on I/O failure.
void write_sigmf_meta(const std::string& data_path, const SigmfInfo& info);

// Reads and checks the metadata beside `data_path`: it must exist, parse, carry
// core:datatype "cf32_le" and core:sample_rate; the data file size must be a whole number
// of samples. With expected_sample_rate > 0 a different rate is an error. Throws
// dualsat::ConfigError naming the file and the field.
SigmfInfo read_sigmf_meta(const std::string& data_path, double expected_sample_rate);

} // namespace modemd
