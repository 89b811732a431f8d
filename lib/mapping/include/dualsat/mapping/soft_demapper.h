// SPDX-License-Identifier: GPL-3.0-or-later
// Soft demapping of DVB-S2 XFECFRAME symbols to bit LLRs (QPSK, 8PSK, 16APSK, 32APSK with
// the per-rate rings of EN 302 307-1 Tables 9/10).
//
// LLR sign convention: LLR = ln P(bit = 0 | y) - ln P(bit = 1 | y), i.e. POSITIVE MEANS
// BIT 0 (the usual DVB/LDPC-decoder convention; hard decision: bit = LLR < 0).
// Output order: bits_per_symbol() LLRs per symbol, the label's first bit (MSB) first, so
// the LLR stream lines up with the interleaved bit stream that was mapped.
//
// Channel model: y = s + n with complex Gaussian n, E|n|^2 = noise_variance (= N0, the
// total over I and Q). With the default unit-energy constellation,
// noise_variance = 1 / (Es/N0 linear); see noise_variance_from_esn0_db().
#pragma once

#include <dualsat/mapping/constellation.h>
#include <dualsat/core/cpu_features.h>

#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace dualsat {

enum class DemapAlgorithm : uint8_t {
    // LLR = (min_{s: b=1} |y-s|^2 - min_{s: b=0} |y-s|^2) / N0. The receive default;
    // SIMD (SSE4.1 / AVX2) with a scalar reference.
    MaxLog,
    // LLR = ln sum_{s: b=0} exp(-|y-s|^2/N0) - ln sum_{s: b=1} exp(-|y-s|^2/N0), computed in
    // double with log-sum-exp. The reference for max-log; scalar only.
    ExactLog,
};

// Smallest noise variance used: a lower value (a noiseless loopback's estimate, say) is
// raised to this, which only makes every LLR saturate sooner.
constexpr float kMinNoiseVariance = 1e-12f;

// Symbols are limited to |I|, |Q| <= this before demapping so that squared distances
// stay finite for any finite input; real symbols are O(1).
constexpr float kMaxSymbolComponent = 1048576.0f; // 2^20

// N0 for a given Es/N0 in dB and average symbol energy (1 for the default scaling).
float noise_variance_from_esn0_db(float esn0_db, float symbol_energy = 1.0f);

// int8 LLR for the LDPC decoder: round-to-nearest-even(llr * scale), saturated to
// [-127, 127] (never -128, so negation is safe). NaN gives 0.
int8_t quantise(float llr, float scale);
void quantise(const float* llr, size_t n, float scale, int8_t* out);

class SoftDemapper
{
public:
    // simd is clamped to what the CPU supports (see cpu_features.h); it only affects
    // MaxLog. The results do not depend on it: the SIMD kernels reproduce the scalar
    // reference's float operations lane by lane (int8 bit-exact, float equal).
    explicit SoftDemapper(const Constellation& constellation,
                          DemapAlgorithm algorithm = DemapAlgorithm::MaxLog,
                          SimdLevel simd = active_simd_level());
    ~SoftDemapper();
    SoftDemapper(const SoftDemapper&) = delete;
    SoftDemapper& operator=(const SoftDemapper&) = delete;

    const Constellation& constellation() const;
    DemapAlgorithm algorithm() const;
    SimdLevel simd_level() const;
    int bits_per_symbol() const;

    // Demap n_symbols symbols (e.g. one XFECFRAME) to n_symbols * bits_per_symbol() LLRs.
    // A symbol with a NaN or infinite component is an erasure: all its LLRs are 0.
    // Returns the number of erased symbols. Throws Error if llr_capacity is too small or
    // noise_variance is not a positive finite number.
    size_t demap(const std::complex<float>* symbols,
                 size_t n_symbols,
                 float noise_variance,
                 float* llr,
                 size_t llr_capacity) const;

    // Same, straight to int8: out[i] == quantise(float LLR, scale), bit for bit.
    size_t demap_int8(const std::complex<float>* symbols,
                      size_t n_symbols,
                      float noise_variance,
                      float scale,
                      int8_t* llr,
                      size_t llr_capacity) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace dualsat
