// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/pl/plheader.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace dualsat {
namespace {

constexpr float kInvSqrt2 = 0.70710678118654752440f;

// §5.5.2.4 generator matrix of the (32,6) code, rows b1..b6, leftmost column first
// transmitted (= MSB of each word).
constexpr uint32_t kRmRows[6] = { 0x55555555u, 0x33333333u, 0x0F0F0F0Fu,
                                  0x00FF00FFu, 0x0000FFFFu, 0xFFFFFFFFu };

// Bit k of x moves to bit 2k.
uint64_t spread_bits(uint32_t x)
{
    uint64_t v = x;
    v = (v | (v << 16)) & 0x0000FFFF0000FFFFull;
    v = (v | (v << 8)) & 0x00FF00FF00FF00FFull;
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0Full;
    v = (v | (v << 2)) & 0x3333333333333333ull;
    v = (v | (v << 1)) & 0x5555555555555555ull;
    return v;
}

int reverse5(int u)
{
    int r = 0;
    for (int k = 0; k < 5; ++k)
        r |= ((u >> k) & 1) << (4 - k);
    return r;
}

// In-place 32-point Walsh-Hadamard transform: w[u] = sum_p (-1)^popcount(u&p) t[p].
void fht32(float* t)
{
    for (int half = 1; half < 32; half <<= 1)
        for (int base = 0; base < 32; base += 2 * half)
            for (int k = base; k < base + half; ++k) {
                float a = t[k];
                float b = t[k + half];
                t[k] = a + b;
                t[k + half] = a - b;
            }
}

} // namespace

PlsCode pls_code(const FrameFormat& format)
{
    // code_params throws for short 9/10, modcod_number for a MODCOD outside Table 12.
    (void)format.code();
    return PlsCode{ static_cast<uint8_t>(modcod_number(format.modcod)),
                    format.frame == FrameSize::Short, format.pilots };
}

const char* to_string(PlsStatus status)
{
    switch (status) {
    case PlsStatus::Valid:
        return "valid";
    case PlsStatus::Dummy:
        return "dummy PLFRAME";
    case PlsStatus::ReservedModcod:
        return "reserved MODCOD";
    case PlsStatus::UndefinedFormat:
        return "MODCOD undefined for this frame size";
    }
    return "?";
}

PlsStatus interpret_pls(const PlsCode& code, FrameFormat* format)
{
    const int number = code.modcod & 0x1F;
    if (number == 0)
        return PlsStatus::Dummy;
    if (number > 28)
        return PlsStatus::ReservedModcod;
    const ModCod mc = modcod_from_number(number); // 1..28: cannot throw
    const FrameSize frame = code.short_frame ? FrameSize::Short : FrameSize::Normal;
    if (!code_exists(frame, mc.rate))
        return PlsStatus::UndefinedFormat;
    if (format)
        *format = FrameFormat{ mc, frame, code.pilots };
    return PlsStatus::Valid;
}

uint64_t plsc_codeword(uint8_t pls_bits)
{
    if (pls_bits > 127)
        throw ConfigError("PLS code " + std::to_string(pls_bits) + " has more than 7 bits");
    uint32_t rm = 0;
    for (int row = 0; row < 6; ++row)
        if ((pls_bits >> (6 - row)) & 1) // b1 is bit 6 of pls_bits
            rm ^= kRmRows[row];
    const uint32_t second = (pls_bits & 1) ? ~rm : rm; // b7: repeat or complement
    return (spread_bits(rm) << 1) | spread_bits(second);
}

void pi2bpsk_map(uint64_t bits, int count, int first_position, std::complex<float>* out)
{
    for (int k = 0; k < count; ++k) {
        const float sign = ((bits >> (count - 1 - k)) & 1) ? -kInvSqrt2 : kInvSqrt2;
        out[k] = ((first_position + k) & 1) ? std::complex<float>(-sign, sign)
                                             : std::complex<float>(sign, sign);
    }
}

void plheader_symbols(const PlsCode& code, std::complex<float>* out, uint32_t sof_bits,
                      uint64_t plsc_mask)
{
    pi2bpsk_map(sof_bits, kSofSymbols, 0, out);
    pi2bpsk_map(plsc_codeword(code.bits()) ^ plsc_mask, kPlscSymbols, kSofSymbols,
                out + kSofSymbols);
}

void pi2bpsk_soft(const std::complex<float>* header_symbols, int first, int count, float* soft)
{
    for (int k = 0; k < count; ++k) {
        const std::complex<float> s = header_symbols[first + k];
        soft[k] = (((first + k) & 1) ? (s.imag() - s.real()) : (s.real() + s.imag())) * kInvSqrt2;
    }
}

PlscDecision decode_plsc_soft(const float* soft, uint64_t plsc_mask)
{
    PlscDecision d;
    // t[b7][p]: the pair (2p, 2p+1) folded for "repeat" (b7=0) and "complement" (b7=1).
    float t[2][32];
    float energy = 0.0f;
    for (int p = 0; p < 32; ++p) {
        float a = soft[2 * p];
        float b = soft[2 * p + 1];
        if ((plsc_mask >> (63 - 2 * p)) & 1)
            a = -a;
        if ((plsc_mask >> (62 - 2 * p)) & 1)
            b = -b;
        energy += std::fabs(a) + std::fabs(b);
        t[0][p] = a + b;
        t[1][p] = a - b;
    }
    if (!std::isfinite(energy) || !(energy > 0.0f))
        return d;
    fht32(t[0]);
    fht32(t[1]);
    // Each transform value w stands for two code words: b6 = 0 with correlation +w and
    // b6 = 1 with -w. The best of the 128 is the largest |w|; the runner-up is either the
    // next |w| or, in principle, the same word's antipode -|w| (never larger).
    float best = -1.0f, second = -1.0f;
    int best_b7 = 0, best_u = 0;
    bool best_b6 = false;
    for (int b7 = 0; b7 < 2; ++b7)
        for (int u = 0; u < 32; ++u) {
            const float w = t[b7][u];
            const float mag = std::fabs(w);
            if (mag > best) {
                second = std::max(best, -mag);
                best = mag;
                best_b7 = b7;
                best_u = u;
                best_b6 = w < 0.0f;
            } else if (mag > second) {
                second = mag;
            }
        }
    d.code = PlsCode::from_bits(
        static_cast<uint8_t>((reverse5(best_u) << 2) | (best_b6 ? 2 : 0) | best_b7));
    d.correlation = best / energy;
    d.margin = (best - second) / energy;
    d.usable = true;
    return d;
}

PlscDecision decode_plsc(const std::complex<float>* header_symbols, uint64_t plsc_mask)
{
    float soft[kPlscSymbols];
    pi2bpsk_soft(header_symbols, kSofSymbols, kPlscSymbols, soft);
    return decode_plsc_soft(soft, plsc_mask);
}

} // namespace dualsat
