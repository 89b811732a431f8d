// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/dsp/pulse_shaper.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace dualsat {

PulseShaper::PulseShaper(double rolloff, int sps, int span_symbols, SimdLevel simd)
    : m_sps(sps),
      m_rolloff(rolloff),
      m_taps(rrc_taps(rolloff, sps, span_symbols, RrcNormalization::TxUnitPower)),
      // Interpolation by sps: P = sps outputs per Q = 1 input, one exact branch per phase.
      m_fir(m_taps, static_cast<unsigned>(sps), false, static_cast<uint64_t>(sps), 1, simd)
{
}

void PulseShaper::process(const std::complex<float>* in, size_t n_in, std::complex<float>* out)
{
    m_fir.process(in, n_in, out, n_in * static_cast<size_t>(m_sps));
}

StreamResult PulseShaper::process(const std::complex<float>* in, size_t n_in,
                                  std::complex<float>* out, size_t out_capacity)
{
    return m_fir.process(in, n_in, out, out_capacity);
}

std::vector<std::complex<float>> PulseShaper::process(const std::vector<std::complex<float>>& in)
{
    std::vector<std::complex<float>> out(in.size() * static_cast<size_t>(m_sps));
    process(in.data(), in.size(), out.data());
    return out;
}

namespace {
constexpr size_t kMidSymbols = 1024; // symbols shaped per pass before resampling

Ratio checked_output_sps(int shaping_sps, Ratio ratio)
{
    if (shaping_sps < 2)
        throw ConfigError("shaping sps must be >= 2, got " + std::to_string(shaping_sps));
    const unsigned __int128 num = static_cast<unsigned __int128>(ratio.num) * static_cast<unsigned>(shaping_sps);
    // out sps = shaping_sps · num / den >= 2
    if (num < static_cast<unsigned __int128>(2) * ratio.den)
        throw ConfigError("output must have at least 2 samples per symbol");
    if (num >= (static_cast<unsigned __int128>(1) << 62))
        throw ConfigError("output samples per symbol too large");
    return Ratio::of(static_cast<uint64_t>(num), ratio.den);
}
} // namespace

TxPulseShaper::TxPulseShaper(double rolloff, int span_symbols, int shaping_sps, Ratio ratio,
                             SimdLevel simd)
    : m_shaper(rolloff,
               // An integer output sps needs no resampler: shape at it directly.
               checked_output_sps(shaping_sps, ratio).den == 1
                   ? static_cast<int>(checked_output_sps(shaping_sps, ratio).num)
                   : shaping_sps,
               span_symbols,
               simd),
      m_out_sps_exact(checked_output_sps(shaping_sps, ratio)),
      m_out_sps(m_out_sps_exact.value())
{
    if (m_out_sps_exact.den != 1) {
        ResamplerDesign d;
        // Keep the whole RRC band (1+β)/2 · Rs in the resampler's flat passband. Resampler
        // expresses its passband edge as a fraction of min(f_in, f_out), so convert.
        const double band = (1.0 + rolloff) / 2.0 / shaping_sps; // of f_in
        const double lower = std::min(1.0, m_out_sps / shaping_sps);
        d.passband = std::min(0.45, band / lower);
        const Ratio rs = Ratio::of(m_out_sps_exact.num, m_out_sps_exact.den * static_cast<uint64_t>(shaping_sps));
        m_resampler = std::make_unique<Resampler>(rs, d, simd);
        m_mid.resize(kMidSymbols * static_cast<size_t>(shaping_sps));
    }
}

TxPulseShaper TxPulseShaper::for_rates(double rolloff, int span_symbols, double symbol_rate,
                                       double sample_rate, SimdLevel simd)
{
    if (!std::isfinite(symbol_rate) || !(symbol_rate > 0.0))
        throw ConfigError("symbol rate must be finite and > 0");
    const Ratio out_sps = Ratio::from_rates(sample_rate, symbol_rate);
    // ratio after 2-sps shaping = out_sps / 2
    const Ratio r = (out_sps.num % 2 == 0) ? Ratio::of(out_sps.num / 2, out_sps.den)
                                           : Ratio::of(out_sps.num, out_sps.den * 2);
    return TxPulseShaper(rolloff, span_symbols, 2, r, simd);
}

void TxPulseShaper::reset()
{
    m_shaper.reset();
    if (m_resampler)
        m_resampler->reset();
    m_mid_pos = m_mid_len = 0;
}

double TxPulseShaper::delay_symbols() const
{
    const double sps = m_shaper.sps();
    double d = static_cast<double>(m_shaper.group_delay_samples()) / sps;
    if (m_resampler)
        d += m_resampler->delay_input_samples() / sps;
    return d;
}

size_t TxPulseShaper::max_output(size_t n_in) const
{
    const size_t shaped = n_in * static_cast<size_t>(m_shaper.sps());
    if (!m_resampler)
        return shaped;
    return m_resampler->max_output(shaped + (m_mid_len - m_mid_pos));
}

StreamResult TxPulseShaper::process(const std::complex<float>* in, size_t n_in,
                                    std::complex<float>* out, size_t out_capacity)
{
    if (!m_resampler)
        return m_shaper.process(in, n_in, out, out_capacity);
    StreamResult r;
    const size_t sps = static_cast<size_t>(m_shaper.sps());
    for (;;) {
        if (m_mid_pos < m_mid_len) {
            const StreamResult s = m_resampler->process(&m_mid[m_mid_pos], m_mid_len - m_mid_pos,
                                                        out + r.produced, out_capacity - r.produced);
            m_mid_pos += s.consumed;
            r.produced += s.produced;
            if (m_mid_pos < m_mid_len)
                return r; // output full
        }
        if (r.consumed == n_in || r.produced == out_capacity)
            return r;
        // Shape about as many symbols as the remaining room holds, so little is left
        // pending inside when the output fills up.
        const size_t room = out_capacity - r.produced;
        const size_t fit = static_cast<size_t>(static_cast<double>(room) / m_out_sps);
        const size_t nsym = std::min({ n_in - r.consumed, std::max<size_t>(1, fit), kMidSymbols });
        m_shaper.process(in + r.consumed, nsym, m_mid.data());
        m_mid_pos = 0;
        m_mid_len = nsym * sps;
        r.consumed += nsym;
    }
}

std::vector<std::complex<float>> TxPulseShaper::process(const std::vector<std::complex<float>>& in)
{
    std::vector<std::complex<float>> out(max_output(in.size()));
    const StreamResult r = process(in.data(), in.size(), out.data(), out.size());
    out.resize(r.produced);
    return out;
}

} // namespace dualsat
