// SPDX-License-Identifier: GPL-3.0-or-later
// Transmit pulse shaping (EN 302 307-1 §5.6: square-root raised cosine, roll-off 0.35,
// 0.25 or 0.20) and the transmit path to an arbitrary radio sample rate.
//
// PulseShaper: symbols -> samples at an integer sps >= 2, polyphase interpolating FIR with
// RRC taps normalised TxUnitPower (see rrc.h): a unit-power constellation comes out at unit
// mean power per sample. Output sample m = Σ_j h[j]·u[m-j] with u the zero-stuffed symbol
// stream (u[k·sps] = a_k), from zero initial state — the same numbers as GNU Radio's
// interp_fir_filter_ccf with the same taps. Symbol k's pulse peaks at output sample
// k·sps + group_delay_samples().
//
// TxPulseShaper: symbols -> samples at any output rate (samples per symbol >= 2, need not be
// an integer): RRC at an integer shaping sps (2 by default), then Resampler. When the
// output sps is itself an integer, the RRC runs at it directly and no resampler is used.
// This is what the transmitter uses so the radio's master clock need not be a multiple of
// the symbol rate.
//
// Both are streaming: any input chunking gives the same output. Input symbols are not
// checked for NaN on this hot path; a NaN symbol only spoils the outputs it touches.
#pragma once

#include <dualsat/dsp/polyphase_fir.h>
#include <dualsat/dsp/resampler.h>
#include <dualsat/dsp/rrc.h>

#include <complex>
#include <memory>
#include <vector>

namespace dualsat {

class PulseShaper
{
public:
    // ConfigError: rolloff outside (0, 1], sps < 2, span < 2 (see rrc_taps).
    PulseShaper(double rolloff, int sps, int span_symbols, SimdLevel simd = active_simd_level());

    // Writes n_in · sps samples; out must have room for them.
    void process(const std::complex<float>* in, size_t n_in, std::complex<float>* out);
    // Streaming with limited output room (GNU Radio): a symbol counts as consumed once all
    // its sps samples are written; a partly written one is offered again next call.
    StreamResult process(const std::complex<float>* in, size_t n_in,
                         std::complex<float>* out, size_t out_capacity);
    std::vector<std::complex<float>> process(const std::vector<std::complex<float>>& in);
    void reset() { m_fir.reset(); }

    int sps() const { return m_sps; }
    double rolloff() const { return m_rolloff; }
    const std::vector<float>& taps() const { return m_taps; }
    size_t group_delay_samples() const { return (m_taps.size() - 1) / 2; }
    SimdLevel simd_level() const { return m_fir.simd_level(); }

private:
    int m_sps;
    double m_rolloff;
    std::vector<float> m_taps;
    PolyphaseFir m_fir;
};

class TxPulseShaper
{
public:
    // Output rate = symbol rate · shaping_sps · ratio. ConfigError for a bad roll-off, span,
    // shaping_sps < 2, or output samples per symbol < 2.
    TxPulseShaper(double rolloff, int span_symbols, int shaping_sps, Ratio ratio,
                  SimdLevel simd = active_simd_level());
    // From rates in Hz (or any common unit): ratio = sample_rate / (symbol_rate · 2),
    // made exact with Ratio::from_rates (25 MHz from 6 Msym/s -> 25/12).
    static TxPulseShaper for_rates(double rolloff, int span_symbols, double symbol_rate,
                                   double sample_rate, SimdLevel simd = active_simd_level());

    // Streams; writes at most out_capacity samples and consumes only the symbols whose
    // samples it could write (a few samples of a partly written symbol are kept inside and
    // come out first on the next call).
    StreamResult process(const std::complex<float>* in, size_t n_in,
                         std::complex<float>* out, size_t out_capacity);
    std::vector<std::complex<float>> process(const std::vector<std::complex<float>>& in);
    void reset();

    // Output samples per symbol (exact ratio as a double).
    double output_sps() const { return m_out_sps; }
    Ratio output_sps_ratio() const { return m_out_sps_exact; }
    const PulseShaper& shaper() const { return m_shaper; }
    const Resampler* resampler() const { return m_resampler.get(); }
    // Output m carries the symbol stream at symbol time m / output_sps() - delay_symbols():
    // symbol k's pulse peaks at output time (k + delay_symbols()) · output_sps().
    double delay_symbols() const;
    // Upper bound of outputs for n_in more symbols.
    size_t max_output(size_t n_in) const;

private:
    PulseShaper m_shaper;
    std::unique_ptr<Resampler> m_resampler;
    Ratio m_out_sps_exact;
    double m_out_sps;
    std::vector<std::complex<float>> m_mid; // shaped samples not yet resampled
    size_t m_mid_pos = 0;
    size_t m_mid_len = 0;
};

} // namespace dualsat
