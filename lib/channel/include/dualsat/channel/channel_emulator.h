// SPDX-License-Identifier: GPL-3.0-or-later
// Channel emulator for tests and benches: AWGN at a set Es/N0, carrier frequency offset
// with linear drift, phase noise shaped to a mask, gain steps and an attenuation trace,
// sample-clock offset, NaN injection. Deterministic for a given seed.
//
// Order of the impairments on every sample (what a real link does, in that order):
//   1. sample-clock offset: the receiver's clock runs (1 + ppm 1e-6) times the
//      transmitter's, so the output has that many samples per input sample (cubic Lagrange
//      interpolation of the input; exact for polynomials up to degree 3, i.e. accurate for
//      oversampled signals, not for 1 sample/symbol input);
//   2. gain: the current gain step minus the attenuation trace (both in dB);
//   3. carrier: exp(j (2 pi (f0 t + drift t^2 / 2) + phi0 + phase_noise(t)));
//   4. additive white Gaussian noise of a FIXED power set by Es/N0 at 0 dB gain (a fade
//      lowers the signal, not the receiver noise, so it lowers the effective Es/N0);
//   5. NaN injection.
// Time t is the output sample index divided by sample_rate_hz.
//
// Es/N0 convention: `symbol_energy` is the input signal's energy per symbol measured in
// samples, Es = mean |x|^2 * samples_per_symbol (1 for unit-energy symbols at 1 sample per
// symbol, the PlFramer's output; also 1 for gr-dtv's 2x zero-stuffed output, whose mean
// power is 1/2). The complex noise variance per sample is N0 = Es / (Es/N0): after an ideal
// unit-energy matched filter (or, for zero-stuffed input, taking every other sample), the
// symbol SNR equals the Es/N0 set here.
//
// Phase noise: the single-sideband mask L(f) in dBc/Hz is read as the two-sided phase PSD
// S_phi(f) = 10^(L/10) rad^2/Hz (small-angle), interpolated log-log between the points,
// flat outside them, and only up to fs/2. It is synthesised as a sum of white Gaussian
// noises through one- and two-pole low-pass filters with log-spaced corners plus a white
// floor; the component powers are fitted to the mask (non-negative least squares on the
// relative error, using the filters' exact discrete PSDs) when the emulator is built.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace dualsat {

// Small fast deterministic generator (xoshiro256**) with Gaussian draws.
class Rng
{
public:
    explicit Rng(uint64_t seed = 1);
    uint64_t next();
    double uniform(); // [0, 1)
    double gaussian(); // N(0, 1)
    // Complex N(0, variance): variance/2 per component.
    std::complex<float> complex_gaussian(double variance);

private:
    uint64_t m_s[4];
    double m_spare = 0.0;
    bool m_has_spare = false;
};

struct PhaseNoiseMaskPoint {
    double offset_hz;  // > 0
    double dbc_per_hz; // single-sideband L(f)
};

// A DVB-S2-style aggregate phase-noise mask (LNB + tuner), as commonly used for DVB-S2
// receiver simulations: -25 dBc/Hz at 100 Hz, -50 at 1 kHz, -73 at 10 kHz, -92.5 at
// 100 kHz, -102 at 1 MHz, -114 at 10 MHz. Meaningful for symbol rates of a few Msym/s
// and up; at lower rates it is a severe channel.
std::vector<PhaseNoiseMaskPoint> dvbs2_phase_noise_mask();

// Phase-noise process phi[n] (radians) shaped to a mask; see the file comment.
class PhaseNoiseGenerator
{
public:
    // Throws ConfigError for an empty or malformed mask (offsets not increasing and > 0,
    // non-finite values) or sample_rate_hz <= 0.
    PhaseNoiseGenerator(const std::vector<PhaseNoiseMaskPoint>& mask, double sample_rate_hz,
                        uint64_t seed);

    double next();
    // The two-sided PSD (rad^2/Hz) of the synthesised process at f (0 < f < fs/2), from the
    // fitted model (what the generator produces), and of the mask.
    double model_psd(double f_hz) const;
    double mask_psd(double f_hz) const;
    int components() const { return static_cast<int>(m_components.size()); }

private:
    struct Component {
        double a;      // pole
        int order;     // 1 or 2 (0: white)
        double sigma;  // drive standard deviation
        double s1 = 0, s2 = 0;
    };
    double component_psd(double a, int order, double f_hz) const;

    std::vector<PhaseNoiseMaskPoint> m_mask;
    double m_fs;
    std::vector<Component> m_components;
    Rng m_rng;
};

struct GainPoint {
    double time_s;
    double gain_db;
};

struct ChannelConfig {
    double sample_rate_hz = 1.0;      // time axis of all Hz and s values (1 = normalised)
    double samples_per_symbol = 1.0;
    double symbol_energy = 1.0;       // Es of the input (see the file comment)
    double esn0_db = 1.0 / 0.0;       // +inf: no noise
    // Amplitude applied to the signal before the noise, which stays at the power esn0_db
    // gives for symbol_energy: a transmit level or gain that moves the effective Es/N0
    // (the modem daemon's loopback). >= 0, finite; 1 = none.
    double signal_gain = 1.0;
    double frequency_offset_hz = 0.0;
    double frequency_drift_hz_per_s = 0.0;
    double initial_phase_rad = 0.0;
    std::vector<PhaseNoiseMaskPoint> phase_noise_mask; // empty: no phase noise
    // Attenuation in dB vs time, linear between points, held before the first and after the
    // last (empty: none). Positive = weaker signal.
    std::vector<GainPoint> attenuation_trace;
    // Gain steps: from time_s on the gain is gain_db (until the next step; 0 dB before the
    // first). Times must not decrease.
    std::vector<GainPoint> gain_steps;
    double sample_clock_offset_ppm = 0.0;
    // Taps of the Lagrange interpolator that applies the sample-clock offset: 4 (cubic, the
    // default) .. 16, even. The cubic one attenuates a 2.37 samples/symbol, roll-off 0.2
    // signal by 0.077 dB on average over the fractional delays and leaves -37 dB of
    // distortion (the signal's edge is at 0.25 cycles/sample), which a receiver reads as
    // 0.08 dB (low Es/N0) .. 0.16 dB (20 dB) less Es/N0 than esn0_db; 8 taps: 0.005 dB and
    // -56 dB (0.01 dB at 20 dB). Use 8 where the Es/N0 at the output must be esn0_db.
    int sco_interpolator_taps = 4;
    double nan_probability = 0.0;     // per output sample
    uint64_t seed = 1;
    // A lab channel fast enough for real-time loopback (the modem daemon's, tens of MS/s;
    // issue 14): the noise drawn from a table of kFastNoiseTable Gaussian values made from
    // the seed, each component indexed by 16 bits of one generator step (2^32 complex
    // values), and the carrier turned by a phasor recursion re-normalised every call,
    // instead of Marsaglia draws and a sincos per sample. Gaussian to the table's
    // resolution (its tails end near 4.5 sigma): right for a modem loopback, not for a
    // FER-at-1e-6 measurement, and not sample-for-sample the exact mode's output. Applies
    // while there is no phase noise, drift, gain trace or NaN injection; otherwise the
    // exact path runs.
    bool fast_noise = false;
};

class ChannelEmulator
{
public:
    // Throws ConfigError for bad parameters (non-positive rates/energies, |ppm| >= 1e5,
    // probabilities outside [0,1], unsorted traces, bad masks).
    explicit ChannelEmulator(const ChannelConfig& config);

    const ChannelConfig& config() const { return m_config; }

    // Upper bound of the output count for n input samples (sample-clock offset).
    size_t max_output(size_t n_in) const;
    // Processes n input samples, writes the output (at most max_output(n)) and returns how
    // many. With a zero sample-clock offset the output count equals the input count.
    size_t process(const std::complex<float>* in, size_t n, std::complex<float>* out);
    // Convenience: appends to `out`.
    void process(const std::vector<std::complex<float>>& in, std::vector<std::complex<float>>& out);

    // Runtime changes (take effect from the next sample on).
    void set_esn0_db(double esn0_db);
    void set_frequency_offset_hz(double hz); // keeps the phase continuous
    void set_signal_gain(double amplitude);  // ChannelConfig::signal_gain

    // Complex noise variance per sample (0 without noise).
    double noise_variance() const { return m_noise_variance; }
    uint64_t samples_out() const { return m_out_index; }
    uint64_t nans_injected() const { return m_nans; }
    // Gain (dB, step minus attenuation) and carrier frequency (Hz) at time t.
    double gain_db_at(double time_s) const;
    double frequency_hz_at(double time_s) const;

private:
    void impair(std::complex<float>* out, size_t n);
    bool impair_fast(std::complex<float>* out, size_t n); // false: the exact path must run
public:
    static constexpr size_t kFastNoiseTable = 1u << 16;
private:

    ChannelConfig m_config;
    double m_noise_variance = 0.0;
    // Resampler
    double m_step = 1.0;      // input samples per output sample
    double m_t = 1.0;         // position of the next output in m_buf
    std::vector<std::complex<float>> m_buf; // taps - 1 samples of history + current input
    // Carrier
    double m_phase = 0.0;     // carrier phase without phase noise, wrapped
    std::unique_ptr<PhaseNoiseGenerator> m_phase_noise;
    Rng m_rng;
    std::vector<float> m_noise_table; // fast_noise: N(0, 1) values
    uint64_t m_out_index = 0;
    uint64_t m_nans = 0;
};

} // namespace dualsat
