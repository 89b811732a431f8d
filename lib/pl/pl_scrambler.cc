// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/pl/pl_scrambler.h>

#include <cstring>
#include <string>

namespace dualsat {
namespace {

constexpr uint32_t kMask18 = (1u << 18) - 1;

// Product of two polynomials of degree < 18 over GF(2), reduced modulo
// X^18 + sum_{k in taps} X^k.
uint32_t mulmod18(uint32_t a, uint32_t b, uint32_t taps)
{
    uint64_t product = 0;
    for (int k = 0; k < 18; ++k)
        if ((b >> k) & 1)
            product ^= static_cast<uint64_t>(a) << k;
    for (int i = 34; i >= 18; --i)
        if ((product >> i) & 1)
            product ^= (1ull << i) ^ (static_cast<uint64_t>(taps) << (i - 18));
    return static_cast<uint32_t>(product);
}

// Next 8 outputs of the register at once: s(i+18+k) for k = 0..7 needs s(i+k+tap) with
// tap <= 10, all inside the current 18-bit window, so one shift-and-XOR per tap does it.
inline uint32_t lfsr18_next8(uint32_t state, uint32_t taps)
{
    uint32_t feedback = 0;
    for (uint32_t t = taps, k = 0; t; t >>= 1, ++k)
        if (t & 1)
            feedback ^= state >> k;
    return (state >> 8) | ((feedback & 0xFFu) << 10);
}

} // namespace

uint32_t lfsr18_step(uint32_t state, uint32_t taps)
{
    const uint32_t feedback = static_cast<uint32_t>(__builtin_parity(state & taps));
    return ((state >> 1) | (feedback << 17)) & kMask18;
}

uint32_t lfsr18_advance(uint32_t state, uint64_t steps, uint32_t taps)
{
    // s(i+steps) = sum_k r_k s(i+k) where r(X) = X^steps mod p(X), because the shift
    // operator satisfies p(shift) = 0 on the sequence. So the state `steps` later is the
    // same combination of the windows s(k..k+17), k = 0..17: we need s(0..34).
    uint32_t r = 1;          // X^0
    uint32_t power = 2;      // X^1, then X^2, X^4, ...
    for (uint64_t e = steps; e; e >>= 1) {
        if (e & 1)
            r = mulmod18(r, power, taps);
        power = mulmod18(power, power, taps);
    }
    uint64_t window = state & kMask18;
    uint32_t s = state & kMask18;
    for (int k = 18; k < 35; ++k) {
        s = lfsr18_step(s, taps);
        window |= static_cast<uint64_t>(s >> 17) << k;
    }
    uint32_t out = 0;
    for (int k = 0; k < 18; ++k)
        if ((r >> k) & 1)
            out ^= static_cast<uint32_t>(window >> k);
    return out & kMask18;
}

// ---------------------------------------------------------------------------------------

void PlHeaderSequence::header_symbols(const PlsCode& code, uint64_t frame_counter,
                                      std::complex<float>* out) const
{
    plheader_symbols(code, out, sof_bits(frame_counter), plsc_mask(frame_counter));
}

void PlHeaderSequence::sof_symbols(uint64_t frame_counter, std::complex<float>* out) const
{
    pi2bpsk_map(sof_bits(frame_counter), kSofSymbols, 0, out);
}

PlscDecision PlHeaderSequence::decode(const std::complex<float>* header_symbols,
                                      uint64_t frame_counter) const
{
    return decode_plsc(header_symbols, plsc_mask(frame_counter));
}

// ---------------------------------------------------------------------------------------

GoldScrambling::GoldScrambling(uint32_t n) : m_code(n)
{
    if (n > kMaxCode)
        throw ConfigError("PL scrambling Gold code " + std::to_string(n) +
                          " is outside 0.." + std::to_string(kMaxCode));
    // §5.5.4: z_n(i) = x(i+n) + y(i); R_n(i) = 2 z_n(i+131072) + z_n(i). Four registers
    // started at x(n), x(n+131072), y(0), y(131072), advanced eight symbols at a time.
    constexpr uint64_t kQuadratureOffset = 131072;
    uint32_t x_i = lfsr18_advance(kGoldXInit, n, kGoldXTaps);
    uint32_t x_q = lfsr18_advance(kGoldXInit, n + kQuadratureOffset, kGoldXTaps);
    uint32_t y_i = kGoldYInit;
    uint32_t y_q = lfsr18_advance(kGoldYInit, kQuadratureOffset, kGoldYTaps);
    m_rn.resize((kMaxLength + 7) / 8 * 8);
    for (size_t i = 0; i < m_rn.size(); i += 8) {
        const uint32_t in_phase = x_i ^ y_i;
        const uint32_t quadrature = x_q ^ y_q;
        for (size_t k = 0; k < 8; ++k)
            m_rn[i + k] = static_cast<uint8_t>((((quadrature >> k) & 1) << 1) | ((in_phase >> k) & 1));
        x_i = lfsr18_next8(x_i, kGoldXTaps);
        x_q = lfsr18_next8(x_q, kGoldXTaps);
        y_i = lfsr18_next8(y_i, kGoldYTaps);
        y_q = lfsr18_next8(y_q, kGoldYTaps);
    }
    m_rn.resize(kMaxLength);
}

namespace {

void check_rn_length(int length)
{
    if (length < 0 || length > PlScramblingSequence::kMaxLength)
        throw ConfigError("PL scrambling length " + std::to_string(length) + " outside 0.." +
                          std::to_string(PlScramblingSequence::kMaxLength));
}

} // namespace

const uint8_t* PlScramblingSequence::fill(uint64_t, int length, uint8_t*) const
{
    check_rn_length(length);
    throw ConfigError("this PL scrambling sequence has no thread-safe fill(); use rn()");
}

const uint8_t* GoldScrambling::rn(uint64_t /*frame_counter*/, int length)
{
    check_rn_length(length);
    return m_rn.data();
}

const uint8_t* GoldScrambling::fill(uint64_t /*frame_counter*/, int length, uint8_t*) const
{
    check_rn_length(length);
    return m_rn.data(); // immutable after construction
}

namespace {

// in * j^r without branches (r is random: a switch mispredicts three times in four). A
// complex<float> is handled as one 64-bit word: swap its halves for odd r, then flip sign
// bits. j^1: (-im, re); j^2: (-re, -im); j^3: (im, -re). Exact: swaps and sign flips only.
struct QuarterTurnMasks {
    uint64_t sign[4];
    QuarterTurnMasks()
    {
        const float pairs[4][2] = { { 0.0f, 0.0f }, { -0.0f, 0.0f }, { -0.0f, -0.0f }, { 0.0f, -0.0f } };
        for (int r = 0; r < 4; ++r)
            std::memcpy(&sign[r], pairs[r], 8); // the sign bits where (re, im) sit in memory
    }
};
const QuarterTurnMasks kQuarterTurn;

inline void rotate_quarter_turns(const std::complex<float>* in, const uint8_t* rn, int count,
                                 std::complex<float>* out, unsigned inverse)
{
    for (int i = 0; i < count; ++i) {
        // Descrambling multiplies by j^-r = j^((4 - r) mod 4).
        const unsigned r = (inverse ? 4u - rn[i] : rn[i]) & 3u;
        uint64_t v;
        std::memcpy(&v, reinterpret_cast<const float*>(in) + 2 * i, 8);
        const uint64_t swapped = (v >> 32) | (v << 32);
        const uint64_t odd = 0 - static_cast<uint64_t>(r & 1u);
        v = ((v & ~odd) | (swapped & odd)) ^ kQuarterTurn.sign[r];
        std::memcpy(reinterpret_cast<float*>(out) + 2 * i, &v, 8);
    }
}

} // namespace

void pl_scramble(const std::complex<float>* in, const uint8_t* rn, int count,
                 std::complex<float>* out)
{
    rotate_quarter_turns(in, rn, count, out, 0u);
}

void pl_descramble(const std::complex<float>* in, const uint8_t* rn, int count,
                   std::complex<float>* out)
{
    rotate_quarter_turns(in, rn, count, out, 1u);
}

std::shared_ptr<PlHeaderSequence> pl_header_or_standard(std::shared_ptr<PlHeaderSequence> given)
{
    return given ? std::move(given) : std::make_shared<StandardPlHeader>();
}

std::shared_ptr<PlScramblingSequence> pl_scrambling_or_gold(std::shared_ptr<PlScramblingSequence> given,
                                                            uint32_t gold_code)
{
    return given ? std::move(given) : std::make_shared<GoldScrambling>(gold_code);
}

} // namespace dualsat
