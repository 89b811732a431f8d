// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 outer code: shortened binary BCH codes of ETSI EN 302 307-1 §5.3.1, Tables 5a/5b
// (k_bch, n_bch, t) and 6a/6b (minimal polynomials g1..g12).
//
// Codeword layout (packed bytes, MSB first): the k_bch message bits, then the
// n_bch - k_bch = m*t parity bits. The first message bit is the coefficient of the highest
// power, x^(n_bch-1); parity = message * x^(n-k) mod g, g = g1*g2*...*gt.
//
// Encoding is a table-driven LFSR that advances 32 message bits per step (slice-by-4 over
// a remainder of up to 192 bits held in three uint64 words). Decoding computes the
// remainder the same way, evaluates the 2t syndromes from it, runs Berlekamp-Massey,
// rejects locators that do not split into distinct roots over GF(2^m) (x^(2^m) mod
// Lambda != x), and finds the roots with Berlekamp's trace algorithm (a Chien search over
// the n_bch positions of the shortened code is the fallback).
#pragma once

#include <dualsat/modcod/modcod.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dualsat {

struct BchResult {
    // The buffer now holds a codeword: it had no errors, or `corrected_bits` were flipped.
    bool ok = false;
    int corrected_bits = 0;
    // More errors than the code can correct were detected; the buffer was left untouched.
    bool failure_detected() const { return !ok; }
};

class BchCodec
{
public:
    // Throws ConfigError for short 9/10 (not defined by the standard).
    BchCodec(FrameSize frame, CodeRate rate);

    int k() const { return m_k; }             // k_bch, message bits
    int n() const { return m_n; }             // n_bch, codeword bits
    int t() const { return m_t; }             // correctable bit errors
    int parity_bits() const { return m_n - m_k; }
    int field_bits() const { return m_m; }    // 16 (normal) or 14 (short)
    size_t k_bytes() const { return static_cast<size_t>(m_k) / 8; }
    size_t n_bytes() const { return static_cast<size_t>(m_n) / 8; }

    // Systematic encoding. `in` holds k_bytes(), `out` receives n_bytes(); they may be the
    // same buffer (in-place) but must not otherwise overlap.
    void encode(const uint8_t* kbch_packed, uint8_t* nbch_packed_out) const;

    // Corrects up to t bit errors in place. More errors are reported as a failure (the
    // locator's degree differs from its number of roots among the n_bch positions) in all
    // but rare cases, and then nothing is modified; it never crashes on any input.
    BchResult decode(uint8_t* nbch_packed_inout) const;

    // How decode() finds the error locations once the locator is known to split. Both give
    // the same result; the Chien search is the textbook O(n_bch t) scan, kept selectable so
    // tests and benchmarks can compare the two.
    enum class RootSearch { TraceAlgorithm, Chien };
    void set_root_search(RootSearch method) { m_root_search = method; }
    RootSearch root_search() const { return m_root_search; }

    // The generator g1*...*gt; bit e of the returned words (word e/64) = coefficient of x^e.
    std::vector<uint64_t> generator() const;

private:
    // Remainder of degree < parity_bits(), left-aligned in 192 bits: word 0 bit 63 holds
    // the coefficient of x^(parity_bits()-1).
    struct Remainder {
        uint64_t w[3] = { 0, 0, 0 };
    };
    static constexpr int kSlices = 4;
    static constexpr int kMaxT = 12;

    Remainder message_remainder(const uint8_t* msg) const;
    // Positions e < n_bch with Lambda(alpha^-e) = 0, at most L of them; returns the count.
    int chien_search(const int32_t* lambda, int L, int* positions) const;

    RootSearch m_root_search = RootSearch::TraceAlgorithm;
    int m_k, m_n, m_t, m_m;
    int m_field_order; // 2^m - 1
    const uint16_t* m_exp; // antilog, 2 * field order entries (no reduction needed)
    const int32_t* m_log;  // log, log[0] unused
    std::array<std::array<Remainder, 256>, kSlices> m_slice{};
};

} // namespace dualsat
