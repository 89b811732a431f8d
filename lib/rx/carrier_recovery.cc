#include <dualsat/core/constants.h>
#include <dualsat/rx/carrier_recovery.h>
#include <dualsat/core/error.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/pl/pl_scrambler.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace dualsat {
namespace {

using cf = std::complex<float>;
using cd = std::complex<double>;

// The fine stage may start once the coarse estimate is this good: a quarter of the
// phase ambiguity between pilot blocks.
constexpr double kFineEntrySigma = kPi / (4.0 * kPilotPeriod);
// Largest multiple of the pilot-period ambiguity the QPSK fourth-power test examines.
constexpr int kMaxAmbiguity = 8;

} // namespace

CarrierRecovery::CarrierRecovery(const CarrierConfig& config)
    : m_config(config), m_blind(config.blind_span_snr), m_dd_pll(config.dd_loop_bandwidth),
      m_refiner(config.dd_refine_passes)
{
    if (!(config.dd_loop_bandwidth > 0.0 && config.dd_loop_bandwidth < 0.1))
        throw ConfigError("carrier recovery: DD loop bandwidth must be in (0, 0.1)");
    if (!(config.fine_gain > 0.0 && config.fine_gain <= 1.0))
        throw ConfigError("carrier recovery: fine gain must be in (0, 1]");
    if (!(config.blind_span_snr >= 1.0 && config.blind_span_snr <= 1000.0))
        throw ConfigError("carrier recovery: blind span SNR must be in [1, 1000]");
    if (config.dd_refine_passes < 0 || config.dd_refine_passes > 4)
        throw ConfigError("carrier recovery: dd_refine_passes must be 0..4");
    m_phase.resize(kMaxPlframeSymbols + kSofSymbols);
}

void CarrierRecovery::reset(double frequency_rad_per_symbol)
{
    if (!std::isfinite(frequency_rad_per_symbol))
        frequency_rad_per_symbol = 0.0;
    m_freq = frequency_rad_per_symbol;
    m_coarse.reset(m_freq);
    m_fine = false;
}

double CarrierRecovery::coarse_sigma() const
{
    return m_coarse.sigma();
}

double CarrierRecovery::resolve_pilot_ambiguity_qpsk(const cf* frame, int length, double w,
                                                    double residual) const
{
    // The pilot-pair estimate is exact up to a multiple of 2 pi / 1476 rad/symbol; the
    // coarse stage only tells which multiple once its standard deviation is well below
    // that (tens of frames at Es/N0 near 0 dB). Every symbol of a QPSK frame (header,
    // pilots and data alike: all points are at pi/4 + k pi/2) has fourth power -1, so
    // |sum x^4 e^{-j 4 f i}| over the frame peaks at the true residual f: candidates
    // 4 * 2 pi / 1476 apart are ~88 bins apart over a normal frame, and the peak's
    // SNR is N / ~670 at -2 dB (normal frame ~48, short ~12), so the wrong multiple
    // wins with negligible probability. Candidates: within ~3 coarse sigmas.
    const double sigma = coarse_sigma();
    const double spacing = 2.0 * kPi / kPilotPeriod;
    const int k_max = std::isfinite(sigma) ? std::min(kMaxAmbiguity, static_cast<int>(std::ceil(3.0 * sigma / spacing)))
                                           : kMaxAmbiguity;
    if (k_max <= 0)
        return residual;
    double best = -1.0;
    double best_f = residual;
    for (int k = -k_max; k <= k_max; ++k) {
        const double f = residual + k * spacing;
        const cd step = std::polar(1.0, -4.0 * (w + f));
        cd acc = 0.0;
        constexpr int kRestart = 1024;
        for (int r = 0; r < length; r += kRestart) {
            cd rot = std::polar(1.0, -4.0 * (w + f) * r);
            cd part = 0.0;
            const int stop = std::min(length, r + kRestart);
            for (int i = r; i < stop; ++i) {
                const cf x2 = frame[i] * frame[i];
                part += cd(x2 * x2) * rot;
                rot *= step;
            }
            acc += part;
        }
        const double mag = std::norm(acc);
        if (mag > best) {
            best = mag;
            best_f = f;
        }
    }
    return best_f;
}

void CarrierRecovery::process(const cf* frame, int length, bool dummy, const FrameFormat& format,
                              const cf* header_ref, const uint8_t* rn, const cf* next_sof,
                              cf* out, CarrierEstimate* estimate)
{
    if (!frame || !header_ref || !rn || !out || !estimate)
        throw ConfigError("carrier recovery: null pointer");
    const int expected = dummy ? kDummyFrameSymbols : format.plframe_symbols();
    if (length != expected)
        throw ConfigError("carrier recovery: frame length does not match its format");
    const int total = length + (next_sof ? kSofSymbols : 0);

    const int pilot_blocks = dummy ? 0 : format.pilot_blocks();
    m_known.build(length, dummy, pilot_blocks, header_ref, rn, next_sof);
    const std::vector<KnownSegment>& segs = m_known.segments();

    // Per-segment phase at its centre, and L&R lag sums, after derotation by m_freq.
    const double w = m_freq;
    LrLagSums lags;
    std::vector<SegmentPhase> phases;
    phases.reserve(segs.size());
    std::vector<cd> seg_sum;
    seg_sum.reserve(segs.size());
    cf z[kSlotSymbols];
    bool finite_input = true;
    for (const KnownSegment& s : segs) {
        cd c = 0.0;
        for (int k = 0; k < s.n; ++k) {
            const cd v = cd(frame[s.start + k]) * std::polar(1.0, -w * (s.start + k));
            z[k] = cf(v * std::conj(cd(s.ref[k])));
            c += cd(z[k]);
        }
        if (!std::isfinite(c.real()) || !std::isfinite(c.imag()))
            finite_input = false;
        lags.add_segment(z, s.n);
        phases.push_back({ s.start + 0.5 * (s.n - 1), std::arg(c), static_cast<double>(s.n) });
        seg_sum.push_back(c);
    }

    CarrierEstimate est;
    est.frequency = w;
    est.fine = m_fine;
    if (!finite_input) {
        std::fill(out, out + length, cf(0.0f, 0.0f));
        est.amplitude = 0.0f;
        est.noise_variance = std::numeric_limits<float>::infinity();
        est.esn0_db = -std::numeric_limits<float>::infinity();
        est.esn0_db_smoothed = m_level.smoothed() > 0 ? static_cast<float>(10.0 * std::log10(m_level.smoothed())) : est.esn0_db;
        *estimate = est;
        return;
    }

    bool searched = false; // a pilot frame's frequency came from the blind search
    // Pilotless QPSK / 8PSK: the blind estimator's trajectory replaces the two segments.
    const bool psk = format.modcod.mod == Modulation::QPSK || format.modcod.mod == Modulation::PSK8;
    const int order = format.modcod.mod == Modulation::QPSK ? 4 : 8; // of the M-th power, if psk
    BlindPskEstimator::Trajectory blind;
    const bool use_blind = m_config.blind_psk && !dummy && pilot_blocks == 0 && psk &&
                           m_blind.track(frame, total, w, order, !m_fine, phases.front(),
                                         next_sof ? &phases.back() : nullptr, &blind);
    if (use_blind) {
        est.used_blind = true;
        est.blind_peak_ratio = blind.peak_ratio;
        est.cycle_slip = blind.cycle_slip;
        phases = m_blind.phases();
    } else {
        // Residual frequency predicted by the coarse stage with this frame's lags included
        // (0 in the fine stage): segment phases are unwrapped around it, so that a residual
        // of a few pi/1476 rad/symbol left at acquisition does not slip a cycle.
        double predicted = 0.0;
        // Coarse stage, QPSK / 8PSK frame with pilots: every symbol (header, pilots,
        // data) is on the M-PSK grid, so the blind frequency search settles the residual
        // at once (the pilot blocks alone leave it ambiguous by multiples of 2 pi / 1476,
        // and the lag sums need tens of frames near -2 dB to tell which).
        if (!m_fine && pilot_blocks > 0 && psk && m_config.blind_psk &&
            m_blind.base_sums(frame, length, w, order)) {
            const double omega = m_blind.search(&est.blind_peak_ratio);
            if (est.blind_peak_ratio >= BlindPskEstimator::kPeakRatio) {
                predicted = omega / order;
                searched = true;
            }
        }
        if (!m_fine && !searched)
            predicted = m_coarse.predict_residual(lags, w);
        // Refine the advance per pilot period on this frame before unwrapping: the products
        // of consecutive pilot-block sums (all exactly kPilotPeriod apart) summed over the
        // frame give the phase advance per period modulo 2 pi with the noise of ~20 pairs
        // instead of one, so that a coarse residual of up to almost pi / 1476 rad/symbol
        // unwraps every pair the same (right) way. Unwrapping pair by pair around the
        // coarse prediction alone slipped single pairs at low Es/N0 while the coarse
        // estimate was still a fraction of pi / 1476 off, which lost the frame. (Not needed
        // after a blind search: its residual is far finer than the pilot ambiguity.)
        if (!searched) {
            cd pair_sum = 0.0;
            int pairs = 0;
            for (size_t s = 1; s < segs.size(); ++s)
                if (segs[s].start - segs[s - 1].start == kPilotPeriod &&
                    segs[s].n == kPilotBlockSymbols && segs[s - 1].n == kPilotBlockSymbols) {
                    pair_sum += seg_sum[s] * std::conj(seg_sum[s - 1]);
                    ++pairs;
                }
            if (pairs >= 2 && std::abs(pair_sum) > 0.0) {
                const double base = predicted * kPilotPeriod;
                predicted = (base + std::remainder(std::arg(pair_sum) - base, 2.0 * kPi)) / kPilotPeriod;
                if (!m_fine && !dummy && format.modcod.mod == Modulation::QPSK)
                    predicted = resolve_pilot_ambiguity_qpsk(frame, length, w, predicted);
            }
        }
        // Unwrap along the frame and fit a line (weights = segment lengths).
        for (size_t s = 1; s < phases.size(); ++s) {
            const double advance = predicted * (phases[s].centre - phases[s - 1].centre);
            phases[s].phase = phases[s - 1].phase + advance +
                              std::remainder(phases[s].phase - phases[s - 1].phase - advance, 2.0 * kPi);
        }
    }
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto& p : phases) {
        sw += p.weight;
        sx += p.weight * p.centre;
        sy += p.weight * p.phase;
        sxx += p.weight * p.centre * p.centre;
        sxy += p.weight * p.centre * p.phase;
    }
    double slope = 0.0, intercept = phases[0].phase;
    if (phases.size() >= 2) {
        const double den = sw * sxx - sx * sx;
        slope = den > 0 ? (sw * sxy - sx * sy) / den : 0.0;
        intercept = (sy - slope * sx) / sw;
        double r2 = 0.0;
        for (const auto& p : phases) {
            const double e = p.phase - (intercept + slope * p.centre);
            r2 += p.weight * e * e;
        }
        est.phase_rms_residual = std::sqrt(r2 / sw);
    }

    // Phase per symbol: linear between segment centres, held outside (one slope per
    // piece, no division per symbol).
    {
        const double c_first = phases.front().centre;
        int i = 0;
        for (; i < total && i <= c_first; ++i)
            m_phase[static_cast<size_t>(i)] = phases.front().phase;
        for (size_t seg = 1; seg < phases.size() && i < total; ++seg) {
            const SegmentPhase& p0 = phases[seg - 1];
            const SegmentPhase& p1 = phases[seg];
            const double slope = (p1.phase - p0.phase) / (p1.centre - p0.centre);
            const int end = std::min(total, static_cast<int>(std::ceil(p1.centre)));
            for (; i < end; ++i)
                m_phase[static_cast<size_t>(i)] = p0.phase + slope * (i - p0.centre);
        }
        for (; i < total; ++i)
            m_phase[static_cast<size_t>(i)] = phases.back().phase;
    }

    // Amplitude from the header (needed by the DD loop's decisions).
    // With the blind trajectory the known symbols (header, next SOF) are measured each at
    // its own best phase: the trajectory's small error there would otherwise read as noise
    // (the pilotless Es/N0 estimate came out ~0.15-0.2 dB low).
    const bool own_phase = use_blind;
    double dd_frequency = 0.0;
    const bool use_dd = m_config.decision_directed && !dummy && pilot_blocks == 0 && !use_blind;
    if (use_dd) {
        const double a0 = m_level.measure(frame, w, m_phase.data(), segs, own_phase).amplitude;
        dd_frequency = m_dd_pll.track(frame, length, w, a0, phases.front().phase, format.modcod,
                                      m_phase.data());
        est.used_decision_directed = true;
    }

    const SignalLevel level = m_level.measure(frame, w, m_phase.data(), segs, own_phase);
    const double amp = level.amplitude, noise = level.noise;
    est.known_symbols = level.count;
    est.phase_start = m_phase[0];
    if (!(amp > 0.0) || !std::isfinite(amp) || !std::isfinite(noise)) {
        std::fill(out, out + length, cf(0.0f, 0.0f));
        est.amplitude = 0.0f;
        est.noise_variance = std::numeric_limits<float>::infinity();
        est.esn0_db = -std::numeric_limits<float>::infinity();
        *estimate = est;
        return;
    }
    const double esn0 = level.esn0();
    est.amplitude = static_cast<float>(amp);
    est.noise_variance = static_cast<float>(std::max(noise, 1e-30) / (amp * amp));
    est.esn0_db = static_cast<float>(10.0 * std::log10(esn0));
    est.esn0_db_smoothed = static_cast<float>(10.0 * std::log10(m_level.smooth(esn0)));

    const double inv = 1.0 / amp;
    if (use_dd) {
        for (int i = 0; i < length; ++i)
            out[i] = cf(cd(frame[i]) * std::polar(inv, -(w * i + m_phase[static_cast<size_t>(i)])));
    } else {
        // The phase is piecewise linear (held, then linear between segment centres, then
        // held): one phasor recursion per piece instead of a sincos per symbol, restarted
        // exactly every kRestart symbols so that rounding cannot accumulate.
        constexpr int kRestart = 512;
        auto rotate = [&](int a, int b, double phase_a, double slope) {
            const cd step = std::polar(1.0, -(w + slope));
            for (int r = a; r < b; r += kRestart) {
                cd rot = std::polar(inv, -(w * r + phase_a + slope * (r - a)));
                const int stop = std::min(b, r + kRestart);
                for (int i = r; i < stop; ++i) {
                    // Real arithmetic: no complex-multiply NaN fallback in the loop.
                    const double xr = frame[i].real(), xi = frame[i].imag();
                    out[i] = cf(static_cast<float>(xr * rot.real() - xi * rot.imag()),
                                static_cast<float>(xr * rot.imag() + xi * rot.real()));
                    rot = cd(rot.real() * step.real() - rot.imag() * step.imag(),
                             rot.real() * step.imag() + rot.imag() * step.real());
                }
            }
        };
        const double c_first = phases.front().centre, c_last = phases.back().centre;
        size_t piece = 1;
        for (int i = 0; i < length;) {
            int end;
            if (i <= c_first) {
                end = std::min(length, static_cast<int>(std::floor(c_first)) + 1);
                rotate(i, end, phases.front().phase, 0.0);
            } else if (i >= c_last) {
                end = length;
                rotate(i, end, phases.back().phase, 0.0);
            } else {
                while (i >= phases[piece].centre)
                    ++piece;
                const SegmentPhase& p0 = phases[piece - 1];
                const SegmentPhase& p1 = phases[piece];
                end = std::min(length, static_cast<int>(std::ceil(p1.centre)));
                const double slope = (p1.phase - p0.phase) / (p1.centre - p0.centre);
                rotate(i, end, p0.phase + slope * (i - p0.centre), slope);
            }
            i = end;
        }
    }

    // Decision-directed refinement between the known symbols where decisions are mostly
    // right (the frame's Es/N0 estimate against the constellation's threshold).
    if (!dummy && !use_dd && m_config.dd_refine_passes > 0 &&
        est.esn0_db >= dd_refine_threshold_db(format.modcod.mod)) {
        m_refiner.refine(out, length, pilot_blocks, format.modcod);
        est.refined = true;
    }

    // Frequency update for the next frame.
    // A blind frame: its trajectory's slope is the whole residual (search included). In
    // the coarse stage a clear search peak moves straight to the fine stage; an unclear
    // one leaves the frame to the coarse stage's header/SOF evidence below.
    const bool blind_found = use_blind && est.blind_peak_ratio >= BlindPskEstimator::kPeakRatio && !est.cycle_slip;
    if (searched || (!m_fine && blind_found)) {
        // A pilot frame whose residual the blind search found (the pilot phases' slope,
        // unwrapped around it), or a blind frame's clear search: the coarse stage ends.
        est.residual_frequency = slope;
        m_freq = w + slope;
        m_fine = true;
    } else if (use_blind && m_fine) {
        est.residual_frequency = slope;
        if (est.cycle_slip || std::fabs(slope) > BlindPskEstimator::kLostFrequency)
            reset(m_freq); // search again on the next pilotless frame
        else
            m_freq += m_config.fine_gain * slope;
    } else if (!m_fine) {
        const double coarse = m_coarse.update(lags, w, esn0, segs);
        est.residual_frequency = coarse - m_freq;
        m_freq = coarse;
        if (coarse_sigma() < kFineEntrySigma)
            m_fine = true;
    } else {
        double residual;
        if (use_dd)
            residual = dd_frequency;
        else
            residual = slope;
        est.residual_frequency = residual;
        if (!use_dd && (pilot_blocks > 0 || dummy) && std::fabs(residual) > kPi / (2.0 * kPilotPeriod)) {
            reset(m_freq); // lost: start the coarse stage again from here
        } else {
            m_freq += m_config.fine_gain * residual;
        }
    }
    *estimate = est;
}

} // namespace dualsat
