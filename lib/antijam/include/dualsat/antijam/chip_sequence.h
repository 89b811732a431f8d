// SPDX-License-Identifier: GPL-3.0-or-later
// The keyed chip sequence of direct-sequence spreading (protected profile II, anti-jam and
// LPI): for every PL symbol a fresh block of SF pseudo-random chips that only the holders
// of the ANTI-JAM key can predict.
//
// Definition (all integers big-endian):
//   key      = KeySchedule::derive(KeyPurpose::AntiJam, epoch, link_id, direction): the
//              epoch, link and direction enter through the key (HKDF info, key_schedule.h)
//   counter  = symbol_index (u64) || 0 (u64), the initial AES-256-CTR counter block of
//              symbol `symbol_index`; the keystream increments it as one 128-bit number,
//              so block b of the symbol is symbol_index || b (b < 2^64 never carries over)
//   ks       = AES-256-CTR keystream (the encryption of zeros, NIST SP 800-38A) from that
//              counter block, ceil(2 SF / 8) bytes
//   bits     = two bits per chip, MSB first: d(c) = (ks[c / 4] >> (6 - 2 (c mod 4))) & 3,
//              the high bit b_I = d >> 1, the low bit b_Q = d & 1
//   chip c   = ((1 - 2 b_I) + j (1 - 2 b_Q)) / sqrt(2),   c = 0 .. SF-1
// (the same 2-bit-per-symbol MSB-first layout as the keyed PL scrambling, keyed_pl.h).
// The symbol index is the shared time base of both ends (the transmitter's symbol
// counter; a receiver derives it from its sample counter), so new chips come with every
// symbol and the sequence never repeats within an epoch (2^64 symbols).
//
// Why QPSK chips (2 bits per chip) rather than BPSK (1 bit): the chips have unit energy
// on both quadratures with independent signs, so the spread signal is circularly
// symmetric. A BPSK-spread carrier is not: squaring it leaves a spectral line at twice the
// carrier (a cheap detector for an interceptor, against LPI) and its energy sits on one
// axis per symbol, so a jammer on the other quadrature is rejected only on average.
// With QPSK chips the despread noise is also circular, as the symbol-rate receiver
// (carrier recovery, soft demapper) assumes. The cost, twice the keystream, is one AES
// block per 64 chips.
//
// Spreading factors: any SF in [kMinSf, kMaxSf] = [4, 1024] (ConfigError outside).
// Thread-safe (const; every call sets up its own OpenSSL context).
#pragma once

#include <dualsat/protect/key_schedule.h>
#include <dualsat/protect/secure_key.h>

#include <complex>
#include <cstddef>
#include <cstdint>

namespace dualsat {

class KeyedChipSequence
{
public:
    static constexpr int kMinSf = 4;
    static constexpr int kMaxSf = 1024;

    // From the ANTI-JAM key of one epoch, link and direction (moved in, wiped when done).
    // ConfigError for an empty key.
    explicit KeyedChipSequence(SecureKey key);
    static KeyedChipSequence from_schedule(const KeySchedule& schedule, uint32_t epoch,
                                           uint16_t link_id, LinkDirection direction);

    // The SF chips of symbol `symbol_index` (unit energy each). ConfigError for SF
    // outside [kMinSf, kMaxSf].
    void chips(uint64_t symbol_index, int sf, std::complex<float>* out) const;
    // Their 2-bit values d(c) (b_I b_Q, 0..3), for the known-answer tests.
    void chip_bits(uint64_t symbol_index, int sf, uint8_t* out) const;

    static void check_sf(int sf); // ConfigError outside [kMinSf, kMaxSf]

private:
    SecureKey m_key;
};

} // namespace dualsat
