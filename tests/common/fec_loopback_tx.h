// SPDX-License-Identifier: GPL-3.0-or-later
// Test / measurement transmitter for the receiver FEC chain, built from the library's
// stages only (EN 302 307-1 §5.1-§5.4): BBFRAME (TsFramer / GseEncapsulator) -> BB
// scrambling -> BCH -> LDPC -> bit interleaving -> mapping, plus an AWGN channel.
// Used by the loopback unit tests, the FER sweep and the FEC benchmark.
#pragma once

#include <dualsat/framing/bb_scrambler.h>
#include <dualsat/coding/bch.h>
#include <dualsat/coding/bit_interleaver.h>
#include <dualsat/coding/ldpc_encoder.h>
#include <dualsat/mapping/mapper.h>
#include <dualsat/modcod/modcod.h>

#include <array>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace dualsat_test {

// xoshiro256+ and Box-Muller: fast, deterministic everywhere, good enough for AWGN.
class FastGaussian
{
public:
    explicit FastGaussian(uint64_t seed)
    {
        uint64_t z = seed;
        for (auto& w : s_) { // splitmix64 seeding
            z += 0x9E3779B97F4A7C15ull;
            uint64_t x = z;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
            w = x ^ (x >> 31);
        }
    }
    uint64_t next_u64()
    {
        const uint64_t result = s_[0] + s_[3];
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = (s_[3] << 45) | (s_[3] >> 19);
        return result;
    }
    // Two independent N(0, 1) deviates.
    void pair(double& a, double& b)
    {
        const double u1 = (static_cast<double>(next_u64() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
        const double u2 = static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0);
        const double r = std::sqrt(-2.0 * std::log(u1));
        a = r * std::cos(6.283185307179586 * u2);
        b = r * std::sin(6.283185307179586 * u2);
    }

private:
    std::array<uint64_t, 4> s_{};
};

// Adds complex white Gaussian noise with E|n|^2 = noise_variance.
inline void add_awgn(std::complex<float>* symbols, size_t n, double noise_variance, FastGaussian& g)
{
    const double sigma = std::sqrt(noise_variance / 2.0);
    for (size_t i = 0; i < n; ++i) {
        double a, b;
        g.pair(a, b);
        symbols[i] += std::complex<float>(static_cast<float>(a * sigma), static_cast<float>(b * sigma));
    }
}

// BBFRAME (unscrambled, K_bch / 8 bytes) -> XFECFRAME symbols. Encoders are cached per
// code and MODCOD; const after construction except for the caches and scratch buffers.
class FecTx
{
public:
    void encode(const dualsat::FrameFormat& f, const uint8_t* bbframe,
                std::vector<std::complex<float>>& symbols)
    {
        using namespace dualsat;
        const CodeParams& code = f.code();
        const size_t fi = f.frame == FrameSize::Normal ? 0 : 1;
        const size_t ri = static_cast<size_t>(f.modcod.rate);
        const size_t mi = static_cast<size_t>(modcod_number(f.modcod));
        auto& bch = bch_[fi][ri];
        if (!bch)
            bch = std::make_unique<BchCodec>(f.frame, f.modcod.rate);
        auto& ldpc = ldpc_[fi][ri];
        if (!ldpc)
            ldpc = std::make_unique<LdpcEncoder>(f.frame, f.modcod.rate);
        auto& il = interleaver_[fi][mi];
        if (!il)
            il = std::make_unique<BitInterleaver>(f.frame, f.modcod.rate, f.modcod.mod);
        auto& mapper = mapper_[fi][mi];
        if (!mapper)
            mapper = std::make_unique<Mapper>(f.modcod, f.frame);

        const size_t kbch_bytes = static_cast<size_t>(code.kbch) / 8;
        a_.assign(static_cast<size_t>(code.nldpc) / 8, 0);
        std::memcpy(a_.data(), bbframe, kbch_bytes);
        scrambler_.apply_packed(a_.data(), kbch_bytes);
        bch->encode(a_.data(), a_.data());
        ldpc->encode(a_.data(), a_.data());
        b_.resize(a_.size());
        const uint8_t* bits = a_.data();
        if (!il->is_identity()) {
            il->interleave(a_.data(), b_.data());
            bits = b_.data();
        }
        symbols.resize(mapper->frame_symbols());
        mapper->map_frame(bits, a_.size(), symbols.data(), symbols.size());
    }

private:
    dualsat::BbScrambler scrambler_;
    std::array<std::array<std::unique_ptr<dualsat::BchCodec>, dualsat::kNumCodeRates>, 2> bch_;
    std::array<std::array<std::unique_ptr<dualsat::LdpcEncoder>, dualsat::kNumCodeRates>, 2> ldpc_;
    std::array<std::array<std::unique_ptr<dualsat::BitInterleaver>, 29>, 2> interleaver_;
    std::array<std::array<std::unique_ptr<dualsat::Mapper>, 29>, 2> mapper_;
    std::vector<uint8_t> a_, b_;
};

// Random TS packets with a valid sync byte and a running continuity counter.
inline void random_ts_packet(FastGaussian& rng, uint16_t pid, uint8_t& cc, uint8_t* pkt)
{
    for (size_t i = 0; i < 188; i += 8) {
        const uint64_t r = rng.next_u64();
        std::memcpy(pkt + i, &r, std::min<size_t>(8, 188 - i));
    }
    pkt[0] = 0x47;
    pkt[1] = static_cast<uint8_t>((pid >> 8) & 0x1F);
    pkt[2] = static_cast<uint8_t>(pid);
    pkt[3] = static_cast<uint8_t>(0x10 | (cc++ & 0x0F));
}

} // namespace dualsat_test
