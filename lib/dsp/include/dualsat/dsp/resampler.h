// SPDX-License-Identifier: GPL-3.0-or-later
// Sample-rate conversion by any ratio, so the transmitter (and receiver) can run at a radio
// sample rate that is not a multiple of the symbol rate (e.g. 2 samples/symbol -> a USRP
// master-clock rate: ratios like 25/12 or 2.37).
//
// Resampler picks one of two structures over the same streaming engine (PolyphaseFir):
//  - rational L/M (after gcd reduction) with L <= max_exact_branches: an exact polyphase
//    bank of L branches, no interpolation error;
//  - otherwise (irrational-looking ratios): a dense bank of `interp_branches` branches with
//    linear interpolation between adjacent branches.
// Either way the output sample times are kept as an exact fraction, so over any run the
// output count is floor(inputs · ratio) + {0, 1}: no drift.
//
// Anti-imaging / anti-aliasing filter: Kaiser-windowed sinc, unit passband gain, passband
// edge = passband · min(f_in, f_out), stopband edge = (1 - passband) · min(f_in, f_out), so
// nothing that aliases or images into the passband survives above stopband_db.
#pragma once

#include <dualsat/dsp/polyphase_fir.h>

#include <complex>
#include <cstdint>
#include <vector>

namespace dualsat {

// An exact positive rational num/den, reduced, both in [1, 2^62).
struct Ratio {
    uint64_t num = 1;
    uint64_t den = 1;

    double value() const { return static_cast<double>(num) / static_cast<double>(den); }
    bool operator==(const Ratio& o) const { return num == o.num && den == o.den; }

    // Reduced num/den; ConfigError if zero or too large.
    static Ratio of(uint64_t num, uint64_t den);
    // The simplest fraction whose double is exactly x (continued fractions): 2.37 ->
    // 237/100, 25.0/12 -> 25/12; an irrational-looking x gives its exact binary fraction.
    // ConfigError unless x is finite, > 0 and representable with terms < 2^62.
    static Ratio from_double(double x);
    // out_rate / in_rate, each first made exact with from_double (so 25e6 / 12e6 -> 25/12).
    static Ratio from_rates(double out_rate, double in_rate);
};

// Kaiser-windowed-sinc low-pass, odd length. cutoff (<= 0.5) and transition in cycles/sample of the
// rate the filter runs at; DC gain = gain. attenuation_db sets the Kaiser beta and the length.
std::vector<float> kaiser_lowpass(double cutoff, double transition, double attenuation_db, double gain);

struct ResamplerDesign {
    double passband = 0.4;           // passband edge / min(f_in, f_out), in (0, 0.5)
    double stopband_db = 80.0;       // Kaiser design attenuation
    unsigned max_exact_branches = 512;
    unsigned interp_branches = 256;  // dense bank for irrational ratios
    bool force_interpolated = false; // use the dense bank even for a small L/M (tests)
};

class Resampler
{
public:
    // ratio = f_out / f_in, in [1/256, 4096]; ConfigError otherwise (also NaN, inf, <= 0).
    explicit Resampler(double ratio,
                       const ResamplerDesign& design = {},
                       SimdLevel simd = active_simd_level());
    explicit Resampler(Ratio ratio, const ResamplerDesign& design = {},
                       SimdLevel simd = active_simd_level());

    // Streams; at most out_capacity outputs. See PolyphaseFir::process for the contract.
    StreamResult process(const std::complex<float>* in, size_t n_in,
                         std::complex<float>* out, size_t out_capacity);
    // Convenience: all outputs for this chunk.
    std::vector<std::complex<float>> process(const std::vector<std::complex<float>>& in);
    size_t max_output(size_t n_in) const { return m_fir.max_output(n_in); }
    void reset() { m_fir.reset(); }

    Ratio ratio() const { return m_ratio; }
    bool exact() const { return !m_fir.interpolating(); }
    size_t taps_per_branch() const { return m_fir.taps_per_branch(); }
    // Output m is the input signal at input time m / ratio - delay_input_samples().
    double delay_input_samples() const { return m_delay; }
    SimdLevel simd_level() const { return m_fir.simd_level(); }
    uint64_t total_consumed() const { return m_fir.total_consumed(); }
    uint64_t total_produced() const { return m_fir.total_produced(); }

private:
    static PolyphaseFir build(Ratio ratio, const ResamplerDesign& d, SimdLevel simd, double* delay);

    Ratio m_ratio;
    double m_delay = 0.0;
    PolyphaseFir m_fir;
};

} // namespace dualsat
