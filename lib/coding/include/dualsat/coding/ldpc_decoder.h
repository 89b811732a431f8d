// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 LDPC decoder (ETSI EN 302 307-1 §5.3.2, Annex B/C codes), one frame at a time.
//
// Algorithm: row-layered min-sum (normalised or offset) on saturated 8-bit fixed point.
// The quasi-cyclic structure of the DVB-S2 codes gives 360-wide layers: with q = (n-k)/360,
// check rows r = a + t*q (t = 0..359) of one residue class a touch every 360-bit
// information group through one cyclic shift, and the parity accumulator through two
// 360-bit parity blocks. One layer update is therefore a few hundred 360-lane vector
// operations, which is what the SIMD kernels exploit without batching frames (the MODCOD
// may change from one frame to the next).
//
// Fixed-point definition (every kernel computes exactly this; the scalar one is the
// reference the SIMD kernels are tested against):
//   sat(x)  = clamp(x, -127, 127); all LLRs and messages are int8 in [-127, 127],
//             positive = bit 0. L = a posteriori LLR per bit, R = check-to-variable message.
//   init:   L_v = sat(llr_v), R = 0.
//   layer:  Q_e = sat(L_v(e) - R_e) for every edge e of the 360 rows;
//           per row: min1 <= min2 the two smallest |Q_e| (with multiplicity), s = xor of
//           signs; m1 = f(min1), m2 = f(min2) with
//             normalised: f(m) = (m * S + 2^14) >> 15, S = round(scale * 32768) <= 32767
//             offset:     f(m) = max(m - offset, 0)
//           both then capped at message_limit;
//           R'_e = (s xor sign(Q_e)) ? -mag : mag, mag = (|Q_e| == min1) ? m2 : m1;
//           L_v(e) = sat(sat(L_v(e) - R_e) + R'_e), R_e = R'_e (in edge order; for a
//           variable reached twice within one layer the second update starts from the
//           first one's result, its Q stays the one computed before the layer).
//   row 0 has no p_(-1): it is computed as if it had an extra input fixed at +127, which
//   given the saturation is exactly the same as leaving it out.
//   after each iteration: converged when every parity check holds on the hard decisions
//   (bit = L < 0); decoding stops there or after max_iterations.
#pragma once

#include <dualsat/core/cpu_features.h>
#include <dualsat/modcod/modcod.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace dualsat {

enum class LdpcAlgorithm : uint8_t { NormalisedMinSum, OffsetMinSum };

// Defaults chosen by simulation (BI-AWGN, normal frames, 25 iterations, LLRs quantised at
// 4 steps per unit): offset min-sum with offset 2 (0.5 LLR units) decodes every code within
// a few tenths of a dB of layered belief propagation; normalised min-sum has no single
// factor that does (0.75 loses > 0.3 dB on rate 1/2, 0.8125 and above fail on rate 3/5).
// Capping check messages at 47 keeps the saturated int8 a-posteriori LLRs stable at high
// SNR (with 127, L - R of a saturated L can flip sign and a frame can diverge).
struct LdpcDecoderOptions {
    int max_iterations = 50;                   // >= 1
    LdpcAlgorithm algorithm = LdpcAlgorithm::OffsetMinSum;
    float scale = 0.75f;                       // normalised min-sum factor, (0, 1]
    int offset = 2;                            // offset min-sum, in int8 LLR steps, 0..127
    int message_limit = 47;                    // |check-to-variable message| cap, 1..127
    // Kernel to use: Auto = active_simd_level() (honours DUALSAT_SIMD); an explicit
    // level is lowered to what the CPU supports.
    enum class Kernel : uint8_t { Auto, Scalar, SSE41, AVX2 } kernel = Kernel::Auto;
};

struct LdpcDecodeResult {
    int iterations_used = 0; // full iterations run (1 .. max_iterations)
    bool converged = false;  // all n-k parity checks hold on the output hard decisions
    int erased_inputs = 0;   // float entry only: NaN inputs, decoded as erasures (LLR 0)
};

class LdpcDecoder
{
public:
    // Throws ConfigError for short 9/10 (not defined by the standard) and bad options.
    LdpcDecoder(FrameSize frame, CodeRate rate, const LdpcDecoderOptions& options = {});
    ~LdpcDecoder();
    LdpcDecoder(LdpcDecoder&&) noexcept;
    LdpcDecoder& operator=(LdpcDecoder&&) noexcept;
    LdpcDecoder(const LdpcDecoder&) = delete;
    LdpcDecoder& operator=(const LdpcDecoder&) = delete;

    // llr_in: n_ldpc channel LLRs in codeword order (information bits, then parity bits
    // p_0 .. p_(n-k-1)), positive = bit 0; -128 is read as -127. A useful scale is a few
    // units per unit of true LLR (e.g. 4 for QPSK near threshold) so that the decoder's
    // ±127 saturation sits well above the channel values.
    // info_bits_out: k_ldpc hard-decided information bits, packed MSB first (k_ldpc / 8
    // bytes). Allocates nothing; not thread-safe per object (one decoder per thread).
    LdpcDecodeResult decode(const int8_t* llr_in, uint8_t* info_bits_out);

    // Float LLRs, quantised as sat(round(llr * quant_scale)); NaN counts as an erasure.
    LdpcDecodeResult decode(const float* llr_in, float quant_scale, uint8_t* info_bits_out);

    int n() const;
    int k() const;
    FrameSize frame_size() const;
    CodeRate code_rate() const;
    SimdLevel kernel() const;               // the kernel actually used
    const LdpcDecoderOptions& options() const;
    void set_max_iterations(int max_iterations); // throws ConfigError if < 1

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace dualsat
