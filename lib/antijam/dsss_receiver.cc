// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/antijam/dsss_receiver.h>

#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/core/phasor.h>

#include <algorithm>
#include <cmath>

namespace dualsat {

namespace {

// Matched-filter samples kept around a search window or a symbol: cubic interpolation,
// the early / late gates and the timing refinement reach a few samples beyond them.
constexpr double kSearchMargin = 8.0;
constexpr double kMaxEsn0Db = 60.0;
constexpr uint64_t kPullInBlocks = 8;
// Blocks after the pull-in before the output reference may be re-anchored: the averaged
// NCO frequency (1/16 per block) has then come within e^-4 of a pull-in step.
constexpr uint64_t kReanchorAfterBlocks = 64;

const DsssReceiverConfig& checked(const DsssReceiverConfig& c)
{
    KeyedChipSequence::check_sf(c.sf);
    check_dsss_shaping(c.shaping);
    if (!(c.code_window_chips >= 0.5 && c.code_window_chips <= 65536.0))
        throw ConfigError("DsssReceiver: code_window_chips outside [0.5, 65536]");
    if (!(c.max_cfo >= 0.0 && c.max_cfo < 0.25))
        throw ConfigError("DsssReceiver: max_cfo outside [0, 0.25) cycles per chip");
    if (c.acquisition_symbols < 1 || c.acquisition_symbols > 4096)
        throw ConfigError("DsssReceiver: acquisition_symbols outside [1, 4096]");
    if (!(c.false_alarm_probability > 0.0 && c.false_alarm_probability <= 0.1))
        throw ConfigError("DsssReceiver: false_alarm_probability outside (0, 0.1]");
    if (!(c.frequency_step > 0.0 && c.frequency_step <= 1.0))
        throw ConfigError("DsssReceiver: frequency_step outside (0, 1]");
    if (c.refine_symbols < 1 || c.refine_symbols > 65536)
        throw ConfigError("DsssReceiver: refine_symbols outside [1, 65536]");
    if (c.track_block_symbols < 4 || c.track_block_symbols > 100000)
        throw ConfigError("DsssReceiver: track_block_symbols outside [4, 100000]");
    if (!(c.fll_gain > 0.0 && c.fll_gain <= 1.0) || !(c.dll_gain > 0.0 && c.dll_gain <= 1.0))
        throw ConfigError("DsssReceiver: loop gains outside (0, 1]");
    if (!(c.lock_ratio_threshold > 1.0) || c.lock_loss_blocks < 1)
        throw ConfigError("DsssReceiver: lock_ratio_threshold <= 1 or lock_loss_blocks < 1");
    if (c.erasure_blocks < 0 || c.erasure_blocks > (1 << 20))
        throw ConfigError("DsssReceiver: erasure_blocks outside 0..2^20");
    if (!(c.reanchor_cycles_per_symbol >= 0.0 && c.reanchor_cycles_per_symbol < 0.5))
        throw ConfigError("DsssReceiver: reanchor_cycles_per_symbol outside [0, 0.5)");
    return c;
}

// Upper quantile z of the standard normal: P(Z > z) = p (bisection; p in (0, 0.5]).
double normal_upper_quantile(double p)
{
    double lo = 0.0, hi = 40.0;
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (lo + hi);
        if (0.5 * std::erfc(mid / std::sqrt(2.0)) > p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

// x with P(Gamma(M, 1) > x) = p: chi-square with 2M degrees of freedom over 2, by the
// Wilson-Hilferty cube-root normal approximation.
double gamma_upper_quantile(int m, double p)
{
    const double z = normal_upper_quantile(p);
    const double k = 2.0 * m;
    const double t = 1.0 - 2.0 / (9.0 * k) + z * std::sqrt(2.0 / (9.0 * k));
    return 0.5 * k * t * t * t;
}

// The raised-cosine pulse (RRC transmit filter convolved with the RRC matched filter) at t
// chips, roll-off b.
double raised_cosine(double t, double b)
{
    const double sinc = std::fabs(t) < 1e-12 ? 1.0 : std::sin(kPi * t) / (kPi * t);
    const double d = 1.0 - 4.0 * b * b * t * t;
    if (std::fabs(d) < 1e-9)
        return sinc * kPi / 4.0; // the limit at |t| = 1 / (2 b)
    return sinc * std::cos(kPi * b * t) / d;
}

// Cubic Lagrange interpolation at mu in [0, 1) between p[1] and p[2].
inline std::complex<float> cubic(const std::complex<float>* p, const float w[4])
{
    return p[0] * w[0] + p[1] * w[1] + p[2] * w[2] + p[3] * w[3];
}

} // namespace

DsssReceiver::DsssReceiver(std::shared_ptr<const KeyedChipSequence> sequence,
                           const DsssReceiverConfig& config)
    : m_seq(std::move(sequence)),
      m_cfg(checked(config)),
      m_mf(config.shaping.rolloff, config.shaping.samples_per_chip, config.shaping.span_chips, 2),
      m_window(static_cast<int>(std::ceil(2.0 * config.code_window_chips))),
      m_delay(0.0),
      m_fft(Fft::next_power_of_two(static_cast<size_t>(2 * config.sf + 2 * m_window + 1)))
{
    if (!m_seq)
        throw ConfigError("DsssReceiver: null chip sequence");
    if (m_fft.size() > (1u << 20))
        throw ConfigError("DsssReceiver: code window too large for the FFT search");
    const int sps = m_cfg.shaping.samples_per_chip;
    // Transmit shaper and matched filter: span_chips / 2 chips of group delay each.
    const double rx_delay_chips = static_cast<double>(m_mf.group_delay_input_samples()) / sps;
    m_delay = 2.0 * (0.5 * m_cfg.shaping.span_chips + rx_delay_chips);

    const double n = static_cast<double>(m_fft.size());
    const double l = 2.0 * m_cfg.sf;
    m_step_bins = std::max(1, static_cast<int>(std::floor(m_cfg.frequency_step * n / l)));
    const double step = m_step_bins / n; // cycles per matched-filter sample
    m_bins = static_cast<int>(std::ceil(0.5 * m_cfg.max_cfo / step - 1e-9));
    if (m_bins * m_step_bins > static_cast<int>(m_fft.size() / 4))
        throw ConfigError("DsssReceiver: max_cfo too large for the search");

    const double cells = static_cast<double>(2 * m_window + 1) * (2 * m_bins + 1);
    m_search_threshold =
        gamma_upper_quantile(m_cfg.acquisition_symbols, m_cfg.false_alarm_probability / cells);

    // S-curve slope of (|L|^2 - |E|^2) / |P|^2 at zero timing error (per chip).
    const double b = m_cfg.shaping.rolloff;
    auto s_curve = [b](double e) {
        const double late = raised_cosine(0.5 - e, b), early = raised_cosine(0.5 + e, b);
        const double p = raised_cosine(e, b);
        return (late * late - early * early) / (p * p);
    };
    m_dll_slope = (s_curve(0.01) - s_curve(-0.01)) / 0.02;

    const size_t nfft = m_fft.size();
    m_fx.resize(nfft);
    m_fr.resize(nfft);
    m_fz.resize(nfft);
    m_chips.resize(static_cast<size_t>(m_cfg.sf));
    m_prev_chips.resize(static_cast<size_t>(m_cfg.sf));
    m_seg.resize(2 * static_cast<size_t>(m_cfg.sf) + 4);
    m_z.resize(m_seg.size() - 3);

    m_next_search = m_cfg.first_symbol_index;
    while (nominal_start(m_next_search) - m_window - kSearchMargin < 0.0)
        ++m_next_search;
}

double DsssReceiver::nominal_start(uint64_t symbol) const
{
    const double k = static_cast<double>(static_cast<int64_t>(symbol - m_cfg.first_symbol_index));
    return m_delay + 2.0 * m_cfg.sf * k;
}

bool DsssReceiver::have_samples(double last_index) const
{
    return last_index < static_cast<double>(m_y_base + m_y.size());
}

double DsssReceiver::nco_phase(double index) const
{
    return kTwoPi * m_freq * index + m_phase_offset;
}

void DsssReceiver::set_frequency(double cycles_per_sample, double at_index)
{
    // Phase-continuous at at_index.
    m_phase_offset += kTwoPi * (m_freq - cycles_per_sample) * at_index;
    m_phase_offset = std::remainder(m_phase_offset, kTwoPi);
    m_freq = cycles_per_sample;
}

void DsssReceiver::process(const std::complex<float>* in, size_t n,
                           std::vector<std::complex<float>>& out, std::vector<uint64_t>* indices)
{
    m_in_clean.resize(n);
    for (size_t i = 0; i < n; ++i) {
        const std::complex<float> x = in[i];
        if (std::isfinite(x.real()) && std::isfinite(x.imag())) {
            m_in_clean[i] = x;
        } else {
            m_in_clean[i] = 0.0f;
            ++m_stats.nonfinite_samples;
        }
    }
    m_stats.samples_in += n;
    m_mf_out.resize(m_mf.max_output(n));
    const StreamResult r = m_mf.process(m_in_clean.data(), n, m_mf_out.data(), m_mf_out.size());
    m_y.insert(m_y.end(), m_mf_out.begin(), m_mf_out.begin() + static_cast<std::ptrdiff_t>(r.produced));

    for (;;) {
        if (m_locked) {
            if (m_refine_pending && !finish_acquisition())
                break; // waiting for samples
            track(out, indices);
            if (m_locked)
                break; // waiting for samples
        } else {
            const uint64_t before = m_stats.searches;
            search();
            if (!m_locked && m_stats.searches == before)
                break; // waiting for samples
        }
    }
    trim();
    m_stats.locked = m_locked;
}

DsssReceiver::Despread DsssReceiver::despread(uint64_t symbol, double pos)
{
    const int sf = m_cfg.sf;
    const double fl = std::floor(pos);
    const double mu = pos - fl;
    const int64_t n0 = static_cast<int64_t>(fl);
    const size_t first = static_cast<size_t>(n0 - 2 - static_cast<int64_t>(m_y_base));
    // Derotate the samples n0 - 2 .. n0 + 2 SF + 1 by the NCO.
    const std::complex<double> step = unit_phasor_d(-kTwoPi * m_freq);
    std::complex<double> rot = unit_phasor_d(-nco_phase(static_cast<double>(n0 - 2)));
    for (size_t i = 0; i < m_seg.size(); ++i) {
        m_seg[i] = m_y[first + i] * std::complex<float>(rot);
        rot *= step;
    }
    const float m = static_cast<float>(mu);
    const float w[4] = { -m * (m - 1.0f) * (m - 2.0f) / 6.0f, (m + 1.0f) * (m - 1.0f) * (m - 2.0f) / 2.0f,
                         -(m + 1.0f) * m * (m - 2.0f) / 2.0f, (m + 1.0f) * m * (m - 1.0f) / 6.0f };
    // The decoy uses the previous symbol's chips: usually those of the last call.
    if (m_have_prev && m_prev_symbol == symbol) {
        m_prev_chips.swap(m_chips);
    } else {
        m_seq->chips(symbol - 1, sf, m_prev_chips.data());
    }
    m_seq->chips(symbol, sf, m_chips.data());
    m_have_prev = true;
    m_prev_symbol = symbol + 1; // m_chips are the previous chips of symbol + 1
    // z(j) = y(n0 + j + mu), j = -1 .. 2 SF - 1, is cubic(&m_seg[j + 1]) = m_z[j + 1]: the
    // late gate of chip c is the early gate of chip c + 1.
    for (size_t j = 0; j + 3 < m_seg.size(); ++j)
        m_z[j] = cubic(&m_seg[j], w);
    std::complex<float> h1 = 0, h2 = 0, e = 0, l = 0, d = 0;
    const int half = sf / 2;
    for (int c = 0; c < sf; ++c) {
        const std::complex<float> ze = m_z[2 * static_cast<size_t>(c)];
        const std::complex<float> zp = m_z[2 * static_cast<size_t>(c) + 1];
        const std::complex<float> zl = m_z[2 * static_cast<size_t>(c) + 2];
        const std::complex<float> cc = std::conj(m_chips[c]);
        const std::complex<float> p = cc * zp;
        if (c < half)
            h1 += p;
        else
            h2 += p;
        e += cc * ze;
        l += cc * zl;
        d += std::conj(m_prev_chips[c]) * zp;
    }
    Despread r;
    r.half1 = h1;
    r.half2 = h2;
    r.prompt = std::complex<double>(h1) + std::complex<double>(h2);
    r.early = e;
    r.late = l;
    r.decoy = d;
    return r;
}

void DsssReceiver::search()
{
    const int sf = m_cfg.sf;
    const int mcount = m_cfg.acquisition_symbols;
    const size_t nfft = m_fft.size();
    const int lags = 2 * m_window + 1;
    const int l = 2 * sf;
    while (nominal_start(m_next_search) - m_window - kSearchMargin < static_cast<double>(m_y_base))
        ++m_next_search;
    const uint64_t s0 = m_next_search;
    const double last = nominal_start(s0 + static_cast<uint64_t>(mcount) - 1) - m_window + l + 2 * m_window;
    // The refinement passes over these symbols need a little more (interpolation, late
    // gate, timing moves).
    if (!have_samples(last + kSearchMargin))
        return;
    ++m_stats.searches;
    m_have_prev = false; // m_chips is reused below
    const int bins = 2 * m_bins + 1;
    m_acc.assign(static_cast<size_t>(lags) * bins, 0.0);
    const size_t seg_len = static_cast<size_t>(l + 2 * m_window);
    for (int m = 0; m < mcount; ++m) {
        const uint64_t s = s0 + static_cast<uint64_t>(m);
        const size_t start = static_cast<size_t>(nominal_start(s) - m_window) - m_y_base;
        for (size_t i = 0; i < nfft; ++i)
            m_fx[i] = i < seg_len ? std::complex<double>(m_y[start + i]) : 0.0;
        m_fft.forward(m_fx.data());
        m_seq->chips(s, sf, m_chips.data());
        std::fill(m_fr.begin(), m_fr.end(), 0.0);
        for (int c = 0; c < sf; ++c)
            m_fr[2 * static_cast<size_t>(c)] = std::complex<double>(m_chips[c]);
        m_fft.forward(m_fr.data());
        for (int b = -m_bins; b <= m_bins; ++b) {
            const size_t k = static_cast<size_t>((b * m_step_bins + static_cast<int>(nfft)) % static_cast<int>(nfft));
            // IFFT(X[i + k] conj(R[i])) as conj(FFT(conj(.))) / N; |.|^2 only, scale kept.
            for (size_t i = 0; i < nfft; ++i)
                m_fz[i] = std::conj(m_fx[(i + k) & (nfft - 1)]) * m_fr[i];
            m_fft.forward(m_fz.data());
            double* acc = &m_acc[static_cast<size_t>(b + m_bins) * lags];
            for (int lag = 0; lag < lags; ++lag)
                acc[lag] += std::norm(m_fz[static_cast<size_t>(lag)]);
        }
    }

    std::vector<double> sorted(m_acc);
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
    const double theta = sorted[sorted.size() / 2] / (mcount - 1.0 / 3.0);
    const auto best = std::max_element(m_acc.begin(), m_acc.end());
    const size_t bi = static_cast<size_t>(best - m_acc.begin());
    const int bin = static_cast<int>(bi / lags) - m_bins;
    const int lag = static_cast<int>(bi % lags);

    DsssAcquisition a;
    a.first_symbol = s0;
    a.bin = bin;
    a.bin_spacing = 2.0 * m_step_bins / static_cast<double>(nfft);
    a.cfo = bin * a.bin_spacing;
    a.threshold = m_search_threshold;
    a.metric = theta > 0.0 && std::isfinite(theta) ? *best / theta : 0.0;
    a.input_samples = m_stats.samples_in;
    a.detected = theta > 0.0 && std::isfinite(theta) && a.metric > m_search_threshold;
    if (!a.detected) {
        a.code_phase_chips = 0.5 * (lag - m_window);
        m_last_acq = a;
        m_next_search = s0 + static_cast<uint64_t>(mcount);
        return;
    }
    // Sub-sample code phase: parabola through the amplitudes at the neighbouring lags.
    double delta = 0.0;
    if (lag > 0 && lag + 1 < lags) {
        const double* acc = &m_acc[static_cast<size_t>(bin + m_bins) * lags];
        const double ym = std::sqrt(acc[lag - 1]), y0 = std::sqrt(acc[lag]), yp = std::sqrt(acc[lag + 1]);
        const double den = ym - 2.0 * y0 + yp;
        if (den < 0.0)
            delta = std::clamp(0.5 * (ym - yp) / den, -0.5, 0.5);
    }
    const double phase_samples = lag - m_window + delta;
    a.code_phase_chips = 0.5 * phase_samples;

    m_locked = true;
    ++m_stats.acquisitions;
    m_symbol = s0;
    m_pos = nominal_start(s0) + phase_samples;
    m_freq = 0.0;
    m_phase_offset = 0.0;
    set_frequency(0.5 * a.cfo, m_pos);
    a.cfo_refined = a.cfo;
    m_last_acq = a;
    m_refine_pending = true;
}

bool DsssReceiver::finish_acquisition()
{
    const int count = m_cfg.refine_symbols;
    if (!have_samples(m_pos + 2.0 * m_cfg.sf * count + kSearchMargin))
        return false;
    refine_on(m_symbol, count);
    refine_on(m_symbol, count);
    m_refine_pending = false;
    m_last_acq.cfo_refined = 2.0 * m_freq;
    m_last_acq.refined = true;
    m_ref_freq = m_freq;
    m_ref_phase = m_phase_offset;
    m_freq_smooth = m_freq;
    m_block_n = 0;
    m_acc_p = m_acc_e = m_acc_l = m_acc_d = 0.0;
    m_acc_f = 0.0;
    m_bad_blocks = 0;
    m_empty_blocks = 0;
    m_reanchor_blocks_left = 0;
    m_blocks_locked = 0;
    return true;
}

void DsssReceiver::refine_on(uint64_t first, int count)
{
    std::complex<double> f = 0.0;
    double p = 0, e = 0, l = 0, d = 0;
    for (int m = 0; m < count; ++m) {
        const Despread r = despread(first + static_cast<uint64_t>(m), m_pos + 2.0 * m_cfg.sf * m);
        f += std::conj(r.half1) * r.half2;
        p += std::norm(r.prompt);
        e += std::norm(r.early);
        l += std::norm(r.late);
        d += std::norm(r.decoy);
    }
    const double sf = m_cfg.sf;
    if (std::abs(f) > 0.0)
        set_frequency(m_freq + std::arg(f) / (kTwoPi * sf), m_pos);
    if (p - d > 0.0) {
        const double err = std::clamp((l - e) / (p - d) / m_dll_slope, -0.5, 0.5);
        m_pos += 2.0 * err;
    }
}

void DsssReceiver::track(std::vector<std::complex<float>>& out, std::vector<uint64_t>* indices)
{
    const double sf = m_cfg.sf;
    while (m_locked && have_samples(m_pos + 2.0 * sf + 2.0)) {
        const Despread r = despread(m_symbol, m_pos);
        const double centre = m_pos + sf;
        const std::complex<double> back = unit_phasor_d(nco_phase(centre) - (kTwoPi * m_ref_freq * centre + m_ref_phase));
        out.push_back(std::complex<float>(r.prompt * back / sf));
        if (indices)
            indices->push_back(m_symbol);
        ++m_stats.symbols_out;
        m_acc_f += std::conj(r.half1) * r.half2;
        m_acc_p += std::norm(r.prompt);
        m_acc_e += std::norm(r.early);
        m_acc_l += std::norm(r.late);
        m_acc_d += std::norm(r.decoy);
        ++m_symbol;
        m_pos += 2.0 * sf;
        if (++m_block_n == m_cfg.track_block_symbols)
            end_block();
    }
    m_stats.code_phase_chips = 0.5 * (m_pos - nominal_start(m_symbol));
    m_stats.cfo = 2.0 * m_freq_smooth;
    m_stats.output_cfo = 2.0 * m_ref_freq;
}

void DsssReceiver::end_block()
{
    const double sf = m_cfg.sf;
    // An erased stretch (exact zeros in, so exact zeros in every sum): no information on
    // lock, timing or frequency. Passed over, up to erasure_blocks in a row; the NCO and
    // the code phase run on, as they would with the signal there.
    const bool empty = m_acc_p == 0.0 && m_acc_d == 0.0;
    if (empty && m_empty_blocks < m_cfg.erasure_blocks) {
        ++m_empty_blocks;
        ++m_stats.erased_blocks;
        m_block_n = 0;
        m_acc_e = m_acc_l = 0.0;
        m_acc_f = 0.0;
        return;
    }
    if (!empty)
        m_empty_blocks = 0; // else past the allowance: a bad block until the input returns
    const double ratio = m_acc_d > 0.0 ? m_acc_p / m_acc_d : 0.0;
    m_stats.lock_ratio = ratio;
    // The Es/N0 estimate from sums smoothed over ~8 blocks (one block of 32 symbols alone
    // scatters by +-1.5 dB).
    if (m_blocks_locked++ == 0) {
        m_smooth_p = m_acc_p;
        m_smooth_d = m_acc_d;
    } else {
        m_smooth_p += (m_acc_p - m_smooth_p) / 8.0;
        m_smooth_d += (m_acc_d - m_smooth_d) / 8.0;
    }
    const double smoothed = m_smooth_d > 0.0 ? m_smooth_p / m_smooth_d : 0.0;
    // r tends to SF as the chip SNR grows (the decoy then sees the signal's 1/SF): the
    // estimate is meaningful below ~0 dB chip Es/N0, the spread-spectrum regime, and is
    // capped at kMaxEsn0Db.
    if (smoothed <= 1.0)
        m_stats.esn0_db = -kMaxEsn0Db;
    else if (smoothed >= sf * (1.0 - 1e-6))
        m_stats.esn0_db = kMaxEsn0Db;
    else
        m_stats.esn0_db = std::min(kMaxEsn0Db, 10.0 * std::log10(sf * (smoothed - 1.0) / (sf - smoothed)));
    if (ratio >= m_cfg.lock_ratio_threshold) {
        m_bad_blocks = 0;
        // Pull-in with gain 0.5 for the first kPullInBlocks blocks (the acquisition leaves
        // up to a quarter bin), then the configured, smaller gain (less NCO jitter).
        const double gain = m_blocks_locked <= kPullInBlocks ? std::max(0.5, m_cfg.fll_gain) : m_cfg.fll_gain;
        if (std::abs(m_acc_f) > 0.0)
            set_frequency(m_freq + gain * std::arg(m_acc_f) / (kTwoPi * sf), m_pos);
        m_freq_smooth += (m_freq - m_freq_smooth) / 16.0;
        if (m_cfg.reanchor_cycles_per_symbol > 0.0 && m_reanchor_blocks_left == 0 &&
            m_blocks_locked > kPullInBlocks + kReanchorAfterBlocks &&
            std::abs(m_freq_smooth - m_ref_freq) * 2.0 * sf > m_cfg.reanchor_cycles_per_symbol) {
            // The averaged NCO is still on its way when it crosses the threshold: the
            // reference follows it for kReanchorAfterBlocks blocks (small steps), then stays.
            m_reanchor_blocks_left = kReanchorAfterBlocks;
            ++m_stats.reanchors;
        }
        if (m_reanchor_blocks_left > 0) {
            --m_reanchor_blocks_left;
            // Phase-continuous at the current position: the reference's phase there stays.
            m_ref_phase = std::remainder(m_ref_phase + kTwoPi * (m_ref_freq - m_freq_smooth) * m_pos, kTwoPi);
            m_ref_freq = m_freq_smooth;
        }
        const double den = m_acc_p - m_acc_d;
        if (den > 0.0) {
            const double err = std::clamp((m_acc_l - m_acc_e) / den / m_dll_slope, -0.25, 0.25);
            m_pos += 2.0 * m_cfg.dll_gain * err;
        }
    } else if (++m_bad_blocks >= m_cfg.lock_loss_blocks) {
        m_locked = false;
        ++m_stats.lock_losses;
        m_next_search = m_symbol;
    }
    m_block_n = 0;
    m_acc_p = m_acc_e = m_acc_l = m_acc_d = 0.0;
    m_acc_f = 0.0;
}

void DsssReceiver::trim()
{
    const double keep_from = m_locked ? m_pos - 2.0 * kSearchMargin
                                      : nominal_start(m_next_search) - m_window - 2.0 * kSearchMargin;
    if (keep_from <= static_cast<double>(m_y_base))
        return;
    const size_t drop = std::min(m_y.size(), static_cast<size_t>(keep_from - static_cast<double>(m_y_base)));
    if (drop < 65536 && drop < m_y.size() / 2)
        return;
    m_y.erase(m_y.begin(), m_y.begin() + static_cast<std::ptrdiff_t>(drop));
    m_y_base += drop;
}

} // namespace dualsat
