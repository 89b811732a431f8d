// SPDX-License-Identifier: GPL-3.0-or-later
// Keyed DSSS (lib/antijam) measured: FER vs chip Es/N0 against theory, acquisition
// probability and time vs chip Es/N0, the spread signal's PSD under the noise floor (LPI),
// and the despreader's throughput.
//
//   bench_dsss [--part fer|cw|acq|psd|speed|all] [--frames N] [--trials N] [--sf A,B,..]
//              [--offsets a,b,..] [--cw-offsets f1,f2,..] [--acq-points e1,e2,..] [--smoke]
//   (BENCH_DSSS_VERBOSE=1 in the environment prints every failed acquisition trial)
//
//   fer    QPSK 1/2 short frames with pilots (TS, our Transmitter) -> DsssSpreader ->
//          AWGN (a broadband noise jammer is the same: J/S over the chip band = -chip
//          Es/N0 when it dominates the thermal noise) with a carrier offset of 2 kHz at 1
//          Mchip/s and a code offset -> DsssLinkReceiver. Theory: the chip Es/N0 at which
//          the despread symbols reach the MODCOD's required Es/N0 (EN 302 307-1 Table 13,
//          data/dvbs2_qef_esn0.csv: QPSK 1/2 1.00 dB) = 1.00 - 10 log10(SF). Points at
//          theory + each offset; N frames each (plus one for acquisition): FER resolution
//          1/N (FER 1e-3 needs N >= 3000: --frames; the default is a quick look).
//   cw     the same link against a CW tone jammer, on carrier and off it (--cw-offsets,
//          cycles per chip: 0 and 0.25 by default, i.e. 250 kHz at 1 Mchip/s, inside the
//          flat part of the chip band), thermal noise 10 dB under the broadband threshold
//          (chip Es/N0 = theory + 10 dB). J/S = tone power over the signal's. Theory: the
//          despread tone is a sum of SF tone samples times random QPSK chips, noise of
//          power J SF against the signal's S SF^2, so J/S tolerated = 10 log10(SF) -
//          required Es/N0 (Table 13) — the broadband jammer's, whose J/S over the chip band
//          is -chip Es/N0; with the thermal noise 10 dB under the requirement it is 0.46 dB
//          less (SF (1/r - 1/(10 r)), r the required Es/N0), printed as "with noise".
//          Points at the pure theory's J/S - each --offsets value (as in fer: positive =
//          the easier side); the highest J/S without a frame error beside it.
//   acq    SF 64, M = 64 symbols, code window +-64 chips, CFO range +-5 kHz at 1 Mchip/s;
//          per trial a random code offset (quarter-chip grid) and CFO in range; success =
//          the first detection at the right code phase (+-0.5 chip) and frequency: one of
//          the two bins around the true offset, and the refined estimate within 0.1
//          cycles/symbol ("adj. bin": successes from the farther of the two); time = signal
//          consumed to the detecting search's last symbol (at 1 Mchip/s), 1 s at most.
//          Then 1000 searches on noise alone: detections there are false alarms.
//   psd    SF 64 at the FER part's threshold (its lowest error-free point; without the FER
//          part, theory): Welch PSD (1024 bins, Hann) of the spread
//          signal alone and of the noise alone; margin = noise floor - signal PSD peak.
//   speed  DsssReceiver::process on 4 Mchip (locked, -10 dB chip Es/N0), Mchip/s, with
//          the spreader's rate in the same run as the reference.
//   --smoke  a few seconds (ctest bench_dsss_smoke): SF 16 at theory + 3 dB, 3 frames,
//          5 acquisition trials at -15 dB, 30 searches on noise; exit status 1 when a
//          frame or a trial fails or the noise is detected.
#include "dsss_test_link.h"

#include <dualsat/antijam/dsss_link_receiver.h>
#include <dualsat/antijam/dsss_receiver.h>
#include <dualsat/antijam/dsss_spreader.h>
#include <dualsat/core/fft.h>
#include <dualsat/tx/transmitter.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace dualsat;
using dsss_test::cf;
using dsss_test::cvec;

namespace {

double now_s()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double qpsk12_required_esn0()
{
    std::ifstream f(DUALSAT_DATA_DIR "/dvbs2_qef_esn0.csv");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("QPSK,1/2,", 0) == 0)
            return std::stod(line.substr(9));
    std::fprintf(stderr, "bench_dsss: QPSK 1/2 not found in dvbs2_qef_esn0.csv, using 1.00 dB\n");
    return 1.0;
}

std::vector<double> parse_list(const char* s)
{
    std::vector<double> v;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
        v.push_back(std::stod(item));
    return v;
}

struct FerPoint {
    int frames = 0;
    int ok = 0;
    double esn0_db = 0.0;
    uint64_t acquisitions = 0, lock_losses = 0;
};

// QPSK 1/2 short PLFRAMEs with pilots of TS packets, one per call, at 1 sample/symbol.
class FrameSource
{
public:
    FrameSource()
        : m_tx(config()), m_buf(Transmitter::kMaxFrameSymbols)
    {
    }
    const cvec& next()
    {
        uint8_t pkt[188];
        while (!m_tx.data_ready()) {
            pkt[0] = 0x47;
            pkt[1] = 0x01;
            pkt[2] = 0x00;
            pkt[3] = static_cast<uint8_t>(0x10 | (m_packets & 0x0f));
            for (int i = 4; i < 188; ++i)
                pkt[i] = static_cast<uint8_t>(m_packets * 31 + static_cast<uint32_t>(i) * 7);
            ++m_packets;
            m_tx.push_ts(pkt, sizeof pkt);
        }
        PlFrameInfo info;
        m_frame.assign(m_buf.begin(), m_buf.begin() + static_cast<std::ptrdiff_t>(m_tx.next_plframe(m_buf.data(), info)));
        return m_frame;
    }

private:
    static TransmitterConfig config()
    {
        TransmitterConfig tc;
        tc.format = { { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Short, true };
        tc.idle = IdlePolicy::Wait;
        tc.workers = 1;
        return tc;
    }
    Transmitter m_tx;
    cvec m_buf, m_frame;
    uint32_t m_packets = 0;
};

// A CW tone jammer added to the received samples (cw_js_db: none when NaN).
struct ToneJammer {
    double js_db = NAN;          // tone power over the signal's (unit: the spreader's)
    double cycles_per_chip = 0.0; // offset from the carrier
};

FerPoint fer_point(int sf, double chip_esn0_db, int frames, uint64_t seed, const ToneJammer& tone = {})
{
    DsssLinkConfig c;
    c.dsss.sf = sf;
    c.dsss.code_window_chips = 64;
    c.dsss.max_cfo = 0.005;
    DsssLinkReceiver r(dsss_test::sequence(), c);
    DsssSpreader sp(dsss_test::sequence(), sf);
    FrameSource source;
    dsss_test::Channel ch;
    ch.chip_esn0_db = chip_esn0_db;
    ch.cfo = 0.002;
    ch.delay_samples = 77;
    uint64_t at = 0; // samples sent so far (the carrier's phase runs on)
    cvec samples;
    DsssLinkOutput out;
    // One frame more before (spent on acquisition) and after (the frame synchroniser
    // hands a frame on when it has seen the next header); streamed frame by frame.
    for (int f = 0; f < frames + 2; ++f) {
        samples.clear();
        const cvec& sym = source.next();
        sp.process(sym.data(), sym.size(), samples);
        ch.phase = 0.7 + kTwoPi * ch.cfo / ch.sps * static_cast<double>(at);
        ch.seed = seed * 1000003 + static_cast<uint64_t>(f);
        cvec rx = dsss_test::apply(samples, ch);
        if (!std::isnan(tone.js_db)) {
            // The tone's phase runs on from frame to frame (its own index: the delay
            // samples before the first frame carry it too).
            const double a = std::sqrt(std::pow(10.0, tone.js_db / 10.0));
            const double w = kTwoPi * tone.cycles_per_chip / ch.sps;
            for (size_t i = 0; i < rx.size(); ++i)
                rx[i] += cf(std::polar(a, w * static_cast<double>(at + i) + 0.3));
        }
        at += rx.size();
        ch.delay_samples = 0;
        out.clear();
        r.process(rx.data(), rx.size(), out);
    }
    FerPoint p;
    p.frames = frames;
    // If the first frame is decoded all the same it is not counted.
    p.ok = static_cast<int>(std::min<uint64_t>(r.fec_counters().frames_ok, static_cast<uint64_t>(frames)));
    p.esn0_db = r.despreader().stats().esn0_db;
    p.acquisitions = r.despreader().stats().acquisitions;
    p.lock_losses = r.despreader().stats().lock_losses;
    return p;
}

// Returns per SF the lowest chip Es/N0 at which every frame decoded (absent: none).
std::map<int, double> run_fer(const std::vector<int>& sfs, const std::vector<double>& offsets, int frames, bool& fail)
{
    const double req = qpsk12_required_esn0();
    std::map<int, double> thresholds;
    std::printf("FER vs chip Es/N0: QPSK 1/2 short frames, pilots, CFO 2e-3 cycles/chip, %d frames per point\n",
                frames);
    std::printf("  theory: chip Es/N0 = %.2f dB (Table 13) - 10 log10(SF)\n", req);
    std::printf("  %5s %12s %10s %8s %8s %10s %12s %6s\n", "SF", "chipEsN0 dB", "J/S dB", "theory", "frames",
                "FER", "despread dB", "locks");
    for (int sf : sfs) {
        const double theory = req - 10.0 * std::log10(sf);
        double lowest_ok = NAN;
        for (double off : offsets) {
            const double e = theory + off;
            const FerPoint p = fer_point(sf, e, frames, 1000 + static_cast<uint64_t>(sf) + static_cast<uint64_t>(off * 10 + 100));
            const double fer = 1.0 - static_cast<double>(p.ok) / p.frames;
            std::printf("  %5d %12.2f %10.2f %8.2f %8d %10.3g %12.2f %3llu/%llu\n", sf, e, -e, theory, p.frames, fer,
                        p.esn0_db, static_cast<unsigned long long>(p.acquisitions),
                        static_cast<unsigned long long>(p.lock_losses));
            if (fer == 0.0 && (std::isnan(lowest_ok) || e < lowest_ok))
                lowest_ok = e;
            if (fer > 0.0 && off >= 2.0)
                fail = true;
        }
        if (!std::isnan(lowest_ok))
            std::printf("  SF %d: lowest point without a frame error %.2f dB chip Es/N0 = theory + %.2f dB\n", sf,
                        lowest_ok, lowest_ok - theory);
        if (!std::isnan(lowest_ok))
            thresholds[sf] = lowest_ok;
    }
    return thresholds;
}

// FER against a CW tone jammer at J/S around theory, per tone offset; the highest J/S
// without a frame error per offset.
void run_cw(const std::vector<int>& sfs, const std::vector<double>& tone_offsets, const std::vector<double>& offsets,
            int frames)
{
    const double req = qpsk12_required_esn0();
    std::printf("FER vs CW jammer J/S: QPSK 1/2 short frames, pilots, CFO 2e-3 cycles/chip, thermal noise at "
                "chip Es/N0 = theory + 10 dB, %d frames per point\n",
                frames);
    std::printf("  theory: J/S tolerated = 10 log10(SF) - %.2f dB (as a broadband jammer's over the chip band)\n",
                req);
    std::printf("  %5s %14s %8s %8s %8s %10s %12s %6s\n", "SF", "tone cyc/chip", "J/S dB", "theory", "frames",
                "FER", "despread dB", "locks");
    for (int sf : sfs) {
        const double theory_js = 10.0 * std::log10(sf) - req;
        const double chip_esn0 = req - 10.0 * std::log10(sf) + 10.0;
        // J/S at which tone and thermal noise together leave the required Es/N0 r:
        // 1/r = (J/S)/SF + 1/(10 r).
        const double r = std::pow(10.0, req / 10.0);
        const double theory_noise = 10.0 * std::log10(sf * (1.0 / r - 1.0 / (10.0 * r)));
        std::printf("  SF %d: theory %.2f dB, with the thermal noise %.2f dB\n", sf, theory_js, theory_noise);
        for (double f : tone_offsets) {
            double highest_ok = NAN;
            for (double off : offsets) {
                ToneJammer tone;
                tone.js_db = theory_js - off;
                tone.cycles_per_chip = f;
                const FerPoint p = fer_point(sf, chip_esn0, frames,
                                             5000 + static_cast<uint64_t>(sf) + static_cast<uint64_t>(off * 10 + 100),
                                             tone);
                const double fer = 1.0 - static_cast<double>(p.ok) / p.frames;
                std::printf("  %5d %14.3f %8.2f %8.2f %8d %10.3g %12.2f %3llu/%llu\n", sf, f, tone.js_db, theory_js,
                            p.frames, fer, p.esn0_db, static_cast<unsigned long long>(p.acquisitions),
                            static_cast<unsigned long long>(p.lock_losses));
                if (fer == 0.0 && (std::isnan(highest_ok) || tone.js_db > highest_ok))
                    highest_ok = tone.js_db;
            }
            if (!std::isnan(highest_ok))
                std::printf("  SF %d, tone at %.3f cycles/chip: highest J/S without a frame error %.2f dB = theory "
                            "%+.2f dB, theory with noise %+.2f dB\n",
                            sf, f, highest_ok, highest_ok - theory_js, highest_ok - theory_noise);
        }
    }
}

void run_acq(const std::vector<double>& points, int trials, bool& fail, bool smoke)
{
    const int sf = 64;
    std::printf("Acquisition: SF 64, M 64 symbols, window +-64 chips, CFO range +-5e-3 cycles/chip, %d trials\n",
                trials);
    std::printf("  %12s %10s %14s %14s %14s %9s %8s %8s\n", "chipEsN0 dB", "P(acq)", "first search", "mean time ms",
                "max time ms", "bad phase", "bad freq", "adj. bin");
    for (double e : points) {
        int good = 0, first = 0, wrong_phase = 0, wrong_bin = 0, adjacent_bin = 0;
        double sum_t = 0.0, max_t = 0.0;
        for (int t = 0; t < trials; ++t) {
            dualsat_test::FastGaussian g(5000 + static_cast<uint64_t>(t) * 31 + static_cast<uint64_t>(e * 100 + 1000));
            const double cfo = 0.005 * (2.0 * ((g.next_u64() >> 11) * (1.0 / 9007199254740992.0)) - 1.0) * 0.98;
            const int quarter_chips = static_cast<int>(g.next_u64() % 481) - 240; // -60 .. +60 chips
            const double offset_chips = quarter_chips / 4.0;
            // Spread at 4 samples per chip and take every other sample from phase 0 or 1:
            // a 2-sample-per-chip signal on a quarter-chip grid.
            DsssShaping sh4;
            sh4.samples_per_chip = 4;
            DsssSpreader sp(dsss_test::sequence(), sf, sh4);
            const size_t max_chips = smoke ? 40000 : 1000000; // 1 s at 1 Mchip/s
            const size_t symbols = max_chips / sf;
            cvec sym(symbols);
            for (auto& x : sym)
                x = cf(static_cast<float>((g.next_u64() & 1) ? 0.70710678 : -0.70710678),
                       static_cast<float>((g.next_u64() & 1) ? 0.70710678 : -0.70710678));
            const int shift4 = quarter_chips * 1; // samples at 4 sps, relative to nominal
            cvec x4;
            DsssReceiverConfig c;
            c.sf = sf;
            c.code_window_chips = 64;
            c.max_cfo = 0.005;
            DsssReceiver r(dsss_test::sequence(), c);
            bool ok = false;
            double t_acq = 0.0;
            const size_t block_symbols = 512;
            // Prefix: positive offsets delay the signal (noise-only samples first), negative
            // ones drop its beginning.
            int64_t pending_skip = shift4 < 0 ? -shift4 : 0;
            const int pad4 = shift4 > 0 ? shift4 : 0;
            x4.assign(static_cast<size_t>(pad4), cf(0.0f));
            size_t phase_pos = 0; // samples at 4 sps emitted so far (after skip)
            dsss_test::Channel ch;
            ch.chip_esn0_db = e;
            ch.cfo = cfo;
            ch.sps = 2;
            uint64_t chunk_seed = 1;
            for (size_t s0 = 0; s0 < symbols && !ok; s0 += block_symbols) {
                sp.process(sym.data() + s0, std::min(block_symbols, symbols - s0), x4);
                size_t from = 0;
                if (pending_skip > 0) {
                    const size_t k = std::min<size_t>(static_cast<size_t>(pending_skip), x4.size());
                    from = k;
                    pending_skip -= static_cast<int64_t>(k);
                }
                cvec x2;
                for (size_t i = from; i < x4.size(); ++i, ++phase_pos)
                    if (phase_pos % 2 == 0)
                        x2.push_back(x4[i]);
                x4.clear();
                // The channel: CFO continuous over chunks (phase from the sample count).
                ch.phase = 0.3 + kTwoPi * cfo / 2.0 * static_cast<double>(r.stats().samples_in);
                ch.seed = chunk_seed++ * 7777 + static_cast<uint64_t>(t);
                const cvec y = dsss_test::apply(x2, ch);
                cvec out;
                r.process(y.data(), y.size(), out);
                const DsssAcquisition& a = r.last_acquisition();
                if (r.stats().acquisitions > 0 && a.refined) {
                    const bool phase_ok = std::abs(a.code_phase_chips - offset_chips) <= 0.5;
                    // Either bin next to the true offset is right (near the midpoint the
                    // noise decides), provided the refined estimate then lands within 0.1
                    // cycles per symbol (coherent loss 0.14 dB; the FLL continues from it).
                    const bool nearest = std::abs(a.cfo - cfo) <= 0.5 * a.bin_spacing + 1e-9;
                    const bool bin_ok = std::abs(a.cfo - cfo) < a.bin_spacing &&
                                        std::abs(a.cfo_refined - cfo) < 0.1 / sf;
                    ok = phase_ok && bin_ok;
                    wrong_phase += phase_ok ? 0 : 1;
                    wrong_bin += bin_ok ? 0 : 1;
                    adjacent_bin += bin_ok && !nearest ? 1 : 0;
                    if (getenv("BENCH_DSSS_VERBOSE") && !ok)
                        std::printf("    trial %d: offset %.2f found %.2f, cfo %.5f bin cfo %.5f (spacing %.5f) "
                                    "refined %.5f\n",
                                    t, offset_chips, a.code_phase_chips, cfo, a.cfo, a.bin_spacing, a.cfo_refined);
                    // Detection time (the refinement then takes refine_symbols more).
                    t_acq = static_cast<double>(a.first_symbol + static_cast<uint64_t>(c.acquisition_symbols)) * sf /
                            1e6;
                    if (ok && r.stats().searches == 1)
                        ++first;
                    break; // a wrong detection is a failure too
                }
            }
            if (ok) {
                ++good;
                sum_t += t_acq;
                max_t = std::max(max_t, t_acq);
            }
        }
        std::printf("  %12.1f %10.2f %14.2f %14.2f %14.2f %9d %8d %8d\n", e, static_cast<double>(good) / trials,
                    static_cast<double>(first) / trials, good ? 1e3 * sum_t / good : NAN, 1e3 * max_t,
                    wrong_phase, wrong_bin, adjacent_bin);
        if (e >= -15.0 && good < trials * 9 / 10)
            fail = true;
    }
}

// Noise alone through the same search: detections are false alarms (designed: at most
// false_alarm_probability per search; the union bound over correlated cells makes the real
// rate lower). With pfa 0.05 the rate shows that the CFAR threshold is calibrated.
void run_false_alarms(int searches, double pfa, bool& fail)
{
    DsssReceiverConfig c;
    c.false_alarm_probability = pfa;
    c.lock_loss_blocks = 1;
    c.sf = 64;
    c.code_window_chips = 64;
    c.max_cfo = 0.005;
    DsssReceiver r(dsss_test::sequence(), c);
    dsss_test::Channel ch;
    ch.chip_esn0_db = 0.0; // any level: the threshold scales with the noise estimate
    const size_t chunk = 64 * 64 * 2 * 10;
    cvec out;
    for (uint64_t k = 0; r.stats().searches < static_cast<uint64_t>(searches); ++k) {
        ch.seed = 424242 + k;
        const cvec noise = dsss_test::apply(cvec(chunk, cf(0.0f)), ch);
        r.process(noise.data(), noise.size(), out);
    }
    std::printf("  noise alone, Pfa %g per search: %llu detections in %llu searches (%d lags x %d bins each)\n",
                pfa, static_cast<unsigned long long>(r.stats().acquisitions),
                static_cast<unsigned long long>(r.stats().searches), 4 * 64 + 1, r.frequency_bins());
    if (static_cast<double>(r.stats().acquisitions) > 3.0 * pfa * static_cast<double>(r.stats().searches) + 1.0)
        fail = true;
}

void welch(const cvec& x, std::vector<double>& psd)
{
    const size_t n = 1024;
    Fft fft(n);
    psd.assign(n, 0.0);
    std::vector<std::complex<double>> buf(n);
    std::vector<double> w(n);
    double wsum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        w[i] = 0.5 - 0.5 * std::cos(kTwoPi * static_cast<double>(i) / n);
        wsum += w[i] * w[i];
    }
    size_t segs = 0;
    for (size_t s = 0; s + n <= x.size(); s += n / 2, ++segs) {
        for (size_t i = 0; i < n; ++i)
            buf[i] = std::complex<double>(x[s + i]) * w[i];
        fft.forward(buf.data());
        for (size_t i = 0; i < n; ++i)
            psd[i] += std::norm(buf[i]);
    }
    for (auto& p : psd)
        p /= static_cast<double>(segs) * wsum; // power per bin x n (per-sample density)
}

void run_psd(double chip_esn0_db, bool& fail)
{
    const int sf = 64;
    dualsat_test::FastGaussian g(42);
    cvec sym(8000);
    for (auto& x : sym)
        x = cf(static_cast<float>((g.next_u64() & 1) ? 0.70710678 : -0.70710678),
               static_cast<float>((g.next_u64() & 1) ? 0.70710678 : -0.70710678));
    DsssSpreader sp(dsss_test::sequence(), sf);
    cvec sig;
    sp.process(sym.data(), sym.size(), sig);
    dsss_test::Channel noise_only;
    noise_only.chip_esn0_db = chip_esn0_db;
    const cvec noise = dsss_test::apply(cvec(sig.size(), cf(0.0f)), noise_only);
    cvec both(sig.size());
    for (size_t i = 0; i < sig.size(); ++i)
        both[i] = sig[i] + noise[i];
    std::vector<double> ps, pn, pb;
    welch(sig, ps);
    welch(noise, pn);
    welch(both, pb);
    double ps_max = 0.0, pn_mean = 0.0, pb_max = 0.0;
    for (size_t i = 0; i < ps.size(); ++i) {
        ps_max = std::max(ps_max, ps[i]);
        pn_mean += pn[i] / static_cast<double>(pn.size());
        pb_max = std::max(pb_max, pb[i]);
    }
    const double margin = 10.0 * std::log10(pn_mean / ps_max);
    std::printf("PSD (LPI): SF 64 at chip Es/N0 %.2f dB, 2 samples/chip, Welch 1024 bins Hann, %zu samples\n",
                chip_esn0_db, sig.size());
    std::printf("  signal PSD peak %.2f dB under the noise floor (target >= 10 dB); signal+noise peak %.2f dB "
                "above the floor (noise alone: its own bin scatter)\n",
                margin, 10.0 * std::log10(pb_max / pn_mean));
    if (margin < 10.0)
        fail = true;
}

void run_speed()
{
    std::printf("Throughput: DsssReceiver::process (matched filter, tracking, despreading, AES chips), locked\n");
    std::printf("  %5s %14s %18s %8s\n", "SF", "despread Mchip/s", "spreader Mchip/s", "ratio");
    for (int sf : { 16, 64, 256 }) {
        const size_t chips = 4000000;
        const size_t symbols = chips / static_cast<size_t>(sf);
        cvec sym(symbols, cf(0.70710678f, 0.70710678f));
        DsssSpreader sp(dsss_test::sequence(), sf);
        cvec sig;
        sig.reserve(chips * 2);
        const double t0 = now_s();
        sp.process(sym.data(), sym.size(), sig);
        const double t1 = now_s();
        dsss_test::Channel ch;
        ch.chip_esn0_db = -10.0;
        ch.cfo = 0.001;
        const cvec y = dsss_test::apply(sig, ch);
        DsssReceiverConfig c;
        c.sf = sf;
        c.code_window_chips = 64;
        c.max_cfo = 0.005;
        DsssReceiver r(dsss_test::sequence(), c);
        cvec out;
        out.reserve(symbols);
        const double t2 = now_s();
        for (size_t k = 0; k < y.size(); k += 65536)
            r.process(y.data() + k, std::min<size_t>(65536, y.size() - k), out);
        const double t3 = now_s();
        const double rx = chips / (t3 - t2) / 1e6, tx = chips / (t1 - t0) / 1e6;
        std::printf("  %5d %14.1f %18.1f %8.2f   (%zu symbols out, %llu acquisitions)\n", sf, rx, tx, rx / tx,
                    out.size(), static_cast<unsigned long long>(r.stats().acquisitions));
    }
}

} // namespace

int main(int argc, char** argv)
{
    std::string part = "all";
    int frames = 10, trials = 50;
    bool smoke = false;
    std::vector<int> sfs = { 16, 64, 256 };
    std::vector<double> offsets = { -0.5, 0.0, 0.5, 1.0, 2.0 };
    std::vector<double> cw_offsets = { 0.0, 0.25 };
    std::vector<double> acq_points = { -21.0, -19.5, -18.0, -16.5, -15.0, -13.5, -12.0 };
    for (int i = 1; i < argc; ++i) {
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", argv[i]);
                std::exit(2);
            }
            return argv[++i];
        };
        if (!std::strcmp(argv[i], "--part"))
            part = value();
        else if (!std::strcmp(argv[i], "--frames"))
            frames = std::atoi(value());
        else if (!std::strcmp(argv[i], "--trials"))
            trials = std::atoi(value());
        else if (!std::strcmp(argv[i], "--sf")) {
            sfs.clear();
            for (double v : parse_list(value()))
                sfs.push_back(static_cast<int>(v));
        } else if (!std::strcmp(argv[i], "--offsets"))
            offsets = parse_list(value());
        else if (!std::strcmp(argv[i], "--cw-offsets"))
            cw_offsets = parse_list(value());
        else if (!std::strcmp(argv[i], "--acq-points"))
            acq_points = parse_list(value());
        else if (!std::strcmp(argv[i], "--smoke"))
            smoke = true;
        else {
            std::fprintf(stderr, "usage: bench_dsss [--part fer|cw|acq|psd|speed|all] [--frames N] [--trials N] "
                                 "[--sf A,B] [--offsets a,b] [--cw-offsets f1,f2] [--acq-points e1,e2] [--smoke]\n");
            return 2;
        }
    }
    bool fail = false;
    if (smoke) {
        run_fer({ 16 }, { 3.0 }, 3, fail);
        run_acq({ -15.0 }, 5, fail, true);
        run_false_alarms(30, 1e-6, fail);
        std::printf(fail ? "bench_dsss smoke: FAILED\n" : "bench_dsss smoke: ok\n");
        return fail ? 1 : 0;
    }
    std::map<int, double> thresholds;
    if (part == "fer" || part == "all")
        thresholds = run_fer(sfs, offsets, frames, fail);
    if (part == "cw" || part == "all")
        run_cw(sfs, cw_offsets, offsets, frames);
    if (part == "acq" || part == "all") {
        run_acq(acq_points, trials, fail, false);
        run_false_alarms(1000, 1e-6, fail);
        run_false_alarms(1000, 0.05, fail);
    }
    if (part == "psd" || part == "all")
        run_psd(thresholds.count(64) ? thresholds[64] : qpsk12_required_esn0() - 10.0 * std::log10(64.0), fail);
    if (part == "speed" || part == "all")
        run_speed();
    return 0;
}
