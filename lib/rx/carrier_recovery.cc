// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/phasor.h>
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/pl/pl_geometry.h>
#include <dualsat/rx/carrier_recovery.h>

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

// Every symbol of a QPSK or 8PSK frame lies on the M-PSK grid (see BlindPskEstimator).
bool is_psk(Modulation m) { return m == Modulation::QPSK || m == Modulation::PSK8; }
int mth_power_order(Modulation m) { return m == Modulation::QPSK ? 4 : 8; }

// No usable estimate: zero output, amplitude 0, noise variance +inf.
void no_estimate(cf* out, int length, CarrierEstimate* est)
{
    if (out)
        std::fill(out, out + length, cf(0.0f, 0.0f));
    est->amplitude = 0.0f;
    est->noise_variance = std::numeric_limits<float>::infinity();
    est->esn0_db = -std::numeric_limits<float>::infinity();
    est->esn0_var_db2 = std::numeric_limits<float>::infinity();
}

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

double CarrierRecovery::unwrap_residual(const cf* frame, int length, bool dummy,
                                        const FrameFormat& format, int pilot_blocks, double w,
                                        const LrLagSums& lags, CarrierEstimate* est,
                                        bool* searched)
{
    // Residual frequency predicted by the coarse stage with this frame's lags included
    // (0 in the fine stage): segment phases are unwrapped around it, so that a residual
    // of a few pi/1476 rad/symbol left at acquisition does not slip a cycle.
    double predicted = 0.0;
    *searched = false;
    // Coarse stage, QPSK / 8PSK frame with pilots: every symbol (header, pilots,
    // data) is on the M-PSK grid, so the blind frequency search settles the residual
    // at once (the pilot blocks alone leave it ambiguous by multiples of 2 pi / 1476,
    // and the lag sums need tens of frames near -2 dB to tell which).
    const Modulation mod = format.modcod.mod;
    if (!m_fine && pilot_blocks > 0 && is_psk(mod) && m_config.blind_psk &&
        m_blind.base_sums(frame, length, w, mth_power_order(mod))) {
        const double omega = m_blind.search(&est->blind_peak_ratio);
        if (est->blind_peak_ratio >= BlindPskEstimator::kPeakRatio) {
            predicted = omega / mth_power_order(mod);
            *searched = true;
        }
    }
    if (*searched)
        return predicted; // far finer than the pilot ambiguity: no pair refinement
    if (!m_fine)
        predicted = m_coarse.predict_residual(lags, w);
    // Refine the advance per pilot period on this frame before unwrapping: the pilot-pair
    // estimate has the noise of ~20 pairs instead of one, so that a coarse residual of up
    // to almost pi / 1476 rad/symbol unwraps every pair the same (right) way. Unwrapping
    // pair by pair around the coarse prediction alone slipped single pairs at low Es/N0
    // while the coarse estimate was still a fraction of pi / 1476 off, which lost the
    // frame. In the coarse stage a QPSK frame then picks the multiple of 2 pi / 1476 by
    // its fourth-power spectrum.
    if (m_pilot.pilot_pair_residual(m_known.segments(), &predicted) && !m_fine && !dummy &&
        mod == Modulation::QPSK)
        predicted = PilotPhaseEstimator::resolve_pilot_ambiguity_qpsk(frame, length, w, predicted,
                                                                      m_coarse.sigma());
    return predicted;
}

void CarrierRecovery::update_frequency(const FrameEvidence& e, const LrLagSums& lags,
                                       CarrierEstimate* est)
{
    // A blind frame: its trajectory's slope is the whole residual (search included). In
    // the coarse stage a clear search peak moves straight to the fine stage; an unclear
    // one leaves the frame to the coarse stage's header/SOF evidence below.
    const bool blind_found = e.blind && est->blind_peak_ratio >= BlindPskEstimator::kPeakRatio &&
                             !est->cycle_slip;
    if (e.searched || (!m_fine && blind_found)) {
        // A pilot frame whose residual the blind search found (the pilot phases' slope,
        // unwrapped around it), or a blind frame's clear search: the coarse stage ends.
        est->residual_frequency = e.slope;
        m_freq = e.w + e.slope;
        m_fine = true;
    } else if (e.blind && m_fine) {
        est->residual_frequency = e.slope;
        if (est->cycle_slip || std::fabs(e.slope) > BlindPskEstimator::kLostFrequency)
            reset(m_freq); // search again on the next pilotless frame
        else
            m_freq += m_config.fine_gain * e.slope;
    } else if (!m_fine) {
        const double coarse = m_coarse.update(lags, e.w, e.esn0, m_known.segments());
        est->residual_frequency = coarse - m_freq;
        m_freq = coarse;
        if (coarse_sigma() < kFineEntrySigma)
            m_fine = true;
    } else {
        const double residual = e.decision_directed ? e.dd_frequency : e.slope;
        est->residual_frequency = residual;
        if (!e.decision_directed && e.pilots_or_dummy && std::fabs(residual) > kPi / (2.0 * kPilotPeriod))
            reset(m_freq); // lost: start the coarse stage again from here
        else
            m_freq += m_config.fine_gain * residual;
    }
}

void CarrierRecovery::process(const cf* frame, int length, bool dummy, const FrameFormat& format,
                              const cf* header_ref, const uint8_t* rn, const cf* next_sof,
                              cf* out, CarrierEstimate* estimate)
{
    if (!frame || !header_ref || !rn || !estimate)
        throw ConfigError("carrier recovery: null pointer");
    const int expected = dummy ? kDummyFrameSymbols : format.plframe_symbols();
    if (length != expected)
        throw ConfigError("carrier recovery: frame length does not match its format");
    const int total = length + (next_sof ? kSofSymbols : 0);
    const int pilot_blocks = dummy ? 0 : format.pilot_blocks();
    const Modulation mod = format.modcod.mod;
    m_known.build(length, dummy, pilot_blocks, header_ref, rn, next_sof);
    const std::vector<KnownSegment>& segs = m_known.segments();

    // Segment phases and L&R lag sums, after derotation by the current frequency.
    const double w = m_freq;
    CarrierEstimate est;
    est.frequency = w;
    est.fine = m_fine;
    LrLagSums lags;
    // The lag sums serve the coarse stage only (unwrap_residual, update_frequency).
    if (!m_pilot.measure(frame, w, segs, m_fine ? nullptr : &lags)) {
        no_estimate(out, length, &est);
        est.esn0_db_smoothed = m_level.smoothed() > 0 ? static_cast<float>(10.0 * std::log10(m_level.smoothed()))
                                                      : est.esn0_db;
        *estimate = est;
        return;
    }

    // The phase trajectory: for pilotless QPSK / 8PSK the blind estimator's (it replaces
    // the header and next-SOF segments), else the segment phases unwrapped.
    BlindPskEstimator::Trajectory blind;
    const bool use_blind = m_config.blind_psk && !dummy && pilot_blocks == 0 && is_psk(mod) &&
                           m_blind.track(frame, total, w, mth_power_order(mod), !m_fine,
                                         m_pilot.phases().front(),
                                         next_sof ? &m_pilot.phases().back() : nullptr, &blind);
    bool searched = false; // a pilot frame's frequency came from the blind search
    if (use_blind) {
        est.used_blind = true;
        est.blind_peak_ratio = blind.peak_ratio;
        est.cycle_slip = blind.cycle_slip;
    } else {
        m_pilot.unwrap(unwrap_residual(frame, length, dummy, format, pilot_blocks, w, lags, &est,
                                       &searched));
    }
    const std::vector<SegmentPhase>& phases = use_blind ? m_blind.phases() : m_pilot.phases();
    const PhaseLine line = fit_phase_line(phases);
    est.phase_rms_residual = line.rms_residual;
    interpolate_phase(phases, total, m_phase.data());

    // Pilotless data frames without the blind estimator: the DD PLL from the header's phase
    // (its decisions need the amplitude, from the header).
    // With the blind trajectory the known symbols (header, next SOF) are measured each at
    // its own best phase: the trajectory's small error there would otherwise read as noise
    // (the pilotless Es/N0 estimate came out ~0.15-0.2 dB low).
    const bool own_phase = use_blind;
    // Blanked (erased) segments are no evidence of the level either (not with the blind
    // trajectory, whose segments are its own).
    const std::vector<char>* blank = !use_blind && m_pilot.blank_segments() > 0 ? &m_pilot.blank() : nullptr;
    const bool use_dd = m_config.decision_directed && !dummy && pilot_blocks == 0 && !use_blind;
    double dd_frequency = 0.0;
    if (use_dd) {
        const double a0 = m_level.measure_derotated(m_pilot.derotated().data(), m_phase.data(), segs, own_phase, blank).amplitude;
        dd_frequency = m_dd_pll.track(frame, length, w, a0, phases.front().phase, format.modcod,
                                      m_phase.data());
        est.used_decision_directed = true;
    }

    const SignalLevel level = m_level.measure_derotated(m_pilot.derotated().data(), m_phase.data(), segs, own_phase, blank);
    est.known_symbols = level.count;
    est.phase_start = m_phase[0];
    const double amp = level.amplitude, noise = level.noise;
    if (!(amp > 0.0) || !std::isfinite(amp) || !std::isfinite(noise)) {
        no_estimate(out, length, &est);
        *estimate = est;
        return;
    }
    const double esn0 = level.esn0();
    est.amplitude = static_cast<float>(amp);
    est.noise_variance = static_cast<float>(std::max(noise, 1e-30) / (amp * amp));
    // The reported estimate (radial noise at high Es/N0); the decisions below keep esn0.
    est.esn0_db = static_cast<float>(10.0 * std::log10(level.link_esn0()));
    est.esn0_var_db2 = static_cast<float>(level.link_esn0_variance_db2());
    est.esn0_db_smoothed = static_cast<float>(10.0 * std::log10(m_level.smooth(esn0)));

    // Output: derotated, phase-corrected, divided by the amplitude.
    const double inv = 1.0 / amp;
    if (!out) {
        // Estimates only: the frequency, phase and level evidence below is all the frame
        // is for (a dummy frame on an idle link).
    } else if (use_dd) {
        for (int i = 0; i < length; ++i)
            out[i] = cf(cd(frame[i]) * (inv * unit_phasor_d(-(w * i + m_phase[static_cast<size_t>(i)]))));
    } else {
        derotate_piecewise(frame, length, w, inv, phases, out);
    }

    // Decision-directed refinement between the known symbols where decisions are mostly
    // right (the frame's Es/N0 estimate against the constellation's threshold).
    if (out && !dummy && !use_dd && m_config.dd_refine_passes > 0 &&
        static_cast<float>(10.0 * std::log10(esn0)) >= dd_refine_threshold_db(mod)) {
        m_refiner.refine(out, length, pilot_blocks, format.modcod);
        est.refined = true;
    }

    FrameEvidence evidence;
    evidence.w = w;
    evidence.slope = line.slope;
    evidence.esn0 = esn0;
    evidence.searched = searched;
    evidence.blind = use_blind;
    evidence.decision_directed = use_dd;
    evidence.dd_frequency = dd_frequency;
    evidence.pilots_or_dummy = pilot_blocks > 0 || dummy;
    update_frequency(evidence, lags, &est);
    *estimate = est;
}

} // namespace dualsat
