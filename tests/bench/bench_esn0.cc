// SPDX-License-Identifier: GPL-3.0-or-later
// Es/N0 measurement benchmark (not a test; issue 11, ACM measurement): the whole chain
// Transmitter -> TxPulseShaper -> ChannelEmulator (AWGN at the emulator's true Es/N0, CFO
// 5 % Rs, 100 ppm sample clock (8-tap Lagrange interpolator: the default cubic one would
// lower the true Es/N0 by 0.08-0.16 dB), DVB-S2 phase-noise mask at 20 Msym/s, 2.37 samples/symbol,
// roll-off 0.2) -> Receiver, and the per-frame Es/N0 estimates it delivers
// (ReceiverFrameStats::esn0_db / esn0_var_db2) against the true Es/N0.
//
// Per MODCOD, frame size, pilots and true Es/N0 the table gives: data frames received
// after lock (of those sent after the first 3), the fraction decoded (codeword-aided
// payload estimate) — below the MODCOD's threshold the blind payload estimate is used —,
// mean estimate, bias, the standard deviation of single-frame estimates and of 4-frame
// averages (consecutive, non-overlapping groups; the mean of the dB values), the mean
// predicted standard deviation (sqrt of the mean esn0_var_db2), the ratio predicted /
// observed variance, the same bias and standard deviation of the known-symbol estimate
// alone (esn0_known_db: what the receiver had before the payload was used), and the bias
// and standard deviation of the dummy frames (one after every 4th data frame). PASS:
// |bias| <= 0.2 dB and, below 10 dB, the 4-frame standard deviation <= 0.2 dB. A row with
// no frames says so ("no lock").
//
// Usage: bench_esn0 [--frames N] [--from dB] [--to dB] [--step dB] [--all] [--only TEXT]
//                   [--short-only] [--cfo cycles/symbol] [--ppm P] [--no-phase-noise] [--cost]
//                   [--kernels] [--smoke]
//   --all          every MODCOD (1..28) instead of one per constellation
//   --only TEXT    configurations whose "MODCOD size pilots" name contains TEXT
//   --cost         instead of the table: thread CPU time of FecFrameDecoder::decode per
//                  frame with the payload measurement and without (normal frames, one MODCOD
//                  per constellation, pilots and pilotless (the blind estimate on the moduli),
//                  decoding and failing)
//   --kernels      instead of the table: the data-aided sums (esn0_kernels.h) per symbol,
//                  each SIMD level and VOLK's conjugate dot products (the three sums
//                  without the erasure test) as ratios to the scalar reference, on 90-symbol
//                  blocks of a 21600-symbol payload (best of 7 interleaved rounds)
//   --smoke        a few seconds: two configurations, exit status 1 when an estimate is
//                  badly off (|bias| > 0.5 dB, predicted / observed variance outside
//                  [0.3, 3], or a single-frame spread not well below the known symbols'
//                  alone: the payload unused); run by ctest as bench_esn0_smoke so that
//                  the bench cannot rot
// Exit status 0 otherwise (the table's FAIL rows are measurements, not errors).
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/dsp/pulse_shaper.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/rx/esn0_kernels.h>
#include <dualsat/rx/receiver.h>
#include <dualsat/tx/transmitter.h>

#include "fec_loopback_tx.h"

#ifdef DUALSAT_BENCH_HAVE_VOLK
#include <volk/volk.h>
#endif

#include <algorithm>
#include <ctime>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;
using cvec = std::vector<cf>;

namespace {

constexpr double kSymbolRate = 20e6; // the phase-noise mask is for Msym/s rates
constexpr double kSps = 2.37;
constexpr double kRolloff = 0.2;
constexpr int kSkip = 3;             // delivered frames around acquisition, not counted
constexpr int kDummyEvery = 4;       // a dummy frame after every 4th data frame
// Impairments (--cfo, --ppm, --no-phase-noise: to tell what an estimate's bias comes from).
double g_cfo = 0.05;                 // cycles/symbol
double g_ppm = 100.0;
bool g_phase_noise = true;

// Data frames of one format (full: idle policy Wait), a dummy frame after every
// kDummyEvery-th, two dummies at the end so that the last data frame is closed.
cvec make_symbols(const FrameFormat& f, int frames, uint32_t seed)
{
    TransmitterConfig tc;
    tc.format = f;
    tc.idle = IdlePolicy::Wait;
    Transmitter tx(tc);
    PlFramer framer(0);
    cvec s, buf(kMaxPlframeSymbols);
    uint8_t pkt[188];
    uint32_t h = seed * 2654435761u + 1;
    for (int k = 0; k < frames; ++k) {
        while (!tx.data_ready()) {
            pkt[0] = 0x47;
            for (int i = 1; i < 188; ++i) {
                h ^= h << 13;
                h ^= h >> 17;
                h ^= h << 5;
                pkt[i] = static_cast<uint8_t>(h);
            }
            tx.push_ts(pkt, 188);
        }
        PlFrameInfo info;
        const size_t n = tx.next_plframe(buf.data(), info);
        s.insert(s.end(), buf.begin(), buf.begin() + static_cast<long>(n));
        if ((k + 1) % kDummyEvery == 0 || k + 1 == frames) {
            for (int d = 0; d < (k + 1 == frames ? 2 : 1); ++d) {
                const int m = framer.dummy_frame(buf.data());
                s.insert(s.end(), buf.begin(), buf.begin() + m);
            }
        }
    }
    return s;
}

struct Shaped {
    cvec x;
    double symbol_energy = 1.0;
    double output_sps = 1.0;
};

Shaped shape(const cvec& symbols)
{
    TxPulseShaper shaper = TxPulseShaper::for_rates(kRolloff, 16, kSymbolRate, kSymbolRate * kSps);
    Shaped s;
    s.x = shaper.process(symbols);
    s.output_sps = shaper.output_sps();
    double ps = 0.0;
    for (const cf& v : s.x)
        ps += std::norm(v);
    // Es of the signal: mean power per sample x samples per symbol (the emulator's
    // definition of the Es its Es/N0 refers to).
    s.symbol_energy = ps / static_cast<double>(s.x.size()) * s.output_sps;
    return s;
}

struct Row {
    int sent = 0, received = 0, decoded = 0;
    double mean = NAN, bias = NAN, std1 = NAN, std4 = NAN, pred1 = NAN, ratio = NAN;
    double known_bias = NAN, known_std = NAN;
    int dummies = 0;
    double dummy_bias = NAN, dummy_std = NAN;
    bool pass = false;
};

double mean_of(const std::vector<double>& v)
{
    double s = 0.0;
    for (double x : v)
        s += x;
    return v.empty() ? NAN : s / static_cast<double>(v.size());
}

double std_of(const std::vector<double>& v)
{
    if (v.size() < 2)
        return NAN;
    const double m = mean_of(v);
    double s = 0.0;
    for (double x : v)
        s += (x - m) * (x - m);
    return std::sqrt(s / static_cast<double>(v.size() - 1));
}

Row run_point(const Shaped& tx, int frames, double esn0_db, uint64_t seed)
{
    ChannelConfig c;
    c.sample_rate_hz = kSymbolRate * kSps;
    c.samples_per_symbol = tx.output_sps;
    c.symbol_energy = tx.symbol_energy;
    c.esn0_db = esn0_db;
    c.frequency_offset_hz = g_cfo * kSymbolRate;
    c.initial_phase_rad = 0.4;
    c.sample_clock_offset_ppm = g_ppm;
    // The default cubic interpolator would take 0.08-0.16 dB off the Es/N0 the receiver
    // gets (channel_emulator.h): the estimate would be measured against a wrong truth.
    c.sco_interpolator_taps = 8;
    if (g_phase_noise)
        c.phase_noise_mask = dvbs2_phase_noise_mask();
    c.seed = seed;
    ChannelEmulator ch(c);
    cvec y;
    ch.process(tx.x, y);

    ReceiverConfig rc;
    rc.symbol_rate = kSymbolRate;
    rc.sample_rate = kSymbolRate * kSps;
    rc.rolloff = kRolloff;
    Receiver rx(rc);
    ReceiverOutput out;
    std::vector<ReceiverFrameStats> all;
    std::vector<double> dummy;
    for (size_t k = 0; k < y.size(); k += 65536) {
        rx.process(y.data() + k, std::min<size_t>(65536, y.size() - k), out);
        all.insert(all.end(), out.frames.begin(), out.frames.end());
        for (const ReceiverDummyFrame& d : out.dummy_frames)
            dummy.push_back(d.esn0_db);
        out.clear();
    }
    rx.flush(out);
    all.insert(all.end(), out.frames.begin(), out.frames.end());
    for (const ReceiverDummyFrame& d : out.dummy_frames)
        dummy.push_back(d.esn0_db);

    Row r;
    r.sent = frames - kSkip;
    std::vector<double> est, known, var;
    for (size_t k = kSkip; k < all.size(); ++k) {
        const ReceiverFrameStats& f = all[k];
        if (!std::isfinite(f.esn0_db))
            continue;
        est.push_back(f.esn0_db);
        var.push_back(f.esn0_var_db2);
        known.push_back(f.esn0_known_db);
        r.decoded += f.fec.payload_esn0_codeword;
    }
    r.received = static_cast<int>(est.size());
    if (!dummy.empty()) {
        dummy.erase(dummy.begin()); // the first one may straddle acquisition
        r.dummies = static_cast<int>(dummy.size());
        r.dummy_bias = mean_of(dummy) - esn0_db;
        r.dummy_std = std_of(dummy);
    }
    if (r.received < 8)
        return r;
    r.mean = mean_of(est);
    r.bias = r.mean - esn0_db;
    r.std1 = std_of(est);
    std::vector<double> avg4;
    for (size_t g = 0; g + 4 <= est.size(); g += 4)
        avg4.push_back(0.25 * (est[g] + est[g + 1] + est[g + 2] + est[g + 3]));
    r.std4 = std_of(avg4);
    const double mean_var = mean_of(var);
    r.pred1 = std::sqrt(mean_var);
    r.ratio = mean_var / (r.std1 * r.std1);
    r.known_bias = mean_of(known) - esn0_db;
    r.known_std = std_of(known);
    r.pass = std::fabs(r.bias) <= 0.2 && (esn0_db >= 10.0 || r.std4 <= 0.2);
    return r;
}

struct Config {
    FrameFormat f;
    std::string name;
};

double cpu_now()
{
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// What the payload measurement costs the FEC worker: decode() with and without it on the
// same frames (best of 3 passes: the machine is shared).
void cost()
{
    struct P {
        ModCod mc;
        double esn0_ok, esn0_fail;
    };
    const P points[] = { { { Modulation::QPSK, CodeRate::R1_2 }, 2.0, 0.0 },
                         { { Modulation::PSK8, CodeRate::R3_5 }, 6.5, 4.0 },
                         { { Modulation::APSK16, CodeRate::R3_4 }, 11.0, 8.0 },
                         { { Modulation::APSK32, CodeRate::R4_5 }, 14.5, 11.0 } };
    std::printf("FecFrameDecoder::decode, ms of thread CPU per normal frame (best of 3 passes of 8 frames)\n");
    std::printf("%-12s %-9s %6s %8s %10s %10s %8s\n", "MODCOD", "pilots", "Es/N0", "decoded", "with", "without",
                "extra");
    dualsat_test::FecTx tx;
    dualsat_test::FastGaussian g(5);
    FecReceiverOptions on, off;
    off.payload_esn0 = false;
    FecFrameDecoder with(on), without(off);
    DecodedBbFrame out;
    for (const P& p : points)
        for (bool pilots : { true, false })
            for (double esn0 : { p.esn0_ok, p.esn0_fail }) {
                const FrameFormat f{ p.mc, FrameSize::Normal, pilots };
                std::vector<std::vector<cf>> frames(8);
                std::vector<uint8_t> bb(static_cast<size_t>(f.code().kbch) / 8);
                const double n0 = std::pow(10.0, -esn0 / 10.0);
                for (auto& s : frames) {
                    for (auto& b : bb)
                        b = static_cast<uint8_t>(g.next_u64());
                    tx.encode(f, bb.data(), s);
                    dualsat_test::add_awgn(s.data(), s.size(), n0, g);
                }
                double best[2] = { 1e9, 1e9 };
                int decoded = 0;
                for (int pass = 0; pass < 3; ++pass)
                    for (int k = 0; k < 2; ++k) {
                        FecFrameDecoder& d = k == 0 ? with : without;
                        const double t0 = cpu_now();
                        int ok = 0;
                        for (const auto& s : frames) {
                            d.decode(f, s.data(), s.size(), static_cast<float>(n0), 0, out);
                            ok += out.stats.status == FecFrameStatus::Ok;
                        }
                        best[k] = std::min(best[k], cpu_now() - t0);
                        decoded = ok;
                    }
                const double per = 1e3 / static_cast<double>(frames.size());
                std::printf("%-12s %-9s %6.1f %5d/%-2zu %10.2f %10.2f %7.0f%%\n", to_string(p.mc).c_str(),
                            pilots ? "pilots" : "nopilots", esn0, decoded,
                            frames.size(), best[0] * per, best[1] * per, 100.0 * (best[0] / best[1] - 1.0));
            }
}

std::vector<Config> configs(bool all_modcods, bool short_only, const std::string& only)
{
    std::vector<ModCod> modcods;
    if (all_modcods) {
        for (int n = 1; n <= 28; ++n)
            modcods.push_back(modcod_from_number(n));
    } else {
        modcods = { { Modulation::QPSK, CodeRate::R1_2 },
                    { Modulation::PSK8, CodeRate::R3_5 },
                    { Modulation::APSK16, CodeRate::R3_4 },
                    { Modulation::APSK32, CodeRate::R4_5 } };
    }
    std::vector<Config> out;
    for (const ModCod& mc : modcods)
        for (FrameSize size : { FrameSize::Normal, FrameSize::Short }) {
            if (short_only && size == FrameSize::Normal)
                continue;
            if (!code_exists(size, mc.rate))
                continue;
            for (bool pilots : { true, false }) {
                const FrameFormat f{ mc, size, pilots };
                const std::string name = to_string(mc) + " " + to_string(size) + (pilots ? " pilots" : " nopilots");
                if (!only.empty() && name.find(only) == std::string::npos)
                    continue;
                out.push_back({ f, name });
            }
        }
    return out;
}

// The data-aided sums per symbol: each SIMD level and VOLK against the scalar reference,
// the way data_aided_esn0 calls them (one call per 90-symbol phase block). VOLK has no
// kernel that skips erased symbols, so its figure (three conjugate dot products: y s*,
// s s*, y y*) is what the sums would cost without that test: a lower bound for it.
void kernel_bench(int rounds, int frames)
{
    constexpr size_t kPayload = 21600, kBlock = 90;
    std::vector<cf> y(kPayload), s(kPayload);
    dualsat_test::FastGaussian g(17);
    for (size_t i = 0; i < kPayload; ++i) {
        double a, b, c, d;
        g.pair(a, b);
        g.pair(c, d);
        s[i] = cf(static_cast<float>(a), static_cast<float>(b));
        y[i] = 0.8f * s[i] + cf(0.3f * static_cast<float>(c), 0.3f * static_cast<float>(d));
    }
    struct Entry {
        std::string name;
        std::function<float()> run; // one payload; returns a sum so nothing is optimised away
        double best = 1e30;
    };
    std::vector<Entry> entries;
    auto kernel_entry = [&](const std::string& name, kernels::Esn0SumsFn fn) {
        entries.push_back({ name, [&y, &s, fn]() {
                               float acc = 0.0f;
                               for (size_t b = 0; b < kPayload; b += kBlock) {
                                   kernels::Esn0LaneSums sums;
                                   fn(y.data() + b, s.data() + b, kBlock, &sums);
                                   acc += sums.corr_re[0] + sums.power[7];
                               }
                               return acc;
                           } });
    };
    kernel_entry("scalar reference", &kernels::esn0_sums_scalar);
    for (SimdLevel level : simd::supported_levels())
        if (level != SimdLevel::Scalar)
            kernel_entry(to_string(level), kernels::esn0_kernels_for(level).table->sums);
#ifdef DUALSAT_BENCH_HAVE_VOLK
    entries.push_back({ "VOLK 3 x conjugate_dot_prod (no erasure test)", [&y, &s]() {
                           float acc = 0.0f;
                           for (size_t b = 0; b < kPayload; b += kBlock) {
                               lv_32fc_t c, e, p;
                               volk_32fc_x2_conjugate_dot_prod_32fc(&c, y.data() + b, s.data() + b, kBlock);
                               volk_32fc_x2_conjugate_dot_prod_32fc(&e, s.data() + b, s.data() + b, kBlock);
                               volk_32fc_x2_conjugate_dot_prod_32fc(&p, y.data() + b, y.data() + b, kBlock);
                               acc += c.real() + e.real() + p.real();
                           }
                           return acc;
                       } });
    // The same with a finiteness test VOLK can do: the block's float sum (any NaN or
    // infinity makes it non-finite; a block that fails would go to the scalar reference).
    entries.push_back({ "VOLK: sum as finiteness test + 3 x conjugate_dot_prod", [&y, &s]() {
                           float acc = 0.0f;
                           for (size_t b = 0; b < kPayload; b += kBlock) {
                               float total = 0.0f;
                               volk_32f_accumulator_s32f(&total, reinterpret_cast<const float*>(y.data() + b),
                                                         2 * kBlock);
                               lv_32fc_t c, e, p;
                               volk_32fc_x2_conjugate_dot_prod_32fc(&c, y.data() + b, s.data() + b, kBlock);
                               volk_32fc_x2_conjugate_dot_prod_32fc(&e, s.data() + b, s.data() + b, kBlock);
                               volk_32fc_x2_conjugate_dot_prod_32fc(&p, y.data() + b, y.data() + b, kBlock);
                               acc += c.real() + e.real() + p.real() + (std::isfinite(total) ? 0.0f : 1.0f);
                           }
                           return acc;
                       } });
#endif
    volatile float sink = 0.0f;
    for (Entry& e : entries) // warm-up: VOLK picks its kernels on the first call
        sink = sink + e.run();
    for (int r = 0; r < rounds; ++r)
        for (Entry& e : entries) {
            const double t0 = cpu_now();
            for (int f = 0; f < frames; ++f)
                sink = sink + e.run();
            e.best = std::min(e.best, (cpu_now() - t0) / (static_cast<double>(frames) * kPayload));
        }
    std::printf("data-aided Es/N0 sums, %zu-symbol blocks of a %zu-symbol payload, best of %d rounds:\n",
                kBlock, kPayload, rounds);
    for (const Entry& e : entries)
        std::printf("  %-48s %6.2f ns/symbol  x%.2f the scalar reference\n", e.name.c_str(), 1e9 * e.best,
                    entries.front().best / e.best);
}

} // namespace

int main(int argc, char** argv)
{
    int frames = 67; // 64 counted: 16 four-frame averages
    double from = -3.0, to = 20.0, step = 1.0;
    bool all_modcods = false, short_only = false, smoke = false, cost_only = false, kernels_only = false;
    std::string only;
    for (int i = 1; i < argc; ++i) {
        const auto next = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", argv[i]);
                std::exit(2);
            }
            return argv[++i];
        };
        if (!std::strcmp(argv[i], "--frames"))
            frames = std::max(kSkip + 8, std::atoi(next()));
        else if (!std::strcmp(argv[i], "--from"))
            from = std::atof(next());
        else if (!std::strcmp(argv[i], "--to"))
            to = std::atof(next());
        else if (!std::strcmp(argv[i], "--step"))
            step = std::max(0.1, std::atof(next()));
        else if (!std::strcmp(argv[i], "--all"))
            all_modcods = true;
        else if (!std::strcmp(argv[i], "--short-only"))
            short_only = true;
        else if (!std::strcmp(argv[i], "--only"))
            only = next();
        else if (!std::strcmp(argv[i], "--cfo"))
            g_cfo = std::atof(next());
        else if (!std::strcmp(argv[i], "--ppm"))
            g_ppm = std::atof(next());
        else if (!std::strcmp(argv[i], "--no-phase-noise"))
            g_phase_noise = false;
        else if (!std::strcmp(argv[i], "--smoke"))
            smoke = true;
        else if (!std::strcmp(argv[i], "--cost"))
            cost_only = true;
        else if (!std::strcmp(argv[i], "--kernels"))
            kernels_only = true;
        else {
            std::fprintf(stderr,
                         "usage: %s [--frames N] [--from dB] [--to dB] [--step dB] [--all] "
                         "[--only TEXT] [--short-only] [--cfo F] [--ppm P] [--no-phase-noise] [--cost] [--kernels] [--smoke]\n",
                         argv[0]);
            return 2;
        }
    }

    if (cost_only) {
        cost();
        return 0;
    }
    if (kernels_only) {
        kernel_bench(7, 200);
        return 0;
    }
    struct Point {
        Config c;
        std::vector<double> esn0;
    };
    std::vector<Point> points;
    if (smoke) {
        // Pilotless QPSK below its threshold (blind payload estimate) and 32APSK with
        // pilots above it (codeword-aided, phase re-fit): the two payload paths.
        frames = 19;
        Point qpsk, apsk;
        qpsk.c.f = FrameFormat{ { Modulation::QPSK, CodeRate::R3_4 }, FrameSize::Short, false };
        qpsk.c.name = "QPSK 3/4 short nopilots";
        qpsk.esn0 = { 1.0 };
        apsk.c.f = FrameFormat{ { Modulation::APSK32, CodeRate::R3_4 }, FrameSize::Short, true };
        apsk.c.name = "32APSK 3/4 short pilots";
        apsk.esn0 = { 16.0 };
        points = { qpsk, apsk };
    } else {
        std::vector<double> grid;
        for (double e = from; e <= to + 1e-9; e += step)
            grid.push_back(e);
        for (const Config& c : configs(all_modcods, short_only, only))
            points.push_back({ c, grid });
    }

    std::printf("Es/N0 per frame against the channel emulator's true Es/N0: %d data frames per point "
                "(first %d after lock not counted), CFO %.1f %% Rs, SCO %.0f ppm, %s (%.0f Msym/s), "
                "%.2f sps, roll-off %.1f\n",
                frames, kSkip, 100.0 * g_cfo, g_ppm, g_phase_noise ? "phase noise (DVB-S2 mask)" : "no phase noise",
                kSymbolRate / 1e6, kSps, kRolloff);
    std::printf("%-26s %6s %7s %5s %7s %6s %6s %6s %6s %6s | %6s %6s | %4s %6s %6s | %s\n", "format",
                "true", "recv", "dec%", "mean", "bias", "std1", "std4", "pred1", "ratio", "kbias",
                "kstd", "dmy", "dbias", "dstd", "verdict");
    int bad = 0, rows = 0, passed = 0;
    uint64_t seed = 1;
    for (const Point& p : points) {
        const Shaped tx = shape(make_symbols(p.c.f, frames, 21));
        for (double e : p.esn0) {
            const Row r = run_point(tx, frames, e, ++seed);
            ++rows;
            passed += r.pass;
            char recv[32];
            std::snprintf(recv, sizeof recv, "%d/%d", r.received, r.sent);
            const char* verdict = r.received < 8 ? "FAIL (no lock)" : r.pass ? "PASS" : "FAIL";
            std::printf("%-26s %6.1f %7s %5.0f %7.2f %+6.2f %6.3f %6.3f %6.3f %6.2f | %+6.2f %6.3f | %4d %+6.2f %6.3f | %s\n",
                        p.c.name.c_str(), e, recv,
                        r.received ? 100.0 * r.decoded / r.received : 0.0, r.mean, r.bias, r.std1, r.std4,
                        r.pred1, r.ratio, r.known_bias, r.known_std, r.dummies, r.dummy_bias, r.dummy_std,
                        verdict);
            std::fflush(stdout);
            // The payload must be in use: far less spread than the known symbols alone.
            if (smoke && (r.received < 8 || !(std::fabs(r.bias) <= 0.5) || !(r.ratio >= 0.3 && r.ratio <= 3.0) ||
                          !(r.std1 < 0.6 * r.known_std)))
                ++bad;
        }
    }
    std::printf("%d of %d rows PASS\n", passed, rows);
    if (smoke)
        kernel_bench(1, 2); // that --kernels runs
    if (smoke && bad) {
        std::printf("smoke: %d row(s) badly off\n", bad);
        return 1;
    }
    return 0;
}
