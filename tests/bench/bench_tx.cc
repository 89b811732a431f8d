// Transmit frame engine throughput (dualsat::Transmitter, library alone, one thread):
// TS input bits per second and output symbols per second, normal frames, no pilots,
// for QPSK 1/2, 8PSK 3/5, 16APSK 3/4 and 32APSK 4/5. The stage split shows where the time
// goes (each stage timed alone on the same frame).
//
//   ./tests/bench/bench_tx [seconds per measurement, default 1.0] [repeats, default 3]
//
// The machine may be shared: each figure is the best of the repeats.
#include <dualsat/bb_scrambler.h>
#include <dualsat/bch.h>
#include <dualsat/bit_interleaver.h>
#include <dualsat/ldpc_encoder.h>
#include <dualsat/mapper.h>
#include <dualsat/pl_framer.h>
#include <dualsat/transmitter.h>
#include <dualsat/ts_adaptation.h>

#include <chrono>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

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
    std::printf("%-12s %10s %12s %12s | us per frame: %6s %6s %6s %6s %6s %6s\n", "MODCOD",
                "frames/s", "TS Mbit/s", "Msym/s", "total", "BBfr", "BCH", "LDPC", "ilv", "map+PL");
    for (const ModCod& mc : cases) {
        TransmitterConfig cfg;
        cfg.format = { mc, FrameSize::Normal, false };
        cfg.idle = IdlePolicy::Wait;
        cfg.gold_code = 1;
        Transmitter tx(cfg);
        std::vector<std::complex<float>> out(Transmitter::kMaxFrameSymbols);
        size_t pos = 0;
        PlFrameInfo info;
        auto one_frame = [&] {
            while (tx.ts_bytes_needed() > 0) {
                const size_t n = std::min(tx.ts_bytes_needed(), ts.size() - pos);
                pos = (pos + tx.push_ts(ts.data() + pos, n)) % ts.size();
            }
            tx.next_plframe(out.data(), info);
            g_sink = out[100].real();
        };
        const double fps = calls_per_second(seconds, repeats, one_frame);
        const FrameFormat& f = cfg.format;
        const double bits = static_cast<double>(f.code().kbch - 80); // TS bits per frame
        const double sym = f.plframe_symbols();

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
        std::printf("%-12s %10.1f %12.1f %12.2f | %19.0f %6.0f %6.0f %6.0f %6.0f %6.0f\n",
                    to_string(mc).c_str(), fps, fps * bits / 1e6, fps * sym / 1e6, 1e6 / fps,
                    t_bb, t_bch, t_ldpc, t_il, t_map);
    }
    return 0;
}
