// SPDX-License-Identifier: GPL-3.0-or-later
// The receiver front end: IQ samples at any rate of at least 2 samples per symbol in,
// timing-corrected matched-filter outputs at 1 sample per symbol out, for the frame
// synchroniser and carrier recovery that follow (which work at 1 sample per symbol).
//
//   Agc  ->  [Resampler to working_sps, only above max_direct_sps]  ->  TimingRecovery
//            (the RRC matched filter is inside TimingRecovery: a polyphase bank evaluated
//             at the recovered strobe instants, so no separate resampling to an integer sps
//             is needed for 2.37 or any other rate)
//
// Carrier frequency offset: the front end runs before carrier recovery, so the signal may
// be offset by up to ±10 % of the symbol rate. The matched filter is not widened (that
// would cost noise and ISI on every frame); the offset signal passes it with a small loss
// (measured in tests/unit/test_rx_frontend.cc: MER at 10 dB Es/N0 with 10 % CFO), and the
// Gardner detector is insensitive to it (S-curve scaled by cos(pi·f·T) ≈ 0.95).
// Call set_frequency_correction() with the coarse CFO estimate of the downstream carrier
// recovery to derotate before the matched filter and remove that loss.
#pragma once

#include <dualsat/dsp/agc.h>
#include <dualsat/dsp/polyphase_fir.h>
#include <dualsat/dsp/resampler.h>
#include <dualsat/dsp/sample_kernels.h>
#include <dualsat/rx/timing_recovery.h>

#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace dualsat {

struct RxFrontEndConfig {
    double symbol_rate = 1.0;  // any unit, same as sample_rate
    double sample_rate = 2.0;  // >= 2 · symbol_rate
    double rolloff = 0.35;     // matched filter (EN 302 307-1 §5.6: 0.35, 0.25, 0.20)
    double loop_bw = 0.001;    // timing loop B_L·T when tracking
    // Finer control (the fields above override timing.samples_per_symbol, .rolloff and
    // .loop_bw):
    AgcConfig agc;
    TimingRecoveryConfig timing;
    double max_direct_sps = 8.0; // above this input sps, resample to working_sps first
    double working_sps = 4.0;
};

class RxFrontEnd
{
public:
    // ConfigError: non-finite or non-positive rates, sample_rate < 2·symbol_rate, and
    // whatever the AGC / resampler / timing recovery reject.
    explicit RxFrontEnd(const RxFrontEndConfig& config, SimdLevel simd = active_simd_level());

    // Samples in, symbols out (at most out_capacity). Consumes only the input whose symbols
    // certainly fit the output room (all of it when out_capacity >= max_output(n)); what is
    // consumed is fully processed (no hidden backlog), and chunking never changes the
    // output. Progress is guaranteed for out_capacity >= 1.
    // strobe_times (optional): per symbol, its instant in input samples since
    // construction/reset (see TimingRecovery::process).
    StreamResult process(const std::complex<float>* in, size_t n, std::complex<float>* out,
                         size_t out_capacity, double* strobe_times = nullptr);
    // Convenience: every symbol this chunk yields.
    std::vector<std::complex<float>> process(const std::vector<std::complex<float>>& in);

    void reset();

    // Derotation applied to the input before the matched filter, in cycles per symbol
    // (e.g. -0.1 removes a +10 % Rs carrier offset). Default 0 (no derotator in the path).
    // ConfigError outside ±0.5 or non-finite.
    void set_frequency_correction(double cycles_per_symbol);
    double frequency_correction() const { return m_freq_corr; }

    // Upper bound on the symbols n more input samples can produce (plus what is pending).
    size_t max_output(size_t n) const;

    double input_sps() const { return m_input_sps; }
    double working_sps() const { return m_timing.config().samples_per_symbol; }
    const Agc& agc() const { return m_agc; }
    const TimingRecovery& timing() const { return m_timing; }
    const Resampler* resampler() const { return m_resampler.get(); }
    uint64_t nonfinite_count() const { return m_agc.nonfinite_count(); }
    bool locked() const { return m_timing.locked(); }
    const RxFrontEndConfig& config() const { return m_cfg; }

private:
    static RxFrontEndConfig checked(RxFrontEndConfig c);
    void derotate(std::complex<float>* x, size_t n);

    static constexpr size_t kChunk = 4096;

    RxFrontEndConfig m_cfg;
    double m_input_sps;
    Agc m_agc;
    std::unique_ptr<Resampler> m_resampler;
    TimingRecovery m_timing;
    std::vector<std::complex<float>> m_scratch; // AGC output
    std::vector<std::complex<float>> m_pending; // timing-recovery input not yet consumed
    size_t m_pending_pos = 0;
    size_t m_pending_len = 0;
    std::vector<double> m_times_tmp;
    double m_freq_corr = 0.0;
    // Derotation: runs of kRotateRun samples, each from its start phasor by a table.
    static constexpr size_t kRotateRun = 1024;
    std::vector<double> m_rot_table;          // e^{j·w·k}, k = 0..kRotateRun, re im re im ...
    std::complex<double> m_run_start{ 1.0, 0.0 }; // phasor of the current run's first sample
    uint64_t m_nco_count = 0;                 // samples derotated since construction/reset
    kernels::RotateFn m_rotate;
};

} // namespace dualsat
