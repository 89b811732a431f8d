// SPDX-License-Identifier: GPL-3.0-or-later
// Transmit frame engine throughput (dualsat::Transmitter, library alone): TS input bits
// per second and output symbols per second, normal frames, no pilots, for QPSK 1/2,
// 8PSK 3/5, 16APSK 3/4 and 32APSK 4/5; inline (workers = 1, the caller alone, next_plframe)
// against the pool (workers = 2 and 3: start_plframe/finish_plframe, frames in flight into
// a ring of output buffers). The stage split shows where a single thread's time goes (each
// stage timed alone on the same frame).
//
//   ./tests/bench/bench_tx [seconds per measurement, default 1.0] [repeats, default 3]
//
// The machine may be shared: each figure is the best of the repeats, the measurements of
// one MODCOD interleaved (inline, pooled, inline, pooled, ...). CPU us/frame: the CPU time of
// all threads per frame (the pool's cost: synchronisation and idle spinning).
#include <dualsat/framing/bb_scrambler.h>
#include <dualsat/coding/bch.h>
#include <dualsat/coding/bit_interleaver.h>
#include <dualsat/coding/ldpc_encoder.h>
#include <dualsat/mapping/mapper.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/tx/transmitter.h>
#include <dualsat/framing/ts_adaptation.h>

#include <chrono>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include <sys/resource.h>

using namespace dualsat;
using Clock = std::chrono::steady_clock;

namespace {

volatile float g_sink;

// Best-of-`repeats` rate (calls per second) of fn over `seconds`.
template <typename Fn>
double calls_per_second(double seconds, int repeats, Fn&& fn)
{
    double best = 0;
    for (int r = 0; r < repeats; ++r) {
        fn();
        size_t calls = 0;
        const auto start = Clock::now();
        double elapsed = 0;
        while (elapsed < seconds) {
            for (int i = 0; i < 4; ++i)
                fn();
            calls += 4;
            elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        }
        best = std::max(best, static_cast<double>(calls) / elapsed);
    }
    return best;
}

double process_cpu_seconds()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

} // namespace

int main(int argc, char** argv)
{
    const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
    const ModCod cases[] = { { Modulation::QPSK, CodeRate::R1_2 },
                             { Modulation::PSK8, CodeRate::R3_5 },
                             { Modulation::APSK16, CodeRate::R3_4 },
                             { Modulation::APSK32, CodeRate::R4_5 } };
    std::mt19937 rng(1);
    std::vector<uint8_t> ts(kTsPacketBytes * 4096);
    for (auto& b : ts)
        b = static_cast<uint8_t>(rng());
    for (size_t p = 0; p < ts.size(); p += kTsPacketBytes)
        ts[p] = kTsSyncByte;

    std::printf("dualsat::Transmitter, normal frames, no pilots, best of %d x %.2f s\n\n",
                repeats, seconds);
    std::printf("%-12s %10s %10s %10s %7s %7s | %9s | CPU us/frame %6s %6s | us per frame: %6s %6s %6s %6s %6s\n",
                "MODCOD", "inline/s", "2 wkr/s", "3 wkr/s", "x2", "x3", "TS Mbit/s", "inline",
                "2 wkr", "BBfr", "BCH", "LDPC", "ilv", "map+PL");
    for (const ModCod& mc : cases) {
        TransmitterConfig cfg;
        cfg.format = { mc, FrameSize::Normal, false };
        cfg.idle = IdlePolicy::Wait;
        cfg.gold_code = 1;
        constexpr int kWorkerCounts[] = { 1, 2, 3 };
        struct Run {
            // out before tx: destroyed after it, so a frame still being encoded when the
            // transmitter goes is completed into memory that still exists.
            std::vector<std::vector<std::complex<float>>> out;
            std::unique_ptr<Transmitter> tx;
            size_t pos = 0, next_out = 0;
            double best = 0;
            double cpu_us = 1e30;
        };
        std::vector<Run> runs;
        for (int w : kWorkerCounts) {
            TransmitterConfig c = cfg;
            c.workers = w;
            Run r;
            r.tx = std::make_unique<Transmitter>(c);
            r.out.assign(r.tx->max_frames_in_flight(),
                         std::vector<std::complex<float>>(Transmitter::kMaxFrameSymbols));
            runs.push_back(std::move(r));
        }
        PlFrameInfo info;
        auto feed = [&](Run& r) {
            while (r.tx->ts_bytes_needed() > 0) {
                const size_t n = std::min(r.tx->ts_bytes_needed(), ts.size() - r.pos);
                r.pos = (r.pos + r.tx->push_ts(ts.data() + r.pos, n)) % ts.size();
            }
        };
        // One frame out per call; the pool keeps up to max_frames_in_flight() started.
        auto one_frame = [&](Run& r) {
            if (r.tx->workers() == 1) {
                feed(r);
                r.tx->next_plframe(r.out[0].data(), info);
                g_sink = r.out[0][100].real();
                return;
            }
            while (r.tx->frames_in_flight() < r.tx->max_frames_in_flight()) {
                feed(r);
                auto& buf = r.out[r.next_out];
                r.next_out = (r.next_out + 1) % r.out.size();
                r.tx->start_plframe(buf.data(), buf.size());
            }
            r.tx->finish_plframe(info);
            g_sink = r.out[r.next_out][100].real(); // the oldest: the one just finished
        };
        for (int rep = 0; rep < repeats; ++rep) {
            for (Run& r : runs) {
                const double cpu0 = process_cpu_seconds();
                const auto t0 = Clock::now();
                const double rate = calls_per_second(seconds, 1, [&] { one_frame(r); });
                const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
                // CPU time of all threads per frame (the warm-up call is negligible).
                const double cpu_us = 1e6 * (process_cpu_seconds() - cpu0) / (rate * wall);
                r.best = std::max(r.best, rate);
                r.cpu_us = std::min(r.cpu_us, cpu_us);
            }
        }
        for (Run& r : runs) // started frames finish before anything else touches the buffers
            while (r.tx->frames_in_flight() > 0)
                r.tx->finish_plframe(info);
        const double fps = runs[0].best;
        const FrameFormat& f = cfg.format;
        const double bits = static_cast<double>(f.code().kbch - 80); // TS bits per frame

        // Stage by stage, on one frame.
        const double stage_s = seconds / 4;
        TsFramer framer(4096);
        framer.push_packets(ts.data(), ts.size());
        std::vector<uint8_t> cw(8100), il_out(8100);
        std::vector<std::complex<float>> plf(Transmitter::kMaxFrameSymbols);
        BbScrambler scr;
        BchCodec bch(f.frame, mc.rate);
        LdpcEncoder ldpc(f.frame, mc.rate);
        BitInterleaver il(f.frame, mc.rate, mc.mod);
        Mapper mapper(mc, f.frame);
        PlFramer plf_framer(1);
        const int kbch = f.code().kbch;
        const double t_bb = 1e6 / calls_per_second(stage_s, repeats, [&] {
            if (framer.queued_bytes() < static_cast<size_t>(kbch / 8)) {
                framer.reset();
                framer.push_packets(ts.data(), ts.size());
            }
            framer.build(kbch, true, RollOff::R020, cw.data());
            scr.apply_packed(cw.data(), static_cast<size_t>(kbch) / 8);
        });
        const double t_bch = 1e6 / calls_per_second(stage_s, repeats, [&] { bch.encode(cw.data(), cw.data()); });
        const double t_ldpc = 1e6 / calls_per_second(stage_s, repeats, [&] { ldpc.encode(cw.data(), cw.data()); });
        const double t_il = il.is_identity() ? 0.0 : 1e6 / calls_per_second(stage_s, repeats, [&] {
            il.interleave(cw.data(), il_out.data());
        });
        const double t_map = 1e6 / calls_per_second(stage_s, repeats, [&] {
            // As the transmitter does it (no pilots here): map and scramble in one pass.
            const uint8_t* rn = plf_framer.payload_scrambling(f);
            mapper.map_packed_scrambled(il_out.data(), rn, mapper.frame_symbols(),
                                        plf.data() + kPlHeaderSymbols);
            plf_framer.frame_prescrambled(f, plf.data());
            g_sink = plf[5].imag();
        });
        std::printf("%-12s %10.0f %10.0f %10.0f %6.2fx %6.2fx | %9.0f | %19.1f %6.1f | %19.0f %6.0f %6.0f %6.0f %6.0f\n",
                    to_string(mc).c_str(), fps, runs[1].best, runs[2].best, runs[1].best / fps,
                    runs[2].best / fps, runs[1].best * bits / 1e6, runs[0].cpu_us,
                    runs[1].cpu_us, t_bb, t_bch, t_ldpc, t_il, t_map);
    }
    std::printf("\n(TS Mbit/s: 2 workers. CPU us/frame: all threads, idle spinning included; a\n"
                "speed-up needs a second CPU actually free: with other sessions busy the\n"
                "kernel's autogroup scheduling gives this process about one CPU.)\n");
    return 0;
}
