// SPDX-License-Identifier: GPL-3.0-or-later
// Receive-side RRC matched filter with decimation to 2 (or any divisor) samples per symbol.
//
// Taps are RrcNormalization::RxMatched (see rrc.h): fed with the TxUnitPower pulse shaper's
// output (at any sample rate, after resampling to an integer input_sps), the output at the
// symbol instants equals the transmitted symbols. It is a polyphase decimator: only every
// D-th filter output (D = input_sps / output_sps) is computed, y[m] = Σ_j h[j]·x[m·D - j];
// output m therefore sits at input sample m·D - group_delay_input_samples().
// Symbol timing is not this block's job: a timing-recovery loop follows at 2 sps.
#pragma once

#include <dualsat/dsp/polyphase_fir.h>
#include <dualsat/dsp/rrc.h>

#include <complex>
#include <vector>

namespace dualsat {

class MatchedFilter
{
public:
    // ConfigError: rolloff outside (0, 1], input_sps < 2, output_sps < 1, output_sps not
    // dividing input_sps (resample to an integer multiple first), span < 2.
    MatchedFilter(double rolloff, int input_sps, int span_symbols, int output_sps = 2,
                  SimdLevel simd = active_simd_level());

    StreamResult process(const std::complex<float>* in, size_t n_in,
                         std::complex<float>* out, size_t out_capacity);
    std::vector<std::complex<float>> process(const std::vector<std::complex<float>>& in);
    size_t max_output(size_t n_in) const { return m_fir.max_output(n_in); }
    void reset() { m_fir.reset(); }

    int decimation() const { return m_decim; }
    int input_sps() const { return m_input_sps; }
    int output_sps() const { return m_output_sps; }
    const std::vector<float>& taps() const { return m_taps; }
    size_t group_delay_input_samples() const { return (m_taps.size() - 1) / 2; }
    SimdLevel simd_level() const { return m_fir.simd_level(); }

private:
    int m_input_sps;
    int m_output_sps;
    int m_decim;
    std::vector<float> m_taps;
    PolyphaseFir m_fir;
};

} // namespace dualsat
