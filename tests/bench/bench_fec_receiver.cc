// SPDX-License-Identifier: GPL-3.0-or-later
// Receiver FEC throughput: information bits (K_bch, the BBFRAME) per second on one core,
// for the LDPC decoder alone and for the whole FecReceiver (demap -> deinterleave -> LDPC
// -> BCH -> descramble -> BBHEADER -> TS deframing), SIMD (the active level) against the
// scalar kernels in the same run, plus the FecWorkerPool on all cores.
//
//   bench_fec_receiver [--frames N] [--scalar-frames N] [--iterations N] [--pool-frames N]
//
// Normal frames over AWGN at the operating points of the task (about 0.3 dB above
// EN 302 307-1 Table 13). Frames are generated first with the library's transmitter stages
// (not timed); each figure is the best of several passes over the same frames, because
// the machine is shared.
#include <dualsat/core/cpu_features.h>
#include <dualsat/rx/fec_receiver.h>
#include <dualsat/rx/fec_worker_pool.h>
#include <dualsat/coding/ldpc_decoder.h>
#include <dualsat/coding/bit_interleaver.h>
#include <dualsat/mapping/soft_demapper.h>
#include <dualsat/framing/ts_adaptation.h>

#include "fec_loopback_tx.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using namespace dualsat;

namespace {

struct Point {
    const char* name;
    double esn0_db;
};

struct Frames {
    FrameFormat format;
    float n0 = 0;
    std::vector<std::vector<std::complex<float>>> symbols;
    std::vector<std::vector<uint8_t>> bbframes;
    std::vector<std::vector<int8_t>> llr; // codeword order, as the receiver feeds the decoder
};

Frames make_frames(const FrameFormat& f, double esn0_db, int count, float llr_scale, uint64_t seed)
{
    Frames fr;
    fr.format = f;
    fr.n0 = noise_variance_from_esn0_db(static_cast<float>(esn0_db));
    dualsat_test::FecTx tx;
    dualsat_test::FastGaussian g(seed);
    TsFramer framer(4096);
    uint8_t cc = 0;
    SoftDemapper demapper(Constellation(f.modcod));
    BitInterleaver il(f.frame, f.modcod.rate, f.modcod.mod);
    const size_t n = static_cast<size_t>(f.code().nldpc);
    std::vector<int8_t> sym_order(n);
    for (int i = 0; i < count; ++i) {
        while (!framer.can_fill(f.code().kbch)) {
            uint8_t pkt[188];
            dualsat_test::random_ts_packet(g, 0x200, cc, pkt);
            framer.push(pkt);
        }
        std::vector<uint8_t> bb(static_cast<size_t>(f.code().kbch) / 8);
        framer.build(f, true, RollOff::R035, bb.data());
        std::vector<std::complex<float>> s;
        tx.encode(f, bb.data(), s);
        dualsat_test::add_awgn(s.data(), s.size(), fr.n0, g);
        demapper.demap_int8(s.data(), s.size(), fr.n0, llr_scale, sym_order.data(), n);
        std::vector<int8_t> cw(n);
        il.deinterleave_soft(sym_order.data(), cw.data());
        fr.symbols.push_back(std::move(s));
        fr.bbframes.push_back(std::move(bb));
        fr.llr.push_back(std::move(cw));
    }
    return fr;
}

struct Measure {
    double mbps = 0;        // K_bch bits per second / 1e6, best pass
    double avg_iterations = 0;
    int errors = 0;
};

template <typename Fn>
Measure best_of(int passes, int frames, int kbch, Fn&& one_pass)
{
    Measure m;
    for (int p = 0; p < passes; ++p) {
        long iterations = 0;
        int errors = 0;
        const auto t0 = std::chrono::steady_clock::now();
        one_pass(iterations, errors);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double mbps = double(kbch) * frames / s / 1e6;
        if (mbps > m.mbps)
            m.mbps = mbps;
        m.avg_iterations = double(iterations) / frames;
        m.errors = errors;
    }
    return m;
}

Measure bench_decoder(const Frames& f, int frames, LdpcDecoderOptions opt, int passes)
{
    LdpcDecoder dec(f.format.frame, f.format.modcod.rate, opt);
    std::vector<uint8_t> info(static_cast<size_t>(dec.k() / 8));
    const int kbch = f.format.code().kbch;
    return best_of(passes, frames, kbch, [&](long& it, int& err) {
        for (int i = 0; i < frames; ++i) {
            const size_t idx = static_cast<size_t>(i) % f.llr.size();
            const auto r = dec.decode(f.llr[idx].data(), info.data());
            it += r.iterations_used;
            err += !r.converged;
        }
    });
}

// Whole chain including the TS deframer, timed as FecReceiver::process.
Measure bench_receiver_full(const Frames& f, int frames, const FecReceiverOptions& opt, int passes)
{
    const int kbch = f.format.code().kbch;
    return best_of(passes, frames, kbch, [&](long& it, int& err) {
        FecReceiver rx(opt); // fresh deframer per pass: the frames repeat
        FecOutput out;
        for (int i = 0; i < frames; ++i) {
            const size_t idx = static_cast<size_t>(i) % f.symbols.size();
            out.clear();
            const auto st = rx.process(f.format, f.symbols[idx].data(), f.symbols[idx].size(), f.n0,
                                       static_cast<uint64_t>(i), out);
            it += st.ldpc_iterations;
            err += st.status != FecFrameStatus::Ok;
        }
    });
}

Measure bench_pool(const Frames& f, int frames, const FecReceiverOptions& opt, unsigned threads)
{
    FecWorkerPool pool(opt, threads, 2 * threads);
    const int kbch = f.format.code().kbch;
    return best_of(1, frames, kbch, [&](long& it, int& err) {
        DecodedBbFrame got;
        RxFecFrame fr;
        int submitted = 0, popped = 0;
        while (popped < frames) {
            if (submitted < frames && pool.in_flight() < pool.capacity()) {
                const size_t idx = static_cast<size_t>(submitted) % f.symbols.size();
                fr.format = f.format;
                fr.noise_variance = f.n0;
                fr.frame_counter = static_cast<uint64_t>(submitted);
                fr.symbols.assign(f.symbols[idx].begin(), f.symbols[idx].end());
                pool.submit(fr);
                ++submitted;
                continue;
            }
            pool.pop(got);
            const size_t idx = static_cast<size_t>(got.stats.frame_counter) % f.symbols.size();
            it += got.stats.ldpc_iterations;
            err += !got.decoded_ok() || got.bytes != f.bbframes[idx];
            ++popped;
        }
    });
}

} // namespace

int main(int argc, char** argv)
{
    int frames = 64, scalar_frames = 4, iterations = 25, pool_frames = 128, passes = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const int v = std::atoi(argv[i + 1]);
        if (a == "--frames")
            frames = v;
        else if (a == "--scalar-frames")
            scalar_frames = v;
        else if (a == "--iterations")
            iterations = v;
        else if (a == "--pool-frames")
            pool_frames = v;
        else if (a == "--passes")
            passes = v;
        else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    const Point points[] = {
        { "QPSK 1/2", 1.3 },
        { "8PSK 3/5", 5.8 },
        { "16APSK 3/4", 10.5 },
        { "32APSK 4/5", 13.9 },
    };
    FecReceiverOptions simd;
    simd.ldpc.max_iterations = iterations;
    FecReceiverOptions scalar = simd;
    scalar.demap_simd = SimdLevel::Scalar;
    scalar.ldpc.kernel = LdpcDecoderOptions::Kernel::Scalar;
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());

    std::printf("Receiver FEC throughput, normal frames, K_bch information bits per second, "
                "iteration cap %d, LLR scale %.1f; SIMD = %s; best of %d passes over %d frames "
                "(scalar: %d frames)\n",
                iterations, static_cast<double>(simd.llr_steps_per_unit),
                to_string(active_simd_level()).c_str(), passes, frames, scalar_frames);
    std::printf("%-11s %6s | %9s %9s %7s | %9s %9s %7s | %7s | %11s | %6s %6s\n", "MODCOD", "Es/N0",
                "dec Mb/s", "scalar", "ratio", "rx Mb/s", "scalar", "ratio", "rx/dec",
                "pool Mb/s", "avg_it", "FER");
    for (const auto& p : points) {
        const FrameFormat f{ parse_modcod(p.name), FrameSize::Normal, false };
        const Frames fr = make_frames(f, p.esn0_db, std::max(frames, 16), simd.llr_steps_per_unit, 42);
        const Measure dec = bench_decoder(fr, frames, simd.ldpc, passes);
        const Measure dec_s = bench_decoder(fr, scalar_frames, scalar.ldpc, 1);
        const Measure rx = bench_receiver_full(fr, frames, simd, passes);
        const Measure rx_s = bench_receiver_full(fr, scalar_frames, scalar, 1);
        const Measure pool = bench_pool(fr, pool_frames, simd, hw);
        std::printf("%-11s %6.1f | %9.2f %9.2f %6.1fx | %9.2f %9.2f %6.1fx | %7.2f | %5.2f (%ux) | "
                    "%6.2f %6.3f\n",
                    p.name, p.esn0_db, dec.mbps, dec_s.mbps, dec.mbps / dec_s.mbps, rx.mbps, rx_s.mbps,
                    rx.mbps / rx_s.mbps, rx.mbps / dec.mbps, pool.mbps, hw, rx.avg_iterations,
                    double(rx.errors) / frames);
        std::fflush(stdout);
    }
    return 0;
}
