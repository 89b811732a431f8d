// SPDX-License-Identifier: GPL-3.0-or-later
// Whole-receiver benchmark (not a test): prints tables.
//
//  (a) throughput of the Receiver, IQ at 2 samples/symbol -> TS, QPSK 1/2 normal frames
//      with pilots at Es/N0 6 dB and 1.5 dB, in Msym/s (thread CPU time of the calling
//      thread, and wall time; with 1 and 2 FEC threads, and 2 FEC threads plus the
//      front end on its own thread), and a stage-by-stage breakdown
//      (front end, sync, demap, deinterleave, LDPC, BCH, deframe) from a pass that runs
//      the same stages one by one under a thread CPU-time clock;
//  (b) FER after lock over N frames at given Es/N0 with CFO and SCO per MODCOD, next to
//      the FER of the same FEC with ideal synchronisation (symbol-level AWGN at the same
//      Es/N0, known frame boundaries) — a point that fails with sync and not without is
//      a synchronisation loss;
//  (c) lock time in frames at 0 dB and re-lock time after a gap of noise;
//  (d) (only on request: long) implementation loss — FER against Es/N0 in 0.1 dB steps of
//      the receiver (CFO, SCO as (b)) and of the FEC with ideal synchronisation, for QPSK
//      1/2, 8PSK 3/5, 16APSK 3/4, 32APSK 4/5 with pilots; the Es/N0 of each at FER 1e-2
//      and their difference.
//
// Usage: bench_receiver [--frames N] [--part a|b|c|d|all] [--cfo cycles/symbol for (b)] [--quick]
#include <dualsat/framing/bb_scrambler.h>
#include <dualsat/coding/bch.h>
#include <dualsat/coding/bit_interleaver.h>
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/mapping/constellation.h>
#include <dualsat/rx/fec_receiver.h>
#include <dualsat/coding/ldpc_decoder.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/dsp/pulse_shaper.h>
#include <dualsat/rx/receiver.h>
#include <dualsat/rx/rx_frontend.h>
#include <dualsat/mapping/soft_demapper.h>
#include <dualsat/rx/symbol_receiver.h>
#include <dualsat/tx/transmitter.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;
using cvec = std::vector<cf>;

namespace {

double g_cfo_b = 0.05; // part (b) carrier offset, cycles/symbol (--cfo)
double g_ppm_b = 100.0; // part (b) sample-clock offset, ppm (--ppm)
bool g_phase_noise_b = false; // part (b)/(d): the DVB-S2 phase-noise mask (--phase-noise)
double g_symbol_rate = 10e6;   // Hz (--rate): what the phase-noise mask is scaled against
FrameSize g_size_b = FrameSize::Normal; // part (b) --points all|pilotless: --short
// Part (b) point set (--points): "issue" = the lowest MODCOD at -1.85 dB and one per
// constellation at QEF + 0.5 dB; "all" = every normal MODCOD at QEF + 0.5 dB; "pilotless" =
// every QPSK and 8PSK MODCOD without pilots at QEF + 1 dB.
std::string g_points_b = "issue";
std::string g_only_b;  // --only: part (b) points whose MODCOD name contains this
double g_esn0_offset_b = 0.0; // --offset: dB added to every part (b) point

double cpu_now()
{
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
double wall_now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

FrameFormat fmt(Modulation m, CodeRate r, FrameSize s = FrameSize::Normal, bool pilots = true)
{
    return { { m, r }, s, pilots };
}

struct TxStream {
    cvec symbols;                      // PLFRAMEs, 1 sample/symbol
    std::vector<uint64_t> frame_start; // per data frame
    std::vector<FrameFormat> formats;
    std::vector<uint64_t> counters;
};

TxStream make_stream(const FrameFormat& f, int frames, uint64_t seed)
{
    TransmitterConfig tc;
    tc.format = f;
    tc.idle = IdlePolicy::Wait;
    Transmitter tx(tc);
    TxStream s;
    cvec buf(kMaxPlframeSymbols);
    uint8_t pkt[188];
    uint32_t h = static_cast<uint32_t>(seed) * 2654435761u + 1;
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
        s.frame_start.push_back(s.symbols.size());
        s.formats.push_back(info.format);
        s.counters.push_back(info.frame_counter);
        s.symbols.insert(s.symbols.end(), buf.begin(), buf.begin() + static_cast<long>(n));
    }
    // Two dummy frames so that the last data frame can be closed.
    PlFramer framer(0);
    for (int k = 0; k < 2; ++k) {
        const int n = framer.dummy_frame(buf.data());
        s.symbols.insert(s.symbols.end(), buf.begin(), buf.begin() + n);
    }
    return s;
}

struct Impair {
    double sps = 2.0;
    double rolloff = 0.2;
    double esn0_db = 10.0;
    double cfo = 0.0; // cycles/symbol
    double ppm = 0.0;
    bool phase_noise = false;
    uint64_t seed = 1;
};

cvec to_iq(const cvec& symbols, const Impair& im)
{
    const double rs = g_symbol_rate;
    TxPulseShaper shaper = TxPulseShaper::for_rates(im.rolloff, 16, rs, rs * im.sps);
    cvec x = shaper.process(symbols);
    ChannelConfig c;
    c.sample_rate_hz = rs * im.sps;
    c.samples_per_symbol = shaper.output_sps();
    c.symbol_energy = shaper.output_sps(); // unit power per sample
    c.esn0_db = im.esn0_db;
    c.frequency_offset_hz = im.cfo * rs;
    c.sample_clock_offset_ppm = im.ppm;
    if (im.phase_noise)
        c.phase_noise_mask = dvbs2_phase_noise_mask();
    c.seed = im.seed;
    ChannelEmulator ch(c);
    cvec y;
    ch.process(x, y);
    return y;
}

ReceiverConfig rx_config(const Impair& im, unsigned fec_threads = 1)
{
    ReceiverConfig c;
    c.symbol_rate = 1.0;
    c.sample_rate = im.sps;
    c.rolloff = im.rolloff;
    c.fec_threads = fec_threads;
    return c;
}

// ----------------------------------------------------------------------------- (a)

void part_a(int frames)
{
    std::printf("\n(a) Throughput, QPSK 1/2 normal + pilots, IQ at 2 sps -> TS, %d frames "
                "(CFO 2 %% Rs, no SCO)\n", frames);
    std::printf("%-8s %-9s %-9s %12s %12s %12s\n", "Es/N0", "FEC thr", "FE thread", "Msym/s CPU",
                "Msym/s wall", "frames ok");
    const FrameFormat f = fmt(Modulation::QPSK, CodeRate::R1_2);
    struct Breakdown {
        double fe = 0, sync = 0, demap = 0, deint = 0, ldpc = 0, bch = 0, deframe = 0;
        double symbols = 0;
    };
    std::vector<std::pair<double, Breakdown>> breakdowns;
    for (double esn0 : { 6.0, 1.5 }) {
        const TxStream s = make_stream(f, frames, 11);
        Impair im;
        im.esn0_db = esn0;
        im.cfo = 0.02;
        im.seed = 3;
        const cvec iq = to_iq(s.symbols, im);
        const double nsym = static_cast<double>(iq.size()) / im.sps;
        struct Setup {
            unsigned fec_threads;
            bool frontend_thread;
        };
        for (const Setup& setup : { Setup{ 1, false }, Setup{ 2, false }, Setup{ 2, true } }) {
            const unsigned threads = setup.fec_threads;
            ReceiverConfig rc = rx_config(im, threads);
            rc.frontend_thread = setup.frontend_thread;
            Receiver rx(rc);
            ReceiverOutput out;
            const double c0 = cpu_now(), w0 = wall_now();
            for (size_t k = 0; k < iq.size(); k += 65536) {
                rx.process(iq.data() + k, std::min<size_t>(65536, iq.size() - k), out);
                out.clear();
            }
            rx.flush(out);
            const double cpu = cpu_now() - c0, wall = wall_now() - w0;
            const ReceiverStatus st = rx.status();
            // CPU time of this thread only: with a pool the workers' time is not in it.
            char cpu_txt[32] = "-";
            if (threads == 1 && !setup.frontend_thread)
                std::snprintf(cpu_txt, sizeof cpu_txt, "%.2f", nsym / cpu / 1e6);
            std::printf("%-8.1f %-9u %-9s %12s %12.2f %7llu/%-4llu\n", esn0, threads,
                        setup.frontend_thread ? "yes" : "no", cpu_txt,
                        nsym / wall / 1e6, static_cast<unsigned long long>(st.frames_ok),
                        static_cast<unsigned long long>(st.frames));
        }

        // Stage by stage, the same work one stage at a time.
        Breakdown b;
        b.symbols = nsym;
        RxFrontEndConfig fc;
        fc.sample_rate = im.sps;
        fc.rolloff = im.rolloff;
        RxFrontEnd fe(fc);
        SymbolReceiver sr(0);
        cvec sym(1 << 16);
        std::vector<RxFrame> rxf;
        RxFrame fr;
        for (size_t k = 0; k < iq.size(); k += 65536) {
            double t = cpu_now();
            const StreamResult r = fe.process(iq.data() + k, std::min<size_t>(65536, iq.size() - k),
                                              sym.data(), sym.size());
            b.fe += cpu_now() - t;
            t = cpu_now();
            sr.push(sym.data(), r.produced);
            while (sr.next_frame(&fr)) {
                if (!fr.dummy)
                    rxf.push_back(fr);
            }
            b.sync += cpu_now() - t;
        }
        FecReceiverOptions opt;
        Constellation con(f.modcod);
        SoftDemapper dem(con);
        BitInterleaver il(f.frame, f.modcod.rate, f.modcod.mod);
        LdpcDecoderOptions lo = opt.ldpc;
        lo.offset = opt.ldpc_offset_by_rate[static_cast<size_t>(f.modcod.rate)];
        LdpcDecoder ldpc(f.frame, f.modcod.rate, lo);
        BchCodec bch(f.frame, f.modcod.rate);
        BbScrambler scr;
        BbFrameDeframer defr(opt);
        const size_t nbits = static_cast<size_t>(f.code().nldpc);
        std::vector<int8_t> llr(nbits), llr2(nbits);
        std::vector<uint8_t> info(nbits / 8 + 64);
        DecodedBbFrame dec;
        FecOutput fo;
        int ok = 0;
        for (const RxFrame& x : rxf) {
            double t = cpu_now();
            dem.demap_int8(x.data.data(), x.data.size(), x.noise_variance, opt.llr_steps_per_unit,
                           llr.data(), nbits);
            b.demap += cpu_now() - t;
            t = cpu_now();
            il.deinterleave_soft(llr.data(), llr2.data());
            b.deint += cpu_now() - t;
            t = cpu_now();
            ldpc.decode(il.is_identity() ? llr.data() : llr2.data(), info.data());
            b.ldpc += cpu_now() - t;
            t = cpu_now();
            const BchResult br = bch.decode(info.data());
            b.bch += cpu_now() - t;
            t = cpu_now();
            const size_t kb = static_cast<size_t>(f.code().kbch) / 8;
            dec.bytes.assign(info.begin(), info.begin() + static_cast<long>(kb));
            scr.apply_packed(dec.bytes.data(), kb);
            dec.stats = FecFrameStats{};
            dec.stats.format = f;
            dec.stats.status = br.ok ? FecFrameStatus::Ok : FecFrameStatus::BchFailure;
            if (!br.ok)
                dec.bytes.clear();
            ok += defr.process(dec, fo).status == FecFrameStatus::Ok;
            fo.clear();
            b.deframe += cpu_now() - t;
        }
        (void)ok;
        breakdowns.push_back({ esn0, b });
    }
    std::printf("\nStage breakdown (thread CPU time per symbol, ns; share of the total)\n");
    std::printf("%-8s", "Es/N0");
    const char* names[] = { "front end", "sync", "demap", "deintlv", "LDPC", "BCH", "deframe", "total" };
    for (const char* n : names)
        std::printf(" %15s", n);
    std::printf("\n");
    for (const auto& [esn0, b] : breakdowns) {
        const double nsym = b.symbols;
        const double v[] = { b.fe, b.sync, b.demap, b.deint, b.ldpc, b.bch, b.deframe };
        double total = 0;
        for (double x : v)
            total += x;
        std::printf("%-8.1f", esn0);
        for (double x : v)
            std::printf(" %8.1f (%3.0f%%)", x / nsym * 1e9, 100.0 * x / total);
        std::printf(" %8.1f       \n", total / nsym * 1e9);
    }
}

// ----------------------------------------------------------------------------- (b)

std::map<std::string, double> load_qef()
{
    std::map<std::string, double> m;
    std::ifstream in(std::string(DUALSAT_DATA_DIR) + "/dvbs2_qef_esn0.csv");
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line.rfind("modulation", 0) == 0)
            continue;
        std::stringstream ss(line);
        std::string mod, rate, es;
        std::getline(ss, mod, ',');
        std::getline(ss, rate, ',');
        std::getline(ss, es, ',');
        m[mod + " " + rate] = std::stod(es);
    }
    return m;
}

// FER of the FEC alone: the transmitted PLFRAMEs with AWGN at symbol level, frame
// boundaries and format known (ideal synchronisation).
double ideal_fer(const TxStream& s, double esn0_db, uint64_t seed, size_t first)
{
    Rng rng(seed);
    const double n0 = std::pow(10.0, -esn0_db / 10.0);
    PlDeframer def(0);
    FecReceiver fec;
    FecOutput out;
    cvec noisy, data;
    size_t failed = 0, n = 0;
    for (size_t k = first; k < s.frame_start.size(); ++k) {
        const FrameFormat& f = s.formats[k];
        const int len = f.plframe_symbols();
        noisy.assign(s.symbols.begin() + static_cast<long>(s.frame_start[k]),
                     s.symbols.begin() + static_cast<long>(s.frame_start[k]) + len);
        for (cf& v : noisy)
            v += rng.complex_gaussian(n0);
        data.resize(static_cast<size_t>(f.data_symbols()));
        def.deframe(f, noisy.data(), s.counters[k], data.data());
        const FecFrameStats st = fec.process(f, data.data(), data.size(), static_cast<float>(n0),
                                             s.counters[k], out);
        out.clear();
        failed += st.status != FecFrameStatus::Ok;
        ++n;
    }
    return n ? static_cast<double>(failed) / static_cast<double>(n) : 0.0;
}

struct PointResult {
    size_t expected = 0, failed = 0, missing = 0, failed_flywheel = 0, failed_coarse = 0;
    double fer = 1.0, ideal = 1.0, esn0_estimate = NAN;
    std::string where;     // the failed frames
    std::string sync_note; // lock trouble, if any
};

// One FER point: `frames` frames of format f through the channel (2.37 sps, CFO g_cfo_b,
// SCO g_ppm_b) and the whole receiver; FER after lock (the first delivered frame + 3 on;
// missing frames count as failed), and the FER of the same FEC with ideal sync.
PointResult run_point(const FrameFormat& f, double esn0, int frames, bool details)
{
    const int skip = 3; // frames around acquisition not counted
    const TxStream s = make_stream(f, frames + skip, 21);
    Impair im;
    im.sps = 2.37;
    im.esn0_db = esn0;
    im.cfo = g_cfo_b;
    im.ppm = g_ppm_b;
    im.phase_noise = g_phase_noise_b;
    im.seed = 5;
    const cvec iq = to_iq(s.symbols, im);
    Receiver rx(rx_config(im, 2));
    ReceiverOutput out;
    std::vector<ReceiverFrameStats> all;
    for (size_t k = 0; k < iq.size(); k += 65536) {
        rx.process(iq.data() + k, std::min<size_t>(65536, iq.size() - k), out);
        all.insert(all.end(), out.frames.begin(), out.frames.end());
        out.clear();
    }
    rx.flush(out);
    all.insert(all.end(), out.frames.begin(), out.frames.end());
    PointResult r;
    // Frames after lock: from the first delivered frame + skip on. Frame counters count
    // the receiver's frames (dummies included); data frames are consecutive.
    size_t counted = 0;
    double es = 0;
    for (size_t k = static_cast<size_t>(skip); k < all.size(); ++k) {
        const bool bad = all[k].fec.status != FecFrameStatus::Ok;
        r.failed += bad;
        if (bad) {
            r.failed_flywheel += !all[k].header_confirmed;
            r.failed_coarse += !all[k].carrier_fine;
            if (details) {
                char b[64];
                std::snprintf(b, sizeof b, " #%zu(%.2f dB, %d it)", k, all[k].esn0_db,
                              all[k].fec.ldpc_iterations);
                r.where += b;
            }
        }
        es += all[k].esn0_db;
        ++counted;
    }
    // Delivered frames cover [first, last data frame]; anything between not delivered is
    // missing. The receiver's start symbols count received symbols (SCO): map by order
    // instead — the transmitted data frames after the first delivered one.
    const size_t sent_after_first =
        all.empty() ? 0 : static_cast<size_t>(frames + skip) -
                              static_cast<size_t>(std::lround(static_cast<double>(all.front().start_symbol) /
                                                              (1.0 + g_ppm_b * 1e-6) /
                                                              static_cast<double>(f.plframe_symbols())));
    r.expected = sent_after_first > static_cast<size_t>(skip) ? sent_after_first - static_cast<size_t>(skip) : 0;
    r.missing = r.expected > counted ? r.expected - counted : 0;
    r.fer = r.expected ? static_cast<double>(r.failed + r.missing) / static_cast<double>(r.expected) : 1.0;
    r.ideal = ideal_fer(s, esn0, 99, static_cast<size_t>(skip));
    r.esn0_estimate = counted ? es / static_cast<double>(counted) : NAN;
    const ReceiverStatus st = rx.status();
    if (all.empty() || st.lock_losses || st.acquisitions > 1 || r.expected < static_cast<size_t>(frames) / 2) {
        char b[200];
        std::snprintf(b, sizeof b, "sync: %llu acquisitions, %llu lock losses, %llu missed headers, %llu false detections",
                      static_cast<unsigned long long>(st.acquisitions), static_cast<unsigned long long>(st.lock_losses),
                      static_cast<unsigned long long>(st.missed_headers),
                      static_cast<unsigned long long>(st.false_detections));
        r.sync_note = b;
    }
    return r;
}

void part_b(int frames)
{
    const auto qef = load_qef();
    struct P {
        FrameFormat f;
        std::string name;
        double esn0;
    };
    std::vector<P> points;
    if (g_points_b == "all" || g_points_b == "pilotless") {
        const bool pilots = g_points_b == "all";
        for (const FrameFormat& f : all_frame_formats(g_size_b, pilots)) {
            if (!pilots && f.modcod.mod != Modulation::QPSK && f.modcod.mod != Modulation::PSK8)
                continue;
            const std::string name = to_string(f.modcod);
            points.push_back({ f, name, qef.at(name) + (pilots ? 0.5 : 1.0) });
        }
    } else points = {
        { fmt(Modulation::QPSK, CodeRate::R1_4), "QPSK 1/4", -1.85 },
        { fmt(Modulation::QPSK, CodeRate::R1_4), "QPSK 1/4", -1.35 },
        { fmt(Modulation::QPSK, CodeRate::R1_2), "QPSK 1/2", qef.at("QPSK 1/2") + 0.5 },
        { fmt(Modulation::PSK8, CodeRate::R3_5), "8PSK 3/5", qef.at("8PSK 3/5") + 0.5 },
        { fmt(Modulation::APSK16, CodeRate::R3_4), "16APSK 3/4", qef.at("16APSK 3/4") + 0.5 },
        { fmt(Modulation::APSK32, CodeRate::R4_5), "32APSK 4/5", qef.at("32APSK 4/5") + 0.5 },
    };
    std::printf("\n(b) FER after lock, %s frames %s, IQ at 2.37 sps, CFO %.1f %% Rs, "
                "SCO %.0f ppm, roll-off 0.2, %.3g Msym/s,%s %d frames per point (QEF: Table 13, "
                "normal frames)\n",
                g_size_b == FrameSize::Short && g_points_b != "issue" ? "short" : "normal",
                g_points_b == "pilotless" ? "without pilots" : "with pilots", 100.0 * g_cfo_b,
                g_ppm_b, g_symbol_rate / 1e6, g_phase_noise_b ? " phase noise (DVB-S2 mask)," : "", frames);
    std::printf("%-11s %7s %7s %9s %9s %9s %9s %9s %11s\n", "MODCOD", "Es/N0", "QEF", "frames",
                "failed", "missing", "FER", "FER ideal", "Es/N0 est");
    for (P& p : points)
        p.esn0 += g_esn0_offset_b;
    for (const P& p : points) {
        if (!g_only_b.empty() && p.name.find(g_only_b) == std::string::npos)
            continue;
        const PointResult r = run_point(p.f, p.esn0, frames, true);
        std::printf("%-11s %7.2f %7.2f %9zu %9zu %9zu %9.4f %9.4f %11.2f\n", p.name.c_str(), p.esn0,
                    qef.count(p.name) ? qef.at(p.name) : NAN, r.expected, r.failed, r.missing, r.fer,
                    r.ideal, r.esn0_estimate);
        if (!r.sync_note.empty())
            std::printf("            %s\n", r.sync_note.c_str());
        if (r.failed)
            std::printf("            failed frames (index after lock, Es/N0 estimate, LDPC iterations):%s;"
                        " flywheel %zu, coarse carrier %zu\n", r.where.c_str(), r.failed_flywheel, r.failed_coarse);
        std::fflush(stdout);
    }
}

// ----------------------------------------------------------------------------- (d)

// Es/N0 where a FER curve (ascending Es/N0) falls through `target`: log-linear
// interpolation between the bracketing points; NaN when it does not cross.
double crossing(const std::vector<std::pair<double, double>>& curve, double target, int frames)
{
    const double floor = 0.5 / frames;
    for (size_t k = 1; k < curve.size(); ++k) {
        const auto [x0, y0] = curve[k - 1];
        const auto [x1, y1] = curve[k];
        if (y0 >= target && y1 < target) {
            // A FER of 0 is put at half an error of the frames measured (floor of the log).
            const double l0 = std::log10(std::max(y0, floor)), l1 = std::log10(std::max(y1, floor));
            const double lt = std::log10(target);
            return l0 == l1 ? x1 : x0 + (x1 - x0) * (l0 - lt) / (l0 - l1);
        }
    }
    return NAN;
}

void part_d(int frames)
{
    const auto qef = load_qef();
    std::printf("\n(d) Implementation loss at FER 1e-2, normal frames with pilots, IQ at 2.37 sps, "
                "CFO %.1f %% Rs, SCO %.0f ppm, roll-off 0.2, %d frames per point: Es/N0 swept in "
                "0.1 dB steps, the receiver against the same FEC with ideal synchronisation\n",
                100.0 * g_cfo_b, g_ppm_b, frames);
    const FrameFormat formats[] = { fmt(Modulation::QPSK, CodeRate::R1_2), fmt(Modulation::PSK8, CodeRate::R3_5),
                                    fmt(Modulation::APSK16, CodeRate::R3_4), fmt(Modulation::APSK32, CodeRate::R4_5) };
    std::printf("%-11s %8s %8s %8s\n", "MODCOD", "Es/N0", "FER rx", "FER ideal");
    std::vector<std::string> summary;
    for (const FrameFormat& f : formats) {
        const std::string name = to_string(f.modcod);
        if (!g_only_b.empty() && name.find(g_only_b) == std::string::npos)
            continue;
        std::vector<std::pair<double, double>> rx_curve, ideal_curve;
        int clean = 0;
        // From below the QEF point up until both curves have shown FER 0 twice.
        for (double e = qef.at(name) - 0.5; e < qef.at(name) + 1.5 && clean < 2; e += 0.1) {
            const PointResult r = run_point(f, e, frames, false);
            rx_curve.push_back({ e, r.fer });
            ideal_curve.push_back({ e, r.ideal });
            std::printf("%-11s %8.2f %8.4f %8.4f\n", name.c_str(), e, r.fer, r.ideal);
            std::fflush(stdout);
            clean = (r.fer == 0.0 && r.ideal == 0.0) ? clean + 1 : 0;
        }
        const double at_rx = crossing(rx_curve, 1e-2, frames), at_ideal = crossing(ideal_curve, 1e-2, frames);
        char line[160];
        std::snprintf(line, sizeof line, "%-11s ideal %6.2f dB  receiver %6.2f dB  loss %5.2f dB", name.c_str(),
                      at_ideal, at_rx, at_rx - at_ideal);
        summary.push_back(line);
    }
    std::printf("\nEs/N0 at FER 1e-2:\n");
    for (const std::string& l : summary)
        std::printf("%s\n", l.c_str());
}

// ----------------------------------------------------------------------------- (c)

void part_c(int trials)
{
    std::printf("\n(c) Lock and re-lock time in frames (after a gap of 100k symbols of noise: 1 s at "
                "100 ksym/s), 2 sps, CFO 5 %% Rs, %d trials\n", trials);
    std::printf("%-26s %-8s %-22s %8s %8s %8s %8s\n", "frames", "Es/N0", "event", "mean", "min", "max", "fails");
    for (const FrameFormat& f : { fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Short, true),
                                  fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Normal, false) })
    for (double esn0 : { 0.0, 3.0 }) {
        const double frame_len = f.plframe_symbols();
        const std::string label = std::string("QPSK 1/2 ") + (f.frame == FrameSize::Short ? "short" : "normal") +
                                  (f.pilots ? " + pilots" : ", no pilots");
        std::vector<double> lock, relock;
        int fail_lock = 0, fail_relock = 0;
        for (int t = 0; t < trials; ++t) {
            const int per_half = f.frame == FrameSize::Short ? 60 : 30; // frames before / after the gap
            TxStream s = make_stream(f, per_half, 100 + static_cast<uint64_t>(t));
            const size_t restart = s.symbols.size();
            const size_t gap = 100000; // symbols of noise
            cvec second = make_stream(f, per_half, 200 + static_cast<uint64_t>(t)).symbols;
            s.symbols.insert(s.symbols.end(), gap, cf(0, 0));
            s.symbols.insert(s.symbols.end(), second.begin(), second.end());
            Impair im;
            im.esn0_db = esn0;
            im.cfo = 0.05;
            im.seed = 7 + static_cast<uint64_t>(t);
            const cvec iq = to_iq(s.symbols, im);
            Receiver rx(rx_config(im));
            ReceiverOutput out;
            double lock_at = -1, relock_at = -1;
            const size_t chunk = 2000;
            for (size_t k = 0; k < iq.size(); k += chunk) {
                rx.process(iq.data() + k, std::min(chunk, iq.size() - k), out);
                out.clear();
                const ReceiverStatus st = rx.status();
                const double sym = static_cast<double>(k + chunk) / im.sps;
                if (lock_at < 0 && st.acquisitions >= 1)
                    lock_at = sym;
                if (relock_at < 0 && st.acquisitions >= 2 && sym > static_cast<double>(restart + gap))
                    relock_at = sym - static_cast<double>(restart + gap);
            }
            // Frames elapsed (the synchroniser needs the frame after the confirmed ones too).
            if (lock_at >= 0 && lock_at < static_cast<double>(restart))
                lock.push_back(lock_at / frame_len);
            else
                ++fail_lock;
            if (relock_at >= 0)
                relock.push_back(relock_at / frame_len);
            else
                ++fail_relock;
        }
        auto row = [&](const char* what, const std::vector<double>& v, int fails) {
            double mean = 0, mn = 1e9, mx = 0;
            for (double x : v) {
                mean += x;
                mn = std::min(mn, x);
                mx = std::max(mx, x);
            }
            if (!v.empty())
                mean /= static_cast<double>(v.size());
            std::printf("%-26s %-8.1f %-22s %8.1f %8.1f %8.1f %8d\n", label.c_str(), esn0, what, v.empty() ? NAN : mean,
                        v.empty() ? NAN : mn, v.empty() ? NAN : mx, fails);
        };
        row("lock from start", lock, fail_lock);
        row("re-lock after gap", relock, fail_relock);
        std::fflush(stdout);
    }
}

} // namespace

int main(int argc, char** argv)
{
    int frames = 200;
    std::string part = "all";
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--frames") && i + 1 < argc)
            frames = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--part") && i + 1 < argc)
            part = argv[++i];
        else if (!std::strcmp(argv[i], "--cfo") && i + 1 < argc)
            g_cfo_b = std::atof(argv[++i]);
        else if (!std::strcmp(argv[i], "--ppm") && i + 1 < argc)
            g_ppm_b = std::atof(argv[++i]);
        else if (!std::strcmp(argv[i], "--points") && i + 1 < argc)
            g_points_b = argv[++i];
        else if (!std::strcmp(argv[i], "--only") && i + 1 < argc)
            g_only_b = argv[++i];
        else if (!std::strcmp(argv[i], "--offset") && i + 1 < argc)
            g_esn0_offset_b = std::atof(argv[++i]);
        else if (!std::strcmp(argv[i], "--rate") && i + 1 < argc)
            g_symbol_rate = std::atof(argv[++i]);
        else if (!std::strcmp(argv[i], "--phase-noise"))
            g_phase_noise_b = true;
        else if (!std::strcmp(argv[i], "--short"))
            g_size_b = FrameSize::Short;
        else if (!std::strcmp(argv[i], "--quick"))
            frames = 20;
        else {
            std::fprintf(stderr, "usage: %s [--frames N] [--part a|b|c|d|all] [--cfo F] [--ppm P] [--points issue|all|pilotless] [--only MODCOD] [--offset dB] [--phase-noise] [--rate Hz] [--short] [--quick]\n", argv[0]);
            return 2;
        }
    }
    std::printf("bench_receiver: SIMD level %s\n", to_string(active_simd_level()).c_str());
    if (part == "a" || part == "all")
        part_a(std::max(4, frames / 5));
    if (part == "b" || part == "all")
        part_b(frames);
    if (part == "d")
        part_d(frames);
    if (part == "c" || part == "all")
        part_c(std::max(3, frames / 20));
    return 0;
}
