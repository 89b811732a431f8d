// SPDX-License-Identifier: GPL-3.0-or-later
// The replaceable sequences of the DVB-S2 physical layer (ETSI EN 302 307-1 §5.5.2, §5.5.4)
// and their standard (civil) implementations.
//
// Two things make a PLFRAME recognisable to anyone who knows the standard: the PLHEADER's
// SOF and PLSC scrambling mask, and the complex scrambling of the rest of the frame by a
// Gold code. Both are interfaces here, handed to PlFramer / PlDeframer as objects:
//   - PlHeaderSequence:     SOF bits + PLSC mask per frame (StandardPlHeader: the
//                           standard's constants, the same every frame);
//   - PlScramblingSequence: R_n(i) in {0,1,2,3} per frame (GoldScrambling(n): the
//                           standard's Gold code n, restarted every frame).
// The protected profile implements them again as keyed, per-frame sequences; the framer,
// deframer and decoders do not change.
#pragma once

#include <dualsat/pl/plheader.h>

#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

namespace dualsat {

// ---------------------------------------------------------------------------------------
// PLHEADER sequence

class PlHeaderSequence
{
public:
    virtual ~PlHeaderSequence() = default;

    // The 26 SOF bits of frame `frame_counter` (bit 25 transmitted first).
    virtual uint32_t sof_bits(uint64_t frame_counter) const = 0;
    // The 64-bit mask XORed onto the PLS code word of frame `frame_counter`.
    virtual uint64_t plsc_mask(uint64_t frame_counter) const = 0;
    // Frames after which the sequence repeats (keyed ones: their period P), so that a
    // frame sync can try each slot while it searches; 1 for the standard sequence.
    virtual uint64_t period() const { return 1; }

    // Derived operations. Virtual so that a profile changing more than the two bit
    // patterns (another code, another mapping) can replace them too.

    // The 90 PLHEADER symbols.
    virtual void header_symbols(const PlsCode& code, uint64_t frame_counter,
                                std::complex<float>* out) const;
    // The 26 SOF symbols, e.g. as a correlator reference.
    virtual void sof_symbols(uint64_t frame_counter, std::complex<float>* out) const;
    // ML decoding of the PLSC from the 90 phase-corrected PLHEADER symbols.
    virtual PlscDecision decode(const std::complex<float>* header_symbols,
                                uint64_t frame_counter) const;
};

// EN 302 307-1: SOF = 18D2E82, PLSC mask 719D83C953422DFA for every frame.
class StandardPlHeader final : public PlHeaderSequence
{
public:
    uint32_t sof_bits(uint64_t) const override { return kStandardSof; }
    uint64_t plsc_mask(uint64_t) const override { return kStandardPlscMask; }
};

// ---------------------------------------------------------------------------------------
// PL scrambling sequence

class PlScramblingSequence
{
public:
    // R_n(i) is defined for i = 0..66419 (§5.5.4); the longest PLFRAME after its header
    // (normal QPSK with pilots) needs 33192.
    static constexpr int kMaxLength = 66420;

    virtual ~PlScramblingSequence() = default;

    // R(i) in {0,1,2,3} for the `length` symbols following the PLHEADER of frame
    // `frame_counter` (data and pilots alike; i = 0 is the first symbol after the header).
    // The pointer stays valid until the next call on this object or its destruction.
    // Throws ConfigError when length is outside 0..kMaxLength.
    virtual const uint8_t* rn(uint64_t frame_counter, int length) = 0;

    // For encoders that build several PLFRAMEs at once on several threads (Transmitter
    // with workers >= 2). When concurrent_fill() is true, fill() may be called from any
    // number of threads at once (not concurrently with rn()) and returns R(i) of frame
    // `frame_counter` for `length` symbols: either written to `scratch` (room for
    // `length`) and returned, or a pointer to storage that stays unchanged for the life of
    // the object (a sequence that is the same every frame needs no copy). A keyed
    // per-frame sequence computes it from (key, frame_counter) alone.
    // When false (the default), callers take rn() in frame order on one thread and copy it.
    virtual bool concurrent_fill() const { return false; }
    // The default throws ConfigError (no thread-safe access); so does a bad length.
    virtual const uint8_t* fill(uint64_t frame_counter, int length, uint8_t* scratch) const;
};

// The standard's scrambling with Gold code n (0..262141), §5.5.4: the same sequence,
// restarted, for every PLFRAME. Computed once at construction.
class GoldScrambling final : public PlScramblingSequence
{
public:
    static constexpr uint32_t kMaxCode = 262141; // 2^18 - 2

    explicit GoldScrambling(uint32_t n); // throws ConfigError for n > kMaxCode

    const uint8_t* rn(uint64_t frame_counter, int length) override;
    // The precomputed sequence itself: no copy, any number of threads.
    bool concurrent_fill() const override { return true; }
    const uint8_t* fill(uint64_t frame_counter, int length, uint8_t* scratch) const override;

    uint32_t code() const { return m_code; }
    // The whole precomputed sequence, R_n(0..kMaxLength).
    const std::vector<uint8_t>& sequence() const { return m_rn; }

private:
    uint32_t m_code;
    std::vector<uint8_t> m_rn;
};

// out[i] = in[i] * j^rn[i] (Table of §5.5.4: R=1 -> (-Q, I), R=2 -> (-I,-Q), R=3 -> (Q,-I)).
// Exact (sign flips and swaps only); in == out is allowed.
void pl_scramble(const std::complex<float>* in, const uint8_t* rn, int count,
                 std::complex<float>* out);
// The inverse: out[i] = in[i] * j^-rn[i].
void pl_descramble(const std::complex<float>* in, const uint8_t* rn, int count,
                   std::complex<float>* out);

// ---------------------------------------------------------------------------------------
// The two m-sequences of the Gold code (§5.5.4), as 18-stage Fibonacci registers.
// State bit k holds s(i+k); `taps` has bit k set when s(i+k) enters the feedback, i.e.
// s(i+18) = XOR of s(i+k) over the taps.

constexpr uint32_t kGoldXTaps = (1u << 0) | (1u << 7);                           // 1 + X^7 + X^18
constexpr uint32_t kGoldYTaps = (1u << 0) | (1u << 5) | (1u << 7) | (1u << 10);  // 1 + X^5 + X^7 + X^10 + X^18
constexpr uint32_t kGoldXInit = 0x00001u; // x(0) = 1, x(1..17) = 0
constexpr uint32_t kGoldYInit = 0x3FFFFu; // y(0..17) = 1
constexpr uint32_t kGoldPeriod = 262143;  // 2^18 - 1

uint32_t lfsr18_step(uint32_t state, uint32_t taps);
// The civil sequences wherever none is handed in: every framer, synchroniser, transmitter
// and receiver resolves its sequences by these two (the protected profile hands in keyed
// ones). The Gold code must be in 0..GoldScrambling::kMaxCode (else ConfigError).
std::shared_ptr<PlHeaderSequence> pl_header_or_standard(std::shared_ptr<PlHeaderSequence> given);
std::shared_ptr<PlScramblingSequence> pl_scrambling_or_gold(std::shared_ptr<PlScramblingSequence> given,
                                                            uint32_t gold_code);

// The state `steps` steps later, in O(log steps) polynomial arithmetic (X^steps mod the
// feedback polynomial) instead of `steps` register shifts.
uint32_t lfsr18_advance(uint32_t state, uint64_t steps, uint32_t taps);

} // namespace dualsat
