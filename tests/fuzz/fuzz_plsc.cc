// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fuzz target: soft PLSC decoding of the PLHEADER (ETSI EN 302 307-1 §5.5.2).
// Input: a mode byte, then (mode 0) 64 soft values, (mode 1) 90 received header symbols,
// or (mode 2) a PLS code, SOF, mask and a bounded perturbation of its ideal symbols. The
// floats are raw bit patterns: NaN, infinities, denormals and huge values all occur.
// Invariants:
//  - never crashes; a NaN/Inf or all-zero input is not usable; a usable decision has a
//    7-bit code, 0 <= margin <= correlation <= 1 (finite);
//  - scaling every soft value by 2 (exact in binary floating point) changes nothing;
//  - mode 2: if every PLSC symbol stays on the side of its axis it was sent on (noise
//    below the half distance), maximum-likelihood decoding must return the code sent,
//    with correlation 1 for a noiseless header; interpret_pls agrees with the code.

#include "fuzz_common.h"

#include <dualsat/pl/plheader.h>

#include <cmath>
#include <complex>

using namespace dualsat;

namespace {

constexpr float kSlack = 1e-4f;

void check_decision(const PlscDecision& d)
{
    if (!d.usable) {
        FUZZ_CHECK(d.correlation == 0.0f && d.margin == 0.0f);
        return;
    }
    FUZZ_CHECK(d.code.bits() < 128);
    FUZZ_CHECK(std::isfinite(d.correlation) && std::isfinite(d.margin));
    FUZZ_CHECK(d.correlation >= 0.0f && d.correlation <= 1.0f + kSlack);
    FUZZ_CHECK(d.margin >= 0.0f && d.margin <= d.correlation + kSlack);
    FrameFormat f;
    const PlsStatus s = interpret_pls(d.code, &f);
    FUZZ_CHECK(to_string(s) != nullptr);
    if (s == PlsStatus::Valid)
        FUZZ_CHECK(modcod_number(f.modcod) == d.code.modcod && f.pilots == d.code.pilots &&
                   (f.frame == FrameSize::Short) == d.code.short_frame);
}

// Generic checks on 64 soft values.
void check_soft(const float* soft, uint64_t mask)
{
    bool any_bad = false, all_zero = true;
    float peak = 0.0f;
    for (int i = 0; i < kPlscSymbols; ++i) {
        any_bad |= !std::isfinite(soft[i]);
        all_zero &= soft[i] == 0.0f;
        if (std::isfinite(soft[i]))
            peak = std::max(peak, std::fabs(soft[i]));
    }
    const PlscDecision d = decode_plsc_soft(soft, mask);
    check_decision(d);
    if (any_bad || all_zero)
        FUZZ_CHECK(!d.usable);
    if (d.usable && peak < 1e36f) {
        float twice[kPlscSymbols];
        for (int i = 0; i < kPlscSymbols; ++i)
            twice[i] = 2.0f * soft[i];
        const PlscDecision e = decode_plsc_soft(twice, mask);
        FUZZ_CHECK(e.usable && e.code == d.code);
        FUZZ_CHECK(e.correlation == d.correlation && e.margin == d.margin);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input in(data, size);
    const uint8_t mode = in.u8() % 3;
    const bool standard = in.flag();
    const uint64_t mask = standard ? kStandardPlscMask : in.u64();

    if (mode == 0) {
        float soft[kPlscSymbols];
        for (float& s : soft)
            s = in.f32();
        check_soft(soft, mask);
        return 0;
    }
    if (mode == 1) {
        std::complex<float> sym[kPlHeaderSymbols];
        for (auto& s : sym) {
            const float re = in.f32();
            s = { re, in.f32() };
        }
        const PlscDecision d = decode_plsc(sym, mask);
        check_decision(d);
        float soft[kPlscSymbols];
        pi2bpsk_soft(sym, kSofSymbols, kPlscSymbols, soft);
        check_soft(soft, mask);
        return 0;
    }

    const PlsCode code = PlsCode::from_bits(in.u8() & 0x7F);
    const uint32_t sof = standard ? kStandardSof : (in.u32() & 0x3FFFFFFu);
    std::complex<float> sym[kPlHeaderSymbols];
    try {
        plheader_symbols(code, sym, sof, mask);
    } catch (const std::exception& e) {
        fuzz::fail_exception("plheader_symbols", e);
    }
    const bool noiseless = in.empty();
    // Each component moves by less than 0.34, so the projection on the symbol's axis
    // ((re +- im) / sqrt2, nominally +-1) moves by less than 0.49: the sign survives.
    for (auto& s : sym) {
        const float nre = static_cast<int8_t>(in.u8()) * (0.34f / 128.0f);
        const float nim = static_cast<int8_t>(in.u8()) * (0.34f / 128.0f);
        s += std::complex<float>(nre, nim);
    }
    const PlscDecision d = decode_plsc(sym, mask);
    check_decision(d);
    FUZZ_CHECK(d.usable);
    FUZZ_CHECK(d.code == code);
    FUZZ_CHECK(d.margin > 0.0f);
    if (noiseless)
        FUZZ_CHECK(std::fabs(d.correlation - 1.0f) < kSlack);
    return 0;
}
