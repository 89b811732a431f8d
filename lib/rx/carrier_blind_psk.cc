// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/constants.h>
#include <dualsat/rx/carrier_blind_psk.h>

#include <algorithm>
#include <cmath>

namespace dualsat {
namespace {

using cf = std::complex<float>;
using cd = std::complex<double>;

} // namespace

BlindPskEstimator::BlindPskEstimator(double span_snr) : m_span_snr(span_snr) {}

bool BlindPskEstimator::base_sums(const cf* frame, int total, double w, int order)
{
    // u = |y|^2 e^{j M arg y}: y^4 / |y|^2 (QPSK) or y^8 / |y|^6 (8PSK); the QPSK grid's
    // fourth power is -1, the 8PSK grid's eighth power +1.
    const double sign = order == 4 ? -1.0 : 1.0;
    const int nbase = total / kBase;
    if (nbase < 2)
        return false;
    m_base.resize(static_cast<size_t>(nbase));
    constexpr int kRestart = 512; // exact phasor every 512 symbols (a multiple of 4)
    const cd step = std::polar(1.0, -w);
    cd rot = 1.0;
    double energy = 0.0;
    for (int b = 0; b < nbase; ++b) {
        const int i0 = b * kBase;
        if (i0 % kRestart == 0)
            rot = std::polar(1.0, -w * i0);
        cd acc = 0.0;
        for (int k = 0; k < kBase; ++k) {
            const cd y = cd(frame[i0 + k]) * rot;
            rot *= step;
            const double p = std::norm(y);
            if (!(p > 0.0))
                continue;
            const cd y2 = y * y;
            const cd y4 = y2 * y2;
            acc += order == 4 ? y4 / p : (y4 * y4) / (p * p * p);
            energy += p;
        }
        m_base[static_cast<size_t>(b)] = sign * acc;
    }
    return energy > 0.0 && std::isfinite(energy);
}

double BlindPskEstimator::search(double* peak_ratio)
{
    // Frequency of u (rad/symbol, = M x the carrier's residual): the peak of the
    // zero-padded spectrum of the 4-symbol sums, parabolically interpolated.
    const size_t nbase = m_base.size();
    const size_t n = Fft::next_power_of_two(2 * nbase);
    std::unique_ptr<Fft>* slot = nullptr;
    for (auto& f : m_ffts)
        if (f->size() == n)
            slot = &f;
    if (!slot) {
        m_ffts.push_back(std::make_unique<Fft>(n));
        slot = &m_ffts.back();
    }
    m_fft_buffer.assign(n, cd(0.0));
    std::copy(m_base.begin(), m_base.end(), m_fft_buffer.begin());
    (*slot)->forward(m_fft_buffer.data());
    size_t peak = 0;
    double peak_power = -1.0, total_power = 0.0;
    for (size_t k = 0; k < n; ++k) {
        const double pw = std::norm(m_fft_buffer[k]);
        total_power += pw;
        if (pw > peak_power) {
            peak_power = pw;
            peak = k;
        }
    }
    *peak_ratio = total_power > 0.0 ? peak_power / (total_power / static_cast<double>(n)) : 0.0;
    const double a = std::abs(m_fft_buffer[(peak + n - 1) % n]);
    const double b = std::abs(m_fft_buffer[peak]);
    const double c = std::abs(m_fft_buffer[(peak + 1) % n]);
    const double den = a - 2.0 * b + c;
    double bin = static_cast<double>(peak) + (den < 0.0 ? 0.5 * (a - c) / den : 0.0);
    if (bin >= 0.5 * static_cast<double>(n))
        bin -= static_cast<double>(n);
    return 2.0 * kPi * bin / (static_cast<double>(n) * kBase);
}

bool BlindPskEstimator::track(const cf* frame, int total, double w, int order, bool run_search,
                              const SegmentPhase& header, const SegmentPhase* next_sof,
                              Trajectory* result)
{
    *result = Trajectory{};
    if (!base_sums(frame, total, w, order))
        return false;
    const int nbase = static_cast<int>(m_base.size());
    const double omega = run_search ? search(&result->peak_ratio) : 0.0;

    // Windows of 64 symbols with omega removed (each 4-symbol sum carries the phase of
    // its centre, 4 b + 1.5).
    const int per_window = kWindow / kBase;
    const int nwin = (nbase + per_window - 1) / per_window;
    m_window.assign(static_cast<size_t>(nwin), cd(0.0));
    std::vector<double>& centre = m_centre;
    centre.assign(static_cast<size_t>(nwin), 0.0);
    {
        const cd step = std::polar(1.0, -omega * kBase);
        cd rot = std::polar(1.0, -omega * 1.5);
        for (int b = 0; b < nbase; ++b) {
            if (b % 256 == 0)
                rot = std::polar(1.0, -omega * (kBase * b + 1.5));
            const int m = b / per_window;
            m_window[static_cast<size_t>(m)] += m_base[static_cast<size_t>(b)] * rot;
            centre[static_cast<size_t>(m)] += kBase * b + 1.5;
            rot *= step;
        }
        for (int m = 0; m < nwin; ++m) {
            const int count = std::min(per_window, nbase - m * per_window);
            centre[static_cast<size_t>(m)] /= count;
        }
    }

    // Sliding sums over a span long enough for a coherent SNR of blind_span_snr: the
    // M-th power costs ~25 dB at QPSK's threshold (an SNR of ~0.0012 per symbol at
    // -2.35 dB), so the span is a few thousand symbols there and a few windows at high
    // Es/N0. Window SNR: the signal power from the lag-1 products of windows (immune to
    // the noise, and to a phase that drifts slowly), the noise from the rest.
    //
    // Phase noise shortens it: a span so long that the carrier's phase wanders within it
    // (an LNB's 1-10 kHz phase noise, multiplied by M here) averages the wander in. For a
    // random-walk phase of variance q per window (M-th power domain), the lag-k window
    // products decay as exp(-q (k - 1) / 2) relative to lag 1; the error of a span of n
    // windows is ~1/(2 r n) (noise, r the window SNR) + q n / 12 (wander), least at
    // n = sqrt(6 / (r q)). The span is the shorter of the two, but never below a coherent
    // SNR of 3 (below that the unwrapping of the sliding sums itself starts to slip).
    // Measured with the DVB-S2 phase-noise mask at 10 Msym/s (bench_receiver --part b
    // --points pilotless --phase-noise): 8PSK 2/3 at QEF + 1 dB FER 0.48 -> 0.32; near
    // QPSK 1/4's and 8PSK 3/5's thresholds the decay cannot be told from its noise and
    // the span stays (FER 0.37 / 0.90 there: without pilots, phase noise of this level
    // is beyond non-data-aided estimation — the reason DVB-S2 has pilots).
    double half_windows;
    {
        constexpr int kDecayLag = 16;
        cd lag1 = 0.0, lagk = 0.0;
        double power = 0.0;
        for (int m = 0; m < nwin; ++m) {
            const cd v = m_window[static_cast<size_t>(m)];
            power += std::norm(v);
            if (m > 0)
                lag1 += v * std::conj(m_window[static_cast<size_t>(m - 1)]);
            if (m >= kDecayLag)
                lagk += v * std::conj(m_window[static_cast<size_t>(m - kDecayLag)]);
        }
        power /= nwin;
        const double signal = nwin > 1 ? std::abs(lag1) / (nwin - 1) : power;
        const double noise = std::max(power - signal, 1e-12 * power);
        const double window_snr = std::max(signal / noise, 1e-6);
        double span = m_span_snr / window_snr; // windows, for the SNR target
        if (nwin > 4 * kDecayLag && signal > 0.0) {
            const double decay = std::clamp(std::abs(lagk) / (nwin - kDecayLag) / signal, 1e-3, 1.0);
            // Only a decay well beyond the noise of its own estimate (the lag products'
            // noise relative to the signal, ~(1 + 1/r) / sqrt(count)) counts: without
            // phase noise a spurious one would cut the span where it matters most.
            const double spread = (1.0 + 1.0 / window_snr) / std::sqrt(static_cast<double>(nwin - kDecayLag));
            const double q = decay < 1.0 - 3.0 * spread ? -2.0 * std::log(decay) / (kDecayLag - 1) : 0.0;
            if (q > 0.0) {
                const double best = std::sqrt(6.0 / (window_snr * q));
                span = std::min(span, std::max(best, 3.0 / window_snr));
            }
        }
        half_windows = 0.5 * span;
    }
    const int half = std::clamp(static_cast<int>(std::ceil(half_windows)), 2, nwin);
    m_phases.resize(static_cast<size_t>(nwin));
    cd sliding = 0.0;
    for (int m = 0; m < std::min(half, nwin); ++m)
        sliding += m_window[static_cast<size_t>(m)];
    double previous = 0.0;
    for (int m = 0; m < nwin; ++m) {
        if (m + half < nwin)
            sliding += m_window[static_cast<size_t>(m + half)];
        if (m - half - 1 >= 0)
            sliding -= m_window[static_cast<size_t>(m - half - 1)];
        double phi = std::arg(sliding);
        if (m > 0)
            phi = previous + std::remainder(phi - previous, 2.0 * kPi);
        previous = phi;
        const double c = centre[static_cast<size_t>(m)];
        m_phases[static_cast<size_t>(m)] = { c, (phi + omega * c) / order, static_cast<double>(kWindow) };
    }

    // The M-fold ambiguity from the header's data-aided phase (the first window is next
    // to it; the slope carries the phase across the few symbols between the centres).
    const double sector = 2.0 * kPi / order;
    const SegmentPhase& first = m_phases.front();
    const double slope0 = nwin > 1 ? (m_phases[1].phase - first.phase) / (m_phases[1].centre - first.centre)
                                   : omega / order;
    const double at_header = first.phase + slope0 * (header.centre - first.centre);
    const double shift = sector * std::round((header.phase - at_header) / sector);
    for (SegmentPhase& p : m_phases)
        p.phase += shift;

    // The next SOF's data-aided phase checks the end of the frame.
    if (next_sof && nwin > 1) {
        const SegmentPhase& last = m_phases.back();
        const SegmentPhase& before = m_phases[static_cast<size_t>(nwin - 2)];
        const double slope1 = (last.phase - before.phase) / (last.centre - before.centre);
        const double at_sof = last.phase + slope1 * (next_sof->centre - last.centre);
        result->cycle_slip = std::fabs(std::remainder(next_sof->phase - at_sof, 2.0 * kPi)) > 0.5 * sector;
    }
    return true;
}

} // namespace dualsat
