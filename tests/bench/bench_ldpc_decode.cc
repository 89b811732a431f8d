// SPDX-License-Identifier: GPL-3.0-or-later
// LDPC decoder throughput and frame error rate, single thread, frame by frame.
//
//   bench_ldpc_decode [--frames N] [--scalar-frames N] [--iterations N] [--quant S]
//                     [--scale F] [--offset O] [--esn0-delta dB]
//
// Operating points 0.3 dB above EN 302 307-1 Table 13 (normal frames). QPSK 1/2 is
// simulated symbol by symbol (Gray QPSK = two BPSK bits per symbol, Es = 1). No demapper for
// 8PSK/16APSK/32APSK exists in libdualsat yet, so those points use the binary-input AWGN
// channel at the same Eb/N0 (Eb/N0 = Es/N0 - 10 log10(bits per symbol * rate)): an
// optimistic stand-in for the real constellation's bit channels.
//
// Throughput = information bits (k_ldpc) per second of decode() calls on pre-generated
// noisy frames (channel simulation not timed), best of the full run and five passes over a
// 64-frame pool, because the build machine is shared. All kernels run in the same
// process on the same frames; the ratio to scalar is the comparable figure.
#include <dualsat/coding/ldpc_decoder.h>
#include <dualsat/coding/ldpc_tables.h>

#include "ldpc_test_channel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace dualsat;

namespace {

struct Point {
    const char* name;
    CodeRate rate;
    int bits_per_symbol;
    double esn0_db;
    bool true_qpsk;
};

struct Frames {
    int k = 0;
    std::vector<std::vector<uint8_t>> info_packed;
    std::vector<std::vector<int8_t>> llr;
};

Frames make_frames(const Point& p, double esn0_db, int count, double quant, uint64_t seed)
{
    const auto& t = ldpc_table(FrameSize::Normal, p.rate);
    dualsat_test::Gaussian g(seed);
    Frames f;
    f.k = t.k;
    const double esn0 = std::pow(10.0, esn0_db / 10.0);
    const double code_rate = double(t.k) / t.n;
    for (int i = 0; i < count; ++i) {
        auto info = dualsat_test::random_bits(g.engine(), t.k);
        auto cw = dualsat_test::ldpc_encode_bit_serial(t, info);
        f.info_packed.push_back(dualsat_test::pack_msb_first(info));
        if (p.true_qpsk) {
            // Es = 1: each quadrature carries one bit at amplitude 1/sqrt(2) in noise of
            // variance N0/2; LLR = 2 a y / (N0/2) = 2 sqrt(2) y / N0.
            const double n0 = 1.0 / esn0;
            const double a = std::sqrt(0.5), sigma = std::sqrt(n0 / 2.0);
            std::vector<int8_t> llr(cw.size());
            for (size_t b = 0; b < cw.size(); ++b) {
                const double y = (cw[b] ? -a : a) + sigma * g();
                llr[b] = dualsat_test::quantise_llr(4.0 * a * y / n0, quant);
            }
            f.llr.push_back(std::move(llr));
        } else {
            const double ebn0_db = esn0_db - 10.0 * std::log10(p.bits_per_symbol * code_rate);
            f.llr.push_back(dualsat_test::bpsk_awgn_llrs(cw, ebn0_db, code_rate, quant, g));
        }
    }
    return f;
}

struct Run {
    double mbps = 0;
    double avg_iterations = 0;
    int frame_errors = 0;
    int frames = 0;
};

Run run(LdpcDecoder& dec, const Frames& f, int frames)
{
    std::vector<uint8_t> out(static_cast<size_t>(f.k / 8));
    Run r;
    long iterations = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < frames; ++i) {
        const size_t idx = static_cast<size_t>(i) % f.llr.size();
        const auto res = dec.decode(f.llr[idx].data(), out.data());
        iterations += res.iterations_used;
        if (std::memcmp(out.data(), f.info_packed[idx].data(), out.size()) != 0)
            ++r.frame_errors;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.frames = frames;
    r.mbps = double(f.k) * frames / s / 1e6;
    r.avg_iterations = double(iterations) / frames;
    return r;
}

} // namespace

int main(int argc, char** argv)
{
    int frames = 400, scalar_frames = 6, iterations = 25;
    double quant = 4.0, esn0_delta = 0.0;
    LdpcDecoderOptions base;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const char* v = argv[i + 1];
        if (a == "--frames")
            frames = std::atoi(v);
        else if (a == "--scalar-frames")
            scalar_frames = std::atoi(v);
        else if (a == "--iterations")
            iterations = std::atoi(v);
        else if (a == "--quant")
            quant = std::atof(v);
        else if (a == "--scale")
            base.scale = static_cast<float>(std::atof(v));
        else if (a == "--offset") {
            base.algorithm = LdpcAlgorithm::OffsetMinSum;
            base.offset = std::atoi(v);
        } else if (a == "--esn0-delta")
            esn0_delta = std::atof(v);
        else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    base.max_iterations = iterations;

    const Point points[] = {
        { "QPSK 1/2", CodeRate::R1_2, 2, 1.3, true },
        { "8PSK 3/5 (BI-AWGN)", CodeRate::R3_5, 3, 5.8, false },
        { "16APSK 3/4 (BI-AWGN)", CodeRate::R3_4, 4, 10.5, false },
        { "32APSK 4/5 (BI-AWGN)", CodeRate::R4_5, 5, 13.9, false },
    };
    std::printf("LDPC decode, normal frames, single thread, frame by frame; %d iterations max, "
                "%s, quantisation %.2f steps per LLR unit\n",
                iterations,
                base.algorithm == LdpcAlgorithm::NormalisedMinSum
                    ? ("normalised min-sum x" + std::to_string(base.scale)).c_str()
                    : ("offset min-sum -" + std::to_string(base.offset)).c_str(),
                quant);
    std::printf("%-22s %7s %-7s %10s %8s %9s %14s\n", "point", "Es/N0", "kernel", "Mbit/s",
                "vs scalar", "avg it", "frame errors");
    const int pool = 64;
    for (const auto& p : points) {
        const double esn0 = p.esn0_db + esn0_delta;
        // Distinct frames for the error count; the timing loops cycle through a pool.
        const Frames fer_frames = make_frames(p, esn0, frames, quant, 1000 + static_cast<int>(p.rate));
        Frames timing = fer_frames;
        timing.llr.resize(std::min<size_t>(pool, timing.llr.size()));
        timing.info_packed.resize(timing.llr.size());
        double scalar_mbps = 0;
        for (auto kernel : { LdpcDecoderOptions::Kernel::Scalar, LdpcDecoderOptions::Kernel::SSE41,
                             LdpcDecoderOptions::Kernel::AVX2 }) {
            LdpcDecoderOptions o = base;
            o.kernel = kernel;
            LdpcDecoder dec(FrameSize::Normal, p.rate, o);
            const bool is_scalar = kernel == LdpcDecoderOptions::Kernel::Scalar;
            if (!is_scalar && dec.kernel() == SimdLevel::Scalar)
                continue; // not supported on this CPU
            // The machine may be shared: throughput is the best of several passes over the
            // timing pool (the least disturbed one); errors are counted over all frames.
            Run r;
            if (is_scalar) {
                r = run(dec, timing, scalar_frames);
                scalar_mbps = r.mbps;
            } else {
                run(dec, timing, 8); // warm-up
                r = run(dec, fer_frames, frames);
                for (int pass = 0; pass < 5; ++pass)
                    r.mbps = std::max(r.mbps, run(dec, timing, static_cast<int>(timing.llr.size())).mbps);
            }
            std::printf("%-22s %6.2f %-7s %10.2f %8.1fx %9.2f %8d/%-5d\n", p.name, esn0,
                        to_string(dec.kernel()).c_str(), r.mbps, r.mbps / scalar_mbps,
                        r.avg_iterations, r.frame_errors, r.frames);
            std::fflush(stdout);
        }
    }
    return 0;
}
