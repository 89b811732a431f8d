// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/rx/rx_frontend.h>
#include <dualsat/dsp/sample_kernels.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace dualsat {

namespace {
}

RxFrontEndConfig RxFrontEnd::checked(RxFrontEndConfig c)
{
    if (!(std::isfinite(c.symbol_rate) && c.symbol_rate > 0.0) ||
        !(std::isfinite(c.sample_rate) && c.sample_rate > 0.0))
        throw ConfigError("rx front end: symbol and sample rates must be finite and > 0");
    if (c.sample_rate < 2.0 * c.symbol_rate)
        throw ConfigError("rx front end: sample rate " + std::to_string(c.sample_rate) +
                          " is below 2 x the symbol rate " + std::to_string(c.symbol_rate));
    if (!(std::isfinite(c.max_direct_sps) && c.max_direct_sps >= 2.0) ||
        !(std::isfinite(c.working_sps) && c.working_sps >= 2.0 && c.working_sps <= c.max_direct_sps))
        throw ConfigError("rx front end: need 2 <= working_sps <= max_direct_sps");
    c.timing.rolloff = c.rolloff;
    c.timing.loop_bw = c.loop_bw;
    const double sps = c.sample_rate / c.symbol_rate;
    c.timing.samples_per_symbol = sps > c.max_direct_sps ? c.working_sps : sps;
    return c;
}

namespace {
std::unique_ptr<Resampler> make_resampler(const RxFrontEndConfig& c, SimdLevel simd)
{
    if (c.sample_rate / c.symbol_rate <= c.max_direct_sps)
        return nullptr;
    // Decimate to working_sps·Rs. Passband 0.4 of the output rate: 0.8·working_sps/2 Rs
    // = 1.6 Rs at 4 sps, far above the signal's (1 + beta)/2 + 10 % CFO.
    const Ratio ratio = Ratio::from_rates(c.working_sps * c.symbol_rate, c.sample_rate);
    return std::make_unique<Resampler>(ratio, ResamplerDesign{}, simd);
}

TimingRecoveryConfig timing_config(const RxFrontEndConfig& c, const Resampler* rs)
{
    TimingRecoveryConfig t = c.timing;
    if (rs) // the exact working rate the resampler delivers
        t.samples_per_symbol = c.sample_rate / c.symbol_rate * rs->ratio().value();
    return t;
}
} // namespace

RxFrontEnd::RxFrontEnd(const RxFrontEndConfig& config, SimdLevel simd)
    : m_cfg(checked(config)),
      m_input_sps(m_cfg.sample_rate / m_cfg.symbol_rate),
      m_agc(m_cfg.agc, simd),
      m_resampler(make_resampler(m_cfg, simd)),
      m_timing(timing_config(m_cfg, m_resampler.get()), simd),
      m_scratch(kChunk),
      m_rotate(kernels::sample_kernels_for(simd).table->rotate)
{
    m_pending.resize(m_resampler ? m_resampler->max_output(kChunk) + 16 : kChunk);
}

void RxFrontEnd::reset()
{
    m_agc.reset();
    if (m_resampler)
        m_resampler->reset();
    m_timing.reset();
    m_pending_pos = m_pending_len = 0;
    m_run_start = 1.0;
    m_nco_count = 0;
}

void RxFrontEnd::set_frequency_correction(double cycles_per_symbol)
{
    if (!(std::isfinite(cycles_per_symbol) && std::abs(cycles_per_symbol) <= 0.5))
        throw ConfigError("rx front end: frequency correction must be within ±0.5 cycles/symbol");
    // The phase runs on continuously: the next sample gets the phasor it would have had,
    // and the new frequency turns it from there.
    const size_t offset = static_cast<size_t>(m_nco_count % kRotateRun);
    std::complex<double> now = m_run_start;
    if (!m_rot_table.empty())
        now *= std::complex<double>(m_rot_table[2 * offset], m_rot_table[2 * offset + 1]);
    m_freq_corr = cycles_per_symbol;
    const double w = kTwoPi * cycles_per_symbol / m_input_sps;
    m_rot_table.resize(2 * (kRotateRun + 1));
    for (size_t k = 0; k <= kRotateRun; ++k) {
        const std::complex<double> t = std::polar(1.0, w * static_cast<double>(k));
        m_rot_table[2 * k] = t.real();
        m_rot_table[2 * k + 1] = t.imag();
    }
    m_run_start = now * std::polar(1.0, -w * static_cast<double>(offset));
    m_run_start /= std::abs(m_run_start);
}

void RxFrontEnd::derotate(std::complex<float>* x, size_t n)
{
    // Sample k of a run of kRotateRun gets run_start·e^{j·w·k}, the table entry exact
    // (std::polar) and the product in double, rounded to float per sample
    // (sample_kernels.h: no sample depends on the one before, so the kernel vectorises).
    // This replaced a phasor recursion in double, one complex multiply per sample on a
    // dependency chain (~7 cycles a sample, 5 ns a symbol at 2 samples/symbol).
    for (size_t i = 0; i < n;) {
        const size_t offset = static_cast<size_t>(m_nco_count % kRotateRun);
        const size_t run = std::min(n - i, kRotateRun - offset);
        m_rotate(x + i, run, &m_rot_table[2 * offset], m_run_start);
        m_nco_count += run;
        i += run;
        if (m_nco_count % kRotateRun == 0) {
            m_run_start *= std::complex<double>(m_rot_table[2 * kRotateRun], m_rot_table[2 * kRotateRun + 1]);
            m_run_start /= std::abs(m_run_start); // keep |phasor| = 1 against rounding drift
        }
    }
}

size_t RxFrontEnd::max_output(size_t n) const
{
    size_t mid = m_pending_len - m_pending_pos;
    mid += m_resampler ? m_resampler->max_output(n) : n;
    return m_timing.max_output(mid);
}

StreamResult RxFrontEnd::process(const std::complex<float>* in, size_t n, std::complex<float>* out,
                                 size_t out_capacity, double* strobe_times)
{
    StreamResult r;
    for (;;) {
        if (m_pending_pos < m_pending_len) {
            double* times = strobe_times ? strobe_times + r.produced : nullptr;
            const StreamResult t = m_timing.process(&m_pending[m_pending_pos], m_pending_len - m_pending_pos,
                                                    out + r.produced, out_capacity - r.produced, times);
            if (times && m_resampler) {
                // Working-rate sample index -> input sample index: resampler output m is the
                // input at m / ratio - delay.
                const double inv = 1.0 / m_resampler->ratio().value();
                for (size_t i = 0; i < t.produced; ++i)
                    times[i] = times[i] * inv - m_resampler->delay_input_samples();
            }
            m_pending_pos += t.consumed;
            r.produced += t.produced;
            if (m_pending_pos < m_pending_len)
                break; // output full
            m_pending_pos = m_pending_len = 0;
        }
        if (r.consumed >= n)
            break;
        // Take only as much input as certainly fits the output room: nothing taken is left
        // unconverted inside (a scheduler that sees all input consumed may never call
        // again at the end of a stream).
        size_t chunk = std::min(kChunk, n - r.consumed);
        while (chunk > 0 && max_output(chunk) > out_capacity - r.produced)
            chunk /= 2;
        if (chunk == 0)
            break;
        std::complex<float>* agc_out = m_resampler ? m_scratch.data() : m_pending.data();
        m_agc.process(in + r.consumed, chunk, agc_out);
        if (m_freq_corr != 0.0)
            derotate(agc_out, chunk);
        r.consumed += chunk;
        if (m_resampler) {
            const size_t need = m_resampler->max_output(chunk);
            if (need > m_pending.size())
                m_pending.resize(need); // not expected: sized for kChunk at construction
            const StreamResult rs = m_resampler->process(agc_out, chunk, m_pending.data(), m_pending.size());
            m_pending_len = rs.produced;
        } else {
            m_pending_len = chunk;
        }
        m_pending_pos = 0;
    }
    return r;
}

std::vector<std::complex<float>> RxFrontEnd::process(const std::vector<std::complex<float>>& in)
{
    std::vector<std::complex<float>> out(max_output(in.size()) + 1);
    const StreamResult r = process(in.data(), in.size(), out.data(), out.size());
    out.resize(r.produced);
    return out;
}

} // namespace dualsat
