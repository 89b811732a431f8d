// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 PLFRAME construction and its inverse (ETSI EN 302 307-1 §5.5).
//
// PLFRAME = PLHEADER (90 symbols) | XFECFRAME in 90-symbol slots, with a 36-symbol pilot
// block after every 16 slots when pilots are on (none at the very end) | all of it after
// the header multiplied by the PL scrambling sequence, restarted every frame.
//
// The PLHEADER and the scrambling come from the injected PlHeaderSequence and
// PlScramblingSequence (pl_scrambler.h): the standard ones by default, keyed ones in the
// protected profile. A sequence object keeps per-call buffers, so give each framer and
// deframer its own.
#pragma once

#include <dualsat/modcod/modcod.h>
#include <dualsat/pl/pl_scrambler.h>
#include <dualsat/pl/plheader.h>

#include <complex>
#include <cstdint>
#include <memory>

namespace dualsat {

// True when symbol `index` counted from the first symbol after the PLHEADER is a pilot
// symbol of a frame of this format.
bool is_pilot_position(const FrameFormat& format, int index);

// Sequence-free pieces of PL framing, for producers that build several PLFRAMEs at once
// (the sequences are fetched in frame order, the symbols written on any thread).
// payload = the symbols after the PLHEADER; rn = R(i) of the frame from i = 0 (the first
// payload symbol), only R mod 4 counts.
//
// Writes the format's pilot blocks at their payload positions, already scrambled.
void write_scrambled_pilots(const FrameFormat& format, const uint8_t* rn,
                            std::complex<float>* payload);
// Writes the dummy PLFRAME's kDummyFrameSymbols - 90 payload symbols, scrambled.
void write_scrambled_dummy_payload(const uint8_t* rn, std::complex<float>* payload);

class PlFramer
{
public:
    // Standard PLHEADER, Gold code n (0..262141).
    explicit PlFramer(uint32_t gold_code = 0);
    // Any sequences (both non-null, else ConfigError).
    PlFramer(std::shared_ptr<PlHeaderSequence> header,
             std::shared_ptr<PlScramblingSequence> scrambling);

    // Writes the PLFRAME of one XFECFRAME (format.data_symbols() symbols) to out
    // (format.plframe_symbols() symbols, not overlapping data) and returns its length.
    // Uses frame_counter() for the sequences, then advances it.
    int frame(const FrameFormat& format, const std::complex<float>* data_symbols,
              std::complex<float>* out);

    // The same for an XFECFRAME already in place, which saves a copy: out holds the data
    // symbols at their payload positions (after the 90 header symbols; with pilots, data
    // symbol k at payload index k + 36 * (k / 1440), skipping each pilot block). Writes
    // the header and the pilot blocks, scrambles, advances the counter.
    int frame_in_place(const FrameFormat& format, std::complex<float>* out);

    // Fused scrambling, for producers that multiply data symbols by j^R(i) as they write
    // them (Mapper::map_packed_scrambled): payload_scrambling() gives R(i) of the next
    // frame's payload (format.plframe_symbols() - 90 values, pilot positions included,
    // valid until the next call on this framer); frame_prescrambled() then expects the
    // scrambled data symbols in place as for frame_in_place(), writes the header and the
    // scrambled pilot blocks, and advances the counter.
    const uint8_t* payload_scrambling(const FrameFormat& format);
    int frame_prescrambled(const FrameFormat& format, std::complex<float>* out);

    // The dummy PLFRAME (kDummyFrameSymbols): MODCOD 0 header and 36 slots of
    // (1+j)/sqrt2, scrambled like any frame. For when the transmitter has nothing queued.
    // Advances the frame counter too.
    int dummy_frame(std::complex<float>* out);

    uint64_t frame_counter() const { return m_frame_counter; }
    void set_frame_counter(uint64_t counter)
    {
        m_frame_counter = counter;
        m_prescrambled_length = -1;
    }

private:
    std::shared_ptr<PlHeaderSequence> m_header;
    std::shared_ptr<PlScramblingSequence> m_scrambling;
    uint64_t m_frame_counter = 0;
    const uint8_t* m_prescrambled_rn = nullptr; // from payload_scrambling(), this counter
    int m_prescrambled_length = -1;
};

// Receiver side: frame-aligned, phase-corrected symbols in; the PLSC decision, and the
// descrambled data and pilot symbols out.
class PlDeframer
{
public:
    explicit PlDeframer(uint32_t gold_code = 0);
    PlDeframer(std::shared_ptr<PlHeaderSequence> header,
               std::shared_ptr<PlScramblingSequence> scrambling);

    // ML decision on the PLSC of the 90 header symbols; see interpret_pls() for the format.
    PlscDecision decode_header(const std::complex<float>* header_symbols,
                               uint64_t frame_counter) const;

    // plframe holds format.plframe_symbols() symbols starting with the PLHEADER. Writes
    // format.data_symbols() descrambled data symbols to data_out and, when pilots_out is
    // non-null, the 36 * format.pilot_blocks() descrambled pilot symbols (ideally all
    // (1+j)/sqrt2) to pilots_out for channel estimation. Returns the frame length.
    int deframe(const FrameFormat& format, const std::complex<float>* plframe,
                uint64_t frame_counter, std::complex<float>* data_out,
                std::complex<float>* pilots_out = nullptr);
    // The same with the frame's R_n(i) already at hand (rn: the payload's
    // format.plframe_symbols() - 90 values, as PlScramblingSequence::rn gives them): a
    // receiver that fetched R for its carrier recovery does not compute a keyed sequence
    // (an AES-CTR pass per frame) a second time.
    int deframe_with_rn(const FrameFormat& format, const std::complex<float>* plframe, const uint8_t* rn,
                        std::complex<float>* data_out, std::complex<float>* pilots_out = nullptr);

    // The dummy PLFRAME's 3240 descrambled symbols after the header (for estimation).
    int deframe_dummy(const std::complex<float>* plframe, uint64_t frame_counter,
                      std::complex<float>* payload_out);

    // Other sequences from the next call on (non-null, else ConfigError): a key change.
    void set_sequences(std::shared_ptr<PlHeaderSequence> header,
                       std::shared_ptr<PlScramblingSequence> scrambling);

private:
    std::shared_ptr<PlHeaderSequence> m_header;
    std::shared_ptr<PlScramblingSequence> m_scrambling;
};

} // namespace dualsat
