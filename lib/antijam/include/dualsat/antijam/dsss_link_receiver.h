// SPDX-License-Identifier: GPL-3.0-or-later
// A whole keyed-DSSS receiver: samples in, TS packets / GSE PDUs out.
//
//   DsssReceiver (acquisition, chip timing and carrier tracking, despreading: one complex
//   sample per PL symbol) -> SymbolReceiver (frame sync, carrier recovery, PL
//   descrambling; the despread symbols are its 1 sample/symbol input, unchanged) ->
//   FecReceiver (demapping, LDPC, BCH, deframing) on the calling thread.
//
// The despread stream carries only a small residual carrier offset (the acquisition's
// refined estimate, see dsss_receiver.h), which the symbol-rate carrier recovery removes
// like any other; symbols lost before lock or at a loss of lock are a gap the frame
// synchroniser re-acquires across.
#pragma once

#include <dualsat/antijam/dsss_receiver.h>
#include <dualsat/rx/fec_receiver.h>
#include <dualsat/rx/symbol_receiver.h>

#include <complex>
#include <memory>
#include <vector>

namespace dualsat {

struct DsssLinkConfig {
    DsssReceiverConfig dsss;
    SymbolReceiverConfig symbols;
    FecReceiverOptions fec;
    uint32_t gold_code = 0; // PL scrambling code n (when no sequences are given)
    // Keyed PL sequences / BBFRAME opener of protected profile I (null: civil ones).
    std::shared_ptr<PlHeaderSequence> pl_header;
    std::shared_ptr<PlScramblingSequence> pl_scrambling;
    std::shared_ptr<BbFrameOpener> bbframe_opener;
};

// Appended to by process(); clear() between uses.
struct DsssLinkOutput {
    FecOutput data;
    std::vector<FecFrameStats> frames; // one per data frame, in order
    void clear()
    {
        data.clear();
        frames.clear();
    }
};

class DsssLinkReceiver
{
public:
    // ConfigError as DsssReceiver / SymbolReceiver; the PL sequences must be both given
    // or both null.
    DsssLinkReceiver(std::shared_ptr<const KeyedChipSequence> sequence, const DsssLinkConfig& config);

    // Takes all n samples (NaN / inf counted by the despreader, never thrown).
    void process(const std::complex<float>* in, size_t n, DsssLinkOutput& out);

    const DsssReceiver& despreader() const { return m_dsss; }
    const SymbolReceiver& symbol_receiver() const { return *m_symbols; }
    const FecReceiverCounters& fec_counters() const { return m_fec.counters(); }

private:
    DsssReceiver m_dsss;
    std::unique_ptr<SymbolReceiver> m_symbols;
    FecReceiver m_fec;
    std::vector<std::complex<float>> m_despread;
    RxFrame m_frame;
};

} // namespace dualsat
