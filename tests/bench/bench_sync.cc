// SPDX-License-Identifier: GPL-3.0-or-later
// Symbol-rate receiver bench: acquisition time in frames vs Es/N0, and throughput of the
// SymbolReceiver (locked, pilots / pilotless DD) and of the acquisition search, each as
// Msym/s and as a ratio to a reference measured in the same run (a per-symbol complex
// rotation by std::polar, the least any carrier correction costs).
// Usage: bench_sync [trials per Es/N0, default 10]
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/mapping/constellation.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/rx/symbol_receiver.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;
using clk = std::chrono::steady_clock;

namespace {

volatile float g_sink;

std::vector<cf> make_frames(const FrameFormat& f, int count, uint64_t seed, std::vector<uint64_t>* starts)
{
    PlFramer framer(0);
    Rng rng(seed);
    Constellation con(f.modcod);
    std::vector<cf> data(static_cast<size_t>(f.data_symbols())), buf(kMaxPlframeSymbols), out;
    for (int k = 0; k < count; ++k) {
        for (auto& d : data)
            d = con.point(static_cast<unsigned>(rng.next() % static_cast<uint64_t>(con.size())));
        if (starts)
            starts->push_back(out.size());
        const int n = framer.frame(f, data.data(), buf.data());
        out.insert(out.end(), buf.begin(), buf.begin() + n);
    }
    return out;
}

std::vector<cf> channel(const std::vector<cf>& in, double esn0, double cfo, uint64_t seed)
{
    ChannelConfig c;
    c.esn0_db = esn0;
    c.frequency_offset_hz = cfo;
    c.initial_phase_rad = 0.1 * static_cast<double>(seed);
    c.seed = seed;
    ChannelEmulator ch(c);
    std::vector<cf> out;
    ch.process(in, out);
    return out;
}

double seconds_since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

} // namespace

int main(int argc, char** argv)
{
    const int trials = argc > 1 ? std::max(1, std::atoi(argv[1])) : 10;

    // --- Acquisition time -------------------------------------------------------------
    // Short QPSK 1/4 frames with pilots (8370 symbols), CFO 5 % of Rs, random start phase.
    // "Frames to lock": transmitted frames until the lock is declared (the first frame
    // delivered was detected confirm_frames headers before that); "lost": frames before
    // the first delivered one.
    const FrameFormat short_qpsk{ { Modulation::QPSK, CodeRate::R1_4 }, FrameSize::Short, true };
    std::printf("Acquisition, short QPSK 1/4 pilots, CFO 0.05 Rs, %d trials each\n", trials);
    std::printf("  Es/N0 dB  locked  mean frames to lock  max  mean frames lost  false detections/trial\n");
    for (double esn0 : { -3.0, -2.0, 0.0, 3.0, 6.0, 10.0 }) {
        int locked = 0, worst = 0;
        double sum_lock = 0.0, sum_lost = 0.0, false_det = 0.0;
        for (int t = 0; t < trials; ++t) {
            std::vector<uint64_t> starts;
            const auto tx = make_frames(short_qpsk, 30, 100 + static_cast<uint64_t>(t), &starts);
            // Start mid-frame: cut a random part of the first frame.
            const size_t cut = (static_cast<size_t>(t) * 2749) % 8000;
            std::vector<cf> in(tx.begin() + static_cast<std::ptrdiff_t>(cut), tx.end());
            const auto rxs = channel(in, esn0, 0.05, 7 + static_cast<uint64_t>(t));
            SymbolReceiver rx;
            RxFrame f;
            long first = -1;
            for (size_t k = 0; k < rxs.size() && first < 0; k += 4096) {
                rx.push(rxs.data() + k, std::min<size_t>(4096, rxs.size() - k));
                while (rx.next_frame(&f))
                    if (first < 0)
                        for (size_t i = 0; i < starts.size(); ++i)
                            if (starts[i] == f.start + cut)
                                first = static_cast<long>(i);
            }
            false_det += static_cast<double>(rx.sync_stats().false_detections);
            if (first < 0)
                continue;
            ++locked;
            const int to_lock = static_cast<int>(first) + rx.sync().config().confirm_frames + 1;
            sum_lock += to_lock;
            sum_lost += static_cast<double>(first);
            worst = std::max(worst, to_lock);
        }
        std::printf("  %7.1f  %3d/%-3d  %19.2f  %3d  %16.2f  %22.2f\n", esn0, locked, trials,
                    locked ? sum_lock / locked : 0.0, worst, locked ? sum_lost / locked : 0.0,
                    false_det / trials);
    }

    // --- Throughput -------------------------------------------------------------------
    const FrameFormat normal_qpsk{ { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Normal, true };
    const FrameFormat normal_8psk{ { Modulation::PSK8, CodeRate::R2_3 }, FrameSize::Normal, false };
    struct Case {
        const char* name;
        std::vector<cf> symbols;
    };
    std::vector<Case> cases;
    cases.push_back({ "locked, normal QPSK 1/2 pilots, 10 dB", channel(make_frames(normal_qpsk, 24, 1, nullptr), 10.0, 0.02, 1) });
    cases.push_back({ "locked, normal 8PSK 2/3 no pilots (DD), 12 dB", channel(make_frames(normal_8psk, 24, 2, nullptr), 12.0, 0.02, 2) });
    {
        ChannelConfig c;
        c.esn0_db = 0.0;
        ChannelEmulator noise(c);
        std::vector<cf> zeros(400000, cf(0.0f, 0.0f)), out;
        noise.process(zeros, out);
        cases.push_back({ "searching, noise only", out });
    }

    std::printf("\nThroughput (best of 3 runs; reference: one std::polar rotation per symbol)\n");
    for (const Case& c : cases) {
        // Reference on the same symbols.
        double ref_best = 0.0, rx_best = 0.0;
        uint64_t frames = 0;
        for (int rep = 0; rep < 3; ++rep) {
            auto t0 = clk::now();
            float acc = 0.0f;
            for (size_t k = 0; k < c.symbols.size(); ++k)
                acc += (c.symbols[k] * std::polar(1.0f, 0.001f * static_cast<float>(k))).real();
            g_sink = acc;
            ref_best = std::max(ref_best, static_cast<double>(c.symbols.size()) / seconds_since(t0) / 1e6);

            SymbolReceiver rx;
            RxFrame f;
            frames = 0;
            t0 = clk::now();
            for (size_t k = 0; k < c.symbols.size(); k += 8192) {
                rx.push(c.symbols.data() + k, std::min<size_t>(8192, c.symbols.size() - k));
                while (rx.next_frame(&f))
                    ++frames;
            }
            rx_best = std::max(rx_best, static_cast<double>(c.symbols.size()) / seconds_since(t0) / 1e6);
        }
        std::printf("  %-48s %7.2f Msym/s  (%llu frames)  reference %7.2f Msym/s  ratio %.3f\n",
                    c.name, rx_best, static_cast<unsigned long long>(frames), ref_best, rx_best / ref_best);
    }
    return 0;
}
