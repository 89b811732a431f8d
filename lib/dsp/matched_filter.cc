// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/dsp/matched_filter.h>

#include <string>

namespace dualsat {

namespace {
int checked_decimation(int input_sps, int output_sps)
{
    if (input_sps < 2)
        throw ConfigError("matched filter needs >= 2 input samples per symbol, got " +
                          std::to_string(input_sps));
    if (output_sps < 1 || input_sps % output_sps != 0)
        throw ConfigError("matched filter output sps " + std::to_string(output_sps) +
                          " must divide the input sps " + std::to_string(input_sps) +
                          " (resample to an integer multiple first)");
    return input_sps / output_sps;
}
} // namespace

MatchedFilter::MatchedFilter(double rolloff, int input_sps, int span_symbols, int output_sps,
                             SimdLevel simd)
    : m_input_sps(input_sps),
      m_output_sps(output_sps),
      m_decim(checked_decimation(input_sps, output_sps)),
      m_taps(rrc_taps(rolloff, input_sps, span_symbols, RrcNormalization::RxMatched)),
      // Decimation by D: P = 1 output per Q = D inputs, a single branch.
      m_fir(m_taps, 1, false, 1, static_cast<uint64_t>(m_decim), simd)
{
}

StreamResult MatchedFilter::process(const std::complex<float>* in, size_t n_in,
                                    std::complex<float>* out, size_t out_capacity)
{
    return m_fir.process(in, n_in, out, out_capacity);
}

std::vector<std::complex<float>> MatchedFilter::process(const std::vector<std::complex<float>>& in)
{
    std::vector<std::complex<float>> out(m_fir.max_output(in.size()));
    const StreamResult r = m_fir.process(in.data(), in.size(), out.data(), out.size());
    out.resize(r.produced);
    return out;
}

} // namespace dualsat
