// SPDX-License-Identifier: GPL-3.0-or-later
// BCH and LDPC encoder throughput: libdualsat's word-parallel encoders against the
// bit-serial references of tests/reference (same run, same machine, same data).
//
//   ./tests/bench/bench_fec_encode [seconds per measurement, default 0.3]
//
// Throughput counts information bits in (k_bch for BCH, k_ldpc for LDPC) per second.
// A second table times BCH decoding of frames carrying t errors (the worst correctable
// case): root finding by Berlekamp's trace algorithm against the Chien search.
#include "fec_reference.h"

#include <dualsat/coding/bch.h>
#include <dualsat/coding/ldpc_encoder.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using namespace dualsat;

namespace {

volatile uint8_t g_sink; // keeps the encoders' output observable

// Runs `encode` over a ring of frames for at least `seconds`; returns Mbit/s.
template <typename Encode>
double measure(double seconds, size_t bits_per_frame, Encode&& encode)
{
    using clock = std::chrono::steady_clock;
    encode(0); // warm up tables and caches
    size_t frames = 0;
    const auto start = clock::now();
    double elapsed = 0;
    size_t batch = 1;
    while (elapsed < seconds) {
        for (size_t i = 0; i < batch; ++i)
            encode(frames + i);
        frames += batch;
        elapsed = std::chrono::duration<double>(clock::now() - start).count();
        if (batch < 64)
            batch *= 2;
    }
    return static_cast<double>(frames * bits_per_frame) / elapsed / 1e6;
}

} // namespace

int main(int argc, char** argv)
{
    const double seconds = argc > 1 ? std::atof(argv[1]) : 0.3;
    struct Case {
        const char* label;
        CodeRate rate;
    };
    const Case cases[] = { { "QPSK 1/2", CodeRate::R1_2 },
                           { "8PSK 3/5", CodeRate::R3_5 },
                           { "3/4", CodeRate::R3_4 },
                           { "4/5", CodeRate::R4_5 } };
    constexpr size_t kRing = 8; // distinct random frames, cycled
    std::mt19937 rng(7);

    std::printf("normal FECFRAME, %.2f s per measurement, Mbit/s of information bits\n\n",
                seconds);
    std::printf("%-10s %-5s %12s %12s %8s\n", "code", "stage", "word-par.", "bit-serial",
                "ratio");
    for (const Case& c : cases) {
        const FrameSize fs = FrameSize::Normal;
        const CodeParams& p = code_params(fs, c.rate);

        // BCH
        BchCodec bch(fs, c.rate);
        dualsat_ref::BitSerialBch bch_ref(dualsat_ref::bch_generator_from_data(DUALSAT_DATA_DIR, fs, p.t));
        std::vector<std::vector<uint8_t>> msgs(kRing, std::vector<uint8_t>(bch.k_bytes()));
        for (auto& m : msgs)
            for (auto& b : m)
                b = static_cast<uint8_t>(rng());
        std::vector<uint8_t> out(bch.n_bytes()), out_ref(bch.n_bytes());
        bch.encode(msgs[0].data(), out.data());
        bch_ref.encode(msgs[0].data(), static_cast<size_t>(p.kbch), out_ref.data());
        if (out != out_ref) {
            std::fprintf(stderr, "BCH %s: encoders disagree\n", c.label);
            return 1;
        }
        const double bch_fast = measure(seconds, static_cast<size_t>(p.kbch), [&](size_t i) {
            bch.encode(msgs[i % kRing].data(), out.data());
            g_sink = out.back();
        });
        const double bch_slow = measure(seconds, static_cast<size_t>(p.kbch), [&](size_t i) {
            bch_ref.encode(msgs[i % kRing].data(), static_cast<size_t>(p.kbch), out_ref.data());
            g_sink = out_ref.back();
        });
        std::printf("%-10s %-5s %12.1f %12.1f %7.1fx\n", c.label, "BCH", bch_fast, bch_slow,
                    bch_fast / bch_slow);

        // LDPC
        LdpcEncoder ldpc(fs, c.rate);
        dualsat_ref::BitSerialLdpc ldpc_ref(fs, c.rate);
        std::vector<std::vector<uint8_t>> infos(kRing, std::vector<uint8_t>(ldpc.k_bytes()));
        for (auto& m : infos)
            for (auto& b : m)
                b = static_cast<uint8_t>(rng());
        std::vector<uint8_t> cw(ldpc.n_bytes()), cw_ref(ldpc.n_bytes());
        ldpc.encode(infos[0].data(), cw.data());
        ldpc_ref.encode(infos[0].data(), cw_ref.data());
        if (cw != cw_ref) {
            std::fprintf(stderr, "LDPC %s: encoders disagree\n", c.label);
            return 1;
        }
        const double ldpc_fast = measure(seconds, static_cast<size_t>(p.nbch), [&](size_t i) {
            ldpc.encode(infos[i % kRing].data(), cw.data());
            g_sink = cw.back();
        });
        const double ldpc_slow = measure(seconds, static_cast<size_t>(p.nbch), [&](size_t i) {
            ldpc_ref.encode(infos[i % kRing].data(), cw_ref.data());
            g_sink = cw_ref.back();
        });
        std::printf("%-10s %-5s %12.1f %12.1f %7.1fx\n", c.label, "LDPC", ldpc_fast, ldpc_slow,
                    ldpc_fast / ldpc_slow);
    }

    std::printf("\nBCH decode, t random errors per frame, Mbit/s of k_bch\n\n");
    std::printf("%-10s %5s %12s %12s %8s\n", "code", "t", "trace alg.", "Chien", "ratio");
    for (const Case& c : cases) {
        const FrameSize fs = FrameSize::Normal;
        BchCodec bch(fs, c.rate);
        std::vector<std::vector<uint8_t>> rx(kRing, std::vector<uint8_t>(bch.n_bytes()));
        std::vector<std::vector<uint8_t>> sent = rx;
        std::uniform_int_distribution<int> pos(0, bch.n() - 1);
        for (size_t f = 0; f < kRing; ++f) {
            std::vector<uint8_t> msg(bch.k_bytes());
            for (auto& b : msg)
                b = static_cast<uint8_t>(rng());
            bch.encode(msg.data(), sent[f].data());
            rx[f] = sent[f];
            for (int e = 0; e < bch.t();) {
                const int p = pos(rng);
                const uint8_t bit = static_cast<uint8_t>(0x80 >> (p % 8));
                if ((rx[f][static_cast<size_t>(p / 8)] ^ sent[f][static_cast<size_t>(p / 8)]) & bit)
                    continue;
                rx[f][static_cast<size_t>(p / 8)] ^= bit;
                ++e;
            }
        }
        std::vector<uint8_t> work(bch.n_bytes());
        bool all_ok = true;
        auto decode_rate = [&](BchCodec::RootSearch method) {
            bch.set_root_search(method);
            return measure(seconds, static_cast<size_t>(bch.k()), [&](size_t i) {
                work = rx[i % kRing];
                const BchResult r = bch.decode(work.data());
                all_ok = all_ok && r.ok && work == sent[i % kRing];
            });
        };
        const double trace = decode_rate(BchCodec::RootSearch::TraceAlgorithm);
        const double chien = decode_rate(BchCodec::RootSearch::Chien);
        if (!all_ok) {
            std::fprintf(stderr, "BCH %s: decoding failed\n", c.label);
            return 1;
        }
        std::printf("%-10s %5d %12.1f %12.1f %7.1fx\n", c.label, bch.t(), trace, chien, trace / chien);
    }
    return 0;
}
