// SPDX-License-Identifier: GPL-3.0-or-later
// Test and benchmark helpers for the LDPC decoder: codewords from the bit-serial reference
// encoder (fec_reference.h), packing helpers and a BPSK/AWGN channel.
#pragma once

#include "fec_reference.h"

#include <dualsat/coding/ldpc_tables.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace dualsat_test {

// info: k_ldpc bits, one per byte. Returns the n_ldpc-bit codeword (info then parity),
// one bit per byte, from the bit-serial reference encoder.
inline std::vector<uint8_t> ldpc_encode_bit_serial(const dualsat::LdpcTable& t,
                                                   const std::vector<uint8_t>& info)
{
    dualsat_ref::BitSerialLdpc encoder(t.frame, t.rate);
    const auto info_packed = dualsat_ref::pack(info);
    std::vector<uint8_t> codeword(static_cast<size_t>(t.n) / 8);
    encoder.encode(info_packed.data(), codeword.data());
    return dualsat_ref::unpack(codeword.data(), static_cast<size_t>(t.n));
}

inline std::vector<uint8_t> random_bits(std::mt19937_64& rng, int count)
{
    std::vector<uint8_t> bits(static_cast<size_t>(count));
    for (auto& b : bits)
        b = static_cast<uint8_t>(rng() & 1);
    return bits;
}

inline std::vector<uint8_t> pack_msb_first(const std::vector<uint8_t>& bits)
{
    return dualsat_ref::pack(bits);
}

// Standard normal deviates by Box-Muller on the generator's raw output, so the sequence is
// the same with every standard library.
class Gaussian
{
public:
    explicit Gaussian(uint64_t seed) : rng_(seed) {}
    double operator()()
    {
        if (have_spare_) {
            have_spare_ = false;
            return spare_;
        }
        double u1 = (static_cast<double>(rng_() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
        double u2 = (static_cast<double>(rng_() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
        double r = std::sqrt(-2.0 * std::log(u1));
        spare_ = r * std::sin(6.283185307179586 * u2);
        have_spare_ = true;
        return r * std::cos(6.283185307179586 * u2);
    }
    std::mt19937_64& engine() { return rng_; }

private:
    std::mt19937_64 rng_;
    double spare_ = 0.0;
    bool have_spare_ = false;
};

inline int8_t quantise_llr(double llr, double scale)
{
    double v = std::nearbyint(llr * scale);
    v = v > 127.0 ? 127.0 : (v < -127.0 ? -127.0 : v);
    return static_cast<int8_t>(v);
}

// BPSK (bit 0 -> +1) over AWGN at the given Eb/N0 for a code of rate k/n; channel LLRs
// 2y/sigma^2 quantised with `scale` LLR units per int8 step.
inline std::vector<int8_t> bpsk_awgn_llrs(const std::vector<uint8_t>& codeword, double ebn0_db,
                                          double rate, double scale, Gaussian& g)
{
    const double ebn0 = std::pow(10.0, ebn0_db / 10.0);
    const double sigma2 = 1.0 / (2.0 * rate * ebn0);
    const double sigma = std::sqrt(sigma2);
    std::vector<int8_t> llr(codeword.size());
    for (size_t i = 0; i < codeword.size(); ++i) {
        const double y = (codeword[i] ? -1.0 : 1.0) + sigma * g();
        llr[i] = quantise_llr(2.0 * y / sigma2, scale);
    }
    return llr;
}

} // namespace dualsat_test
