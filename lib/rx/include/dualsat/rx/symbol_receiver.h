// SPDX-License-Identifier: GPL-3.0-or-later
// The symbol-rate half of the DVB-S2 receiver: matched-filtered, timing-corrected symbols in
// (1 sample per symbol, any chunk sizes), frames out, ready for the soft demapper:
//   FrameSync (SOF/PLSC detection, frame-length tracking, lock) ->
//   CarrierRecovery (frequency, pilot-aided / decision-directed phase, amplitude, Es/N0) ->
//   PlDeframer (descrambling with the injected PlScramblingSequence, pilot removal).
#pragma once

#include <dualsat/rx/carrier_recovery.h>
#include <dualsat/rx/frame_sync.h>
#include <dualsat/pl/pl_framer.h>

#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

namespace dualsat {

// One received PLFRAME, what the FEC chain consumes.
struct RxFrame {
    FrameFormat format;          // meaningful when !dummy
    bool dummy = false;
    uint64_t frame_counter = 0;
    uint64_t start = 0;          // stream index of its first header symbol
    // format.data_symbols() descrambled data symbols without pilots, phase corrected and
    // scaled to unit symbol energy (empty for a dummy frame).
    std::vector<std::complex<float>> data;
    float noise_variance = 1.0f; // complex noise variance of `data` (soft demapper's N0)
    float esn0_db = 0.0f;        // this frame's estimate (header + pilots / dummy payload)
    float esn0_var_db2 = 0.0f;   // its variance, dB^2
    float esn0_db_smoothed = 0.0f;
    double cfo = 0.0;            // carrier frequency offset, cycles per symbol (x Rs = Hz)
    double phase_start = 0.0;    // carrier phase at the first symbol, rad
    double phase_rms_residual = 0.0; // spread of the segment phases around a line, rad
    bool header_confirmed = true; // false: flywheel frame, its header failed the check
    bool carrier_fine = false;   // frequency tracking in its fine stage
    PlscDecision plsc;
};

struct SymbolReceiverConfig {
    FrameSyncConfig sync;
    CarrierConfig carrier;
    bool deliver_dummy_frames = false; // dummy frames are used for estimation either way
};

class SymbolReceiver
{
public:
    explicit SymbolReceiver(uint32_t gold_code = 0, const SymbolReceiverConfig& config = {});
    // Injected sequences (non-null): the protected profile's keyed ones.
    SymbolReceiver(std::shared_ptr<PlHeaderSequence> header,
                   std::shared_ptr<PlScramblingSequence> scrambling,
                   const SymbolReceiverConfig& config = {});

    void push(const std::complex<float>* symbols, size_t n);
    // True and *frame filled (its vector reused) when a frame is ready; call until false.
    bool next_frame(RxFrame* frame);

    SyncState state() const { return m_sync.state(); }
    const FrameSyncStats& sync_stats() const { return m_sync.stats(); }
    const CarrierRecovery& carrier() const { return m_carrier; }
    FrameSync& sync() { return m_sync; }
    const FrameSync& sync() const { return m_sync; }
    void set_acquisition_frame_counter(uint64_t counter) { m_sync.set_acquisition_frame_counter(counter); }
    // Other PL sequences (a key change of the protected profile): the lock is dropped and
    // the search starts again with them (FrameSync::set_sequences). Non-null, else
    // ConfigError and nothing changed.
    void set_sequences(std::shared_ptr<PlHeaderSequence> header,
                       std::shared_ptr<PlScramblingSequence> scrambling);

private:
    std::shared_ptr<PlHeaderSequence> m_header;
    std::shared_ptr<PlScramblingSequence> m_scrambling;
    SymbolReceiverConfig m_config;
    FrameSync m_sync;
    CarrierRecovery m_carrier;
    PlDeframer m_deframer;
    uint64_t m_acquisitions = 0;
    std::vector<std::complex<float>> m_corrected;
    std::vector<uint8_t> m_rn;
};

} // namespace dualsat
