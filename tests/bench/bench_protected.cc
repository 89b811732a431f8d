// SPDX-License-Identifier: GPL-3.0-or-later
// Protected profile I (issue 12) benchmark (not a test): prints tables, every figure next to
// a reference measured in the same run (the civil carrier, link or receiver).
//
//  observer     what an observer without the key sees of a protected carrier (TRANSEC:
//               keyed PLHEADER and PL scrambling of period P; COMSEC: AES-256-GCM; constant
//               rate: IdlePolicy::SealedFill), against the civil carrier:
//               (a) our own civil Receiver on the carrier (acquisitions, frames);
//               (b) a blind analyser that knows EN 302 307-1: the differential correlation
//                   with the standard SOF (§5.5.2.1) and with SOF + the PLSC mask pairs
//                   (§5.5.2.4, the b7 pairing), its peak-to-average folded at the frame
//                   period, detections at true frame starts; the autocorrelation at lag 1
//                   frame and P frames, and a blind scan of all lags for the strongest;
//               (c) 0 % vs 100 % traffic: per-window statistics (power, |x|^2 variance,
//                   autocorrelation at lags 1, 2, 1 frame, P frames, 4th-order moment) and
//                   the symbol-magnitude distribution, two-sample Kolmogorov-Smirnov and
//                   Welch tests; the civil 0 % (dummy PLFRAMEs) vs 100 % shows the tests'
//                   power;
//               (d) ACM within one modulation (QPSK 1/2 <-> 3/4, same frame length) vs a
//                   fixed MODCOD, the same tests.
//               The observer gets symbol-synchronous samples (1 per symbol, timing known,
//               a small residual carrier offset, AWGN): stronger than any real analyser.
//  sensitivity  FER of the protected link (TRANSEC + COMSEC) vs the civil link through the
//               whole Receiver (pulse shaping, CFO, SCO, 2.37 samples/symbol) for QPSK 1/4,
//               QPSK 1/2, 8PSK 3/5, 16APSK 3/4, normal frames with pilots; Es/N0 swept in
//               0.1 dB steps, the Es/N0 of each at FER 1e-2 (long: only with
//               --part sensitivity; --part all runs one spot point per MODCOD).
//  acquisition  frames from the first complete frame received to the first delivered one,
//               QPSK 1/4 at -1.85 dB, pilots on and off, protected vs civil, over seeds,
//               the receiver switched on at a random point of the stream.
//  throughput   Receiver and Transmitter, protected vs civil on the same signal and the same
//               thread setup: Msym/s and the ratio.
//
// Exit status 1 only on functional breakage (the keyed receiver decodes nothing, the civil
// receiver decodes the protected carrier, the blind detector fails to find the civil
// frames or finds the protected ones, the tests lose their power on the civil carrier);
// never on speed or on a statistic of the protected carrier (those are findings to read).
//
// Usage: bench_protected [--part observer|sensitivity|acquisition|throughput|all] [--quick]
//        [--frames N (sensitivity, per point)] [--seeds N] [--obs-frames N] [--window W]
//        [--only MODCOD] [--period P] [--cfo F] [--ppm P]
#include "protect/protect_test_util.h"

#include <dualsat/channel/channel_emulator.h>
#include <dualsat/core/cpu_features.h>
#include <dualsat/core/fft.h>
#include <dualsat/dsp/pulse_shaper.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/framing/bbheader.h>
#include <dualsat/protect/frame_protection.h>
#include <dualsat/protect/keyed_pl.h>
#include <dualsat/rx/receiver.h>
#include <dualsat/tx/transmitter.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace dualsat;
using namespace protect_test;
using cf = std::complex<float>;
using cvec = std::vector<cf>;

namespace {

// ------------------------------------------------------------------------------ settings

constexpr uint16_t kLink = 5;
constexpr uint32_t kEpoch = 7;
constexpr int64_t kNow = (7 * 3600 + 100) * kNs; // inside epoch 7 of the hourly schedule

uint64_t g_period = kDefaultKeyedPlPeriod; // 0: the keyed sequences never repeat
// Sequences that never repeat: the transmitter's first frame counter (a UTC time base would
// give ~2e11), and what the receivers predict (set per experiment: the counter of the
// frame at the receiver's first sample and the frame length).
constexpr uint64_t kFirstCounter = 215'053'763'440;
struct CounterHint {
    uint64_t counter = kFirstCounter;
    int frame_symbols = 0;
};
CounterHint g_hint;
// The lag at which an observer looks for a repetition of frames: P, or for sequences that
// never repeat the default period of the repeating kind (4).
uint64_t analysis_period() { return g_period ? g_period : 4; }
bool g_quick = false;
double g_cfo = 0.05;   // cycles/symbol, receiver parts
double g_ppm = 100.0;  // sample clock offset, receiver parts
int g_failures = 0;    // functional checks failed

void check(bool ok, const std::string& what)
{
    if (!ok) {
        std::printf("CHECK FAILED: %s\n", what.c_str());
        ++g_failures;
    }
}

double wall_now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double cpu_now()
{
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

FrameFormat fmt(Modulation m, CodeRate r, FrameSize s = FrameSize::Normal, bool pilots = true)
{
    return { { m, r }, s, pilots };
}

// ------------------------------------------------------------------------- transmitters

// Bench-only: FrameSealer, then the unused rest of the data field (zeros by EN 302 307-1
// §5.2.1 padding and by BbFrameTransform's contract) overwritten with pseudo-random bytes.
// Shows what the observer tests say when an idle frame's field is not mostly constant; not
// a proposal for the wire format (a real remedy would use keystream, and the opener would
// have to accept it).
class TailFilledSealer final : public BbFrameTransform
{
public:
    explicit TailFilledSealer(std::shared_ptr<FrameSealer> inner) : m_inner(std::move(inner)), m_rng(99) {}
    size_t data_field_overhead_bits(const FrameFormat& f) const override
    {
        return m_inner->data_field_overhead_bits(f);
    }
    void apply(const FrameFormat& format, uint64_t frame_counter, BbHeader& header, uint8_t* data_field,
               size_t data_field_bytes) override
    {
        m_inner->apply(format, frame_counter, header, data_field, data_field_bytes);
        for (size_t i = (static_cast<size_t>(header.dfl) + 7) / 8; i < data_field_bytes; ++i)
            data_field[i] = static_cast<uint8_t>(m_rng.next());
    }

private:
    std::shared_ptr<FrameSealer> m_inner;
    Rng m_rng;
};

// Bench-only: the P keyed scrambling sequences computed once and handed out like the Gold
// code's (KeyedPlScrambling computes R of slot s afresh, AES-256-CTR and 2-bit expansion, for
// every frame unless P <= 16). Shows what caching would save the transmitter; for sequences
// that never repeat (P = 0) it repeats the first 4 frames' (what a P = 4 link would cost).
class CachedKeyedScrambling final : public PlScramblingSequence
{
public:
    explicit CachedKeyedScrambling(const KeyedPlScrambling& keyed)
        : m_slots(keyed.period() ? keyed.period() : 4)
    {
        std::vector<uint8_t> scratch(kMaxLength);
        for (uint64_t s = 0; s < m_slots.size(); ++s) {
            const uint8_t* r = keyed.fill(s, kMaxLength, scratch.data());
            m_slots[s].assign(r, r + kMaxLength);
        }
    }
    const uint8_t* rn(uint64_t frame_counter, int) override { return m_slots[frame_counter % m_slots.size()].data(); }
    bool concurrent_fill() const override { return true; }
    const uint8_t* fill(uint64_t frame_counter, int, uint8_t*) const override
    {
        return m_slots[frame_counter % m_slots.size()].data();
    }

private:
    std::vector<std::vector<uint8_t>> m_slots;
};

struct Carrier {
    bool keyed = false;     // TRANSEC (keyed PL, period g_period) + COMSEC (AES-256-GCM)
    bool cached = false;    // keyed only: CachedKeyedScrambling
    bool tail_fill = false; // keyed only: TailFilledSealer
    FrameFormat format = fmt(Modulation::QPSK, CodeRate::R1_2);
    IdlePolicy idle = IdlePolicy::Wait;
    int workers = 1;
};

// A civil or protected Transmitter with its TS source (random packets).
class Tx
{
public:
    explicit Tx(const Carrier& c, uint64_t seed = 1) : m_h(static_cast<uint32_t>(seed) * 2654435761u + 1)
    {
        TransmitterConfig tc;
        tc.format = c.format;
        tc.idle = c.idle;
        tc.ccm = false;
        tc.workers = c.workers;
        if (c.keyed && g_period == kNonRepeatingPl)
            tc.first_frame_counter = kFirstCounter;
        TransmitterParts parts;
        if (c.keyed) {
            const auto keys = test_schedule();
            const KeyedPlSequences seq = make_keyed_pl(*keys, kEpoch, kLink, LinkDirection::Forward, g_period);
            FrameSealerConfig sc;
            sc.link_id = kLink;
            sc.nonce_state_path = m_dir.file("nonce");
            sc.clock = [] { return kNow; };
            m_sealer = std::make_shared<FrameSealer>(keys, sc);
            parts.pl_header = seq.header;
            parts.pl_scrambling = seq.scrambling;
            if (c.cached)
                parts.pl_scrambling = std::make_shared<CachedKeyedScrambling>(*seq.scrambling);
            if (c.tail_fill)
                parts.bbframe_transform = std::make_shared<TailFilledSealer>(m_sealer);
            else
                parts.bbframe_transform = m_sealer;
        }
        m_tx = std::make_unique<Transmitter>(tc, parts);
    }
    Transmitter& tx() { return *m_tx; }
    // Queues packets until a full data field is waiting.
    void load()
    {
        while (m_tx->ts_bytes_needed() > 0) {
            m_pkt[0] = 0x47;
            for (int i = 1; i < 188; ++i) {
                m_h ^= m_h << 13;
                m_h ^= m_h >> 17;
                m_h ^= m_h << 5;
                m_pkt[i] = static_cast<uint8_t>(m_h);
            }
            m_tx->push_ts(m_pkt, 188);
        }
    }

private:
    ScratchDir m_dir;
    std::shared_ptr<FrameSealer> m_sealer;
    std::unique_ptr<Transmitter> m_tx;
    uint32_t m_h;
    uint8_t m_pkt[188];
};

struct Stream {
    cvec symbols;                 // PLFRAMEs, 1 sample/symbol
    std::vector<uint64_t> start;  // symbol index of each frame
    std::vector<PlFrameInfo> info;
};

// Frames until `frames` are made or the stream holds `min_symbols`; frame k is loaded when
// loaded(k), and takes format(k) when given.
Stream generate(Tx& t, size_t frames, size_t min_symbols, const std::function<bool(size_t)>& loaded,
                const std::function<FrameFormat(size_t)>& format = {})
{
    Stream s;
    cvec buf(kMaxPlframeSymbols);
    for (size_t k = 0; k < frames || s.symbols.size() < min_symbols; ++k) {
        if (format)
            t.tx().set_next_format(format(k));
        if (loaded(k))
            t.load();
        PlFrameInfo info;
        const size_t n = t.tx().next_plframe(buf.data(), info);
        if (n == 0)
            throw std::runtime_error("transmitter produced no frame");
        s.start.push_back(s.symbols.size());
        s.info.push_back(info);
        s.symbols.insert(s.symbols.end(), buf.begin(), buf.begin() + static_cast<long>(n));
    }
    return s;
}

// --------------------------------------------------------------------------- channels

struct Impair {
    double sps = 2.37;
    double rolloff = 0.2;
    double esn0_db = 10.0;
    double cfo = 0.0; // cycles/symbol
    double ppm = 0.0;
    uint64_t seed = 1;
};

constexpr double kSymbolRate = 10e6; // Hz (only the channel's time axis)

cvec shape(const cvec& symbols, const Impair& im)
{
    TxPulseShaper shaper = TxPulseShaper::for_rates(im.rolloff, 16, kSymbolRate, kSymbolRate * im.sps);
    return shaper.process(symbols);
}

cvec impair(const cvec& shaped, const Impair& im)
{
    ChannelConfig c;
    c.sample_rate_hz = kSymbolRate * im.sps;
    c.samples_per_symbol = im.sps;
    double ps = 0.0;
    size_t nz = 0;
    for (size_t i = 0; i < shaped.size(); i += 7)
        if (std::norm(shaped[i]) > 0.0f) {
            ps += std::norm(shaped[i]);
            ++nz;
        }
    c.symbol_energy = ps / static_cast<double>(std::max<size_t>(nz, 1)) * im.sps;
    c.esn0_db = im.esn0_db;
    c.frequency_offset_hz = im.cfo * kSymbolRate;
    c.initial_phase_rad = 0.4;
    c.sample_clock_offset_ppm = im.ppm;
    c.seed = im.seed;
    ChannelEmulator ch(c);
    cvec y;
    ch.process(shaped, y);
    return y;
}

// The observer's samples: one per symbol at the right instant, a residual carrier offset
// and a phase, AWGN at Es/N0 (Es = 1: every PLFRAME has unit symbol energy).
cvec observe(const cvec& symbols, double esn0_db, uint64_t seed)
{
    Rng rng(seed);
    const double n0 = std::pow(10.0, -esn0_db / 10.0);
    const double f = 2e-4; // cycles/symbol left after a blind coarse estimate
    cvec y(symbols.size());
    for (size_t n = 0; n < symbols.size(); ++n) {
        const double ph = 0.7 + 2.0 * M_PI * f * static_cast<double>(n);
        y[n] = symbols[n] * cf(static_cast<float>(std::cos(ph)), static_cast<float>(std::sin(ph))) +
               rng.complex_gaussian(n0);
    }
    return y;
}

// -------------------------------------------------------------------------- receivers

ReceiverConfig rx_config(const Impair& im, bool keyed, unsigned fec_threads, uint8_t key_variant = 0,
                         std::shared_ptr<FrameOpener>* opener_out = nullptr)
{
    ReceiverConfig c;
    c.symbol_rate = 1.0;
    c.sample_rate = im.sps;
    c.rolloff = im.rolloff;
    c.fec_threads = fec_threads;
    if (keyed) {
        const auto keys = test_schedule(key_variant);
        const KeyedPlSequences seq = make_keyed_pl(*keys, kEpoch, kLink, LinkDirection::Forward, g_period);
        c.parts.pl_header = seq.header;
        c.parts.pl_scrambling = seq.scrambling;
        FrameOpenerConfig oc;
        oc.link_id = kLink;
        oc.clock = [] { return kNow; };
        auto opener = std::make_shared<FrameOpener>(keys, oc);
        c.parts.bbframe_opener = opener;
        if (opener_out)
            *opener_out = opener;
    }
    return c;
}

struct RxRun {
    std::vector<ReceiverFrameStats> frames;
    ReceiverStatus status;
    bool stopped_early = false;
};

// The receiver over iq in chunks; `stop` is asked after every chunk with the frames so far.
RxRun run_rx(const ReceiverConfig& cfg, const cf* iq, size_t n,
             const std::function<bool(const std::vector<ReceiverFrameStats>&)>& stop = {})
{
    Receiver rx(cfg);
    if (cfg.parts.pl_header && cfg.parts.pl_header->period() == 0) {
        if (g_hint.frame_symbols <= 0)
            throw std::logic_error("bench: no counter hint for sequences that never repeat");
        rx.set_acquisition_counter_hint(g_hint.counter, 0, g_hint.frame_symbols);
    }
    ReceiverOutput out;
    RxRun r;
    const size_t chunk = 65536;
    for (size_t k = 0; k < n; k += chunk) {
        rx.process(iq + k, std::min(chunk, n - k), out);
        r.frames.insert(r.frames.end(), out.frames.begin(), out.frames.end());
        out.clear();
        if (stop && stop(r.frames)) {
            r.stopped_early = true;
            break;
        }
    }
    rx.flush(out);
    r.frames.insert(r.frames.end(), out.frames.begin(), out.frames.end());
    r.status = rx.status();
    return r;
}

// ------------------------------------------------------------------------- statistics

// Two-sided p of the two-sample Kolmogorov-Smirnov statistic D (asymptotic distribution
// with Stephens' small-sample correction).
double ks_p(double d, size_t n1, size_t n2)
{
    const double ne = static_cast<double>(n1) * static_cast<double>(n2) / static_cast<double>(n1 + n2);
    const double lambda = (std::sqrt(ne) + 0.12 + 0.11 / std::sqrt(ne)) * d;
    if (lambda < 0.2)
        return 1.0;
    double sum = 0.0;
    for (int k = 1; k <= 100; ++k) {
        const double term = std::exp(-2.0 * k * k * lambda * lambda);
        sum += (k % 2 ? 1.0 : -1.0) * term;
        if (term < 1e-16)
            break;
    }
    return std::clamp(2.0 * sum, 0.0, 1.0);
}

double ks_d(std::vector<double> a, std::vector<double> b)
{
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    size_t i = 0, j = 0;
    double d = 0.0;
    while (i < a.size() && j < b.size()) {
        const double x = std::min(a[i], b[j]);
        while (i < a.size() && a[i] <= x)
            ++i;
        while (j < b.size() && b[j] <= x)
            ++j;
        d = std::max(d, std::fabs(static_cast<double>(i) / static_cast<double>(a.size()) -
                                  static_cast<double>(j) / static_cast<double>(b.size())));
    }
    return d;
}

// Regularised incomplete beta I_x(a, b) by its continued fraction (modified Lentz).
double incomplete_beta(double a, double b, double x)
{
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    if (x > (a + 1.0) / (a + b + 2.0))
        return 1.0 - incomplete_beta(b, a, 1.0 - x);
    const double front =
        std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x)) / a;
    const double tiny = 1e-300;
    double f = 1.0, c = 1.0, d = 0.0;
    for (int i = 0; i <= 400; ++i) {
        const int m = i / 2;
        double num;
        if (i == 0)
            num = 1.0;
        else if (i % 2 == 0)
            num = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        else
            num = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 + num * d;
        d = std::fabs(d) < tiny ? tiny : d;
        d = 1.0 / d;
        c = 1.0 + num / c;
        c = std::fabs(c) < tiny ? tiny : c;
        const double cd = c * d;
        f *= cd;
        if (std::fabs(1.0 - cd) < 1e-12)
            break;
    }
    return front * (f - 1.0);
}

struct Welch {
    double t = 0.0, df = 0.0, p = 1.0;
};

Welch welch(const std::vector<double>& a, const std::vector<double>& b)
{
    auto mv = [](const std::vector<double>& v, double& m, double& var) {
        m = 0.0;
        for (double x : v)
            m += x;
        m /= static_cast<double>(v.size());
        var = 0.0;
        for (double x : v)
            var += (x - m) * (x - m);
        var /= static_cast<double>(v.size() - 1);
    };
    double ma, va, mb, vb;
    mv(a, ma, va);
    mv(b, mb, vb);
    const double sa = va / static_cast<double>(a.size()), sb = vb / static_cast<double>(b.size());
    Welch w;
    if (sa + sb <= 0.0)
        return w;
    w.t = (ma - mb) / std::sqrt(sa + sb);
    w.df = (sa + sb) * (sa + sb) /
           (sa * sa / static_cast<double>(a.size() - 1) + sb * sb / static_cast<double>(b.size() - 1));
    // Two-sided Student-t tail: I_{df/(df+t^2)}(df/2, 1/2).
    w.p = incomplete_beta(w.df / 2.0, 0.5, w.df / (w.df + w.t * w.t));
    return w;
}

// |sum x[n] conj(x[n+lag])| / (count * mean power) over n in [begin, end).
double autocorr(const cvec& x, size_t begin, size_t end, size_t lag)
{
    std::complex<double> acc = 0.0;
    double p = 0.0;
    for (size_t n = begin; n < end && n + lag < x.size(); ++n) {
        acc += std::complex<double>(x[n]) * std::conj(std::complex<double>(x[n + lag]));
        p += 0.5 * (std::norm(x[n]) + std::norm(x[n + lag]));
    }
    return p > 0.0 ? std::abs(acc) / p : 0.0;
}

// --------------------------------------------------------------- the blind correlators

// Differential references of the standard PLHEADER: the SOF's 25 symbol-to-symbol phase
// steps, and the 32 steps inside the PLSC pairs, which depend on the mask alone (each
// Reed-Muller bit is followed by itself or, b7 = 1, by its complement: the same for all 32
// pairs, so |sum| covers both), EN 302 307-1 §5.5.2.
struct BlindCorrelator {
    std::vector<std::complex<double>> sof_diff, plsc_diff;
    BlindCorrelator()
    {
        cf h[kPlHeaderSymbols];
        plheader_symbols(PlsCode{ 4, false, false }, h);
        for (int k = 0; k < 25; ++k)
            sof_diff.push_back(std::complex<double>(h[k + 1]) * std::conj(std::complex<double>(h[k])));
        for (int i = 0; i < 32; ++i)
            plsc_diff.push_back(std::complex<double>(h[27 + 2 * i]) * std::conj(std::complex<double>(h[26 + 2 * i])));
    }
    // Metric at every position n: |SOF corr| / sum|d| (0..1), and the same plus the PLSC
    // pairs' (0..2).
    void run(const cvec& x, std::vector<float>& sof_only, std::vector<float>& sof_plsc) const
    {
        const size_t n = x.size() > kPlHeaderSymbols ? x.size() - kPlHeaderSymbols : 0;
        std::vector<std::complex<double>> d(x.size());
        for (size_t m = 0; m + 1 < x.size(); ++m)
            d[m] = std::complex<double>(x[m + 1]) * std::conj(std::complex<double>(x[m]));
        sof_only.assign(n, 0.0f);
        sof_plsc.assign(n, 0.0f);
        for (size_t p = 0; p < n; ++p) {
            std::complex<double> a = 0.0, b = 0.0;
            double ea = 0.0, eb = 0.0;
            for (int k = 0; k < 25; ++k) {
                a += d[p + k] * std::conj(sof_diff[k]);
                ea += std::abs(d[p + k]);
            }
            for (int i = 0; i < 32; ++i) {
                const std::complex<double>& v = d[p + 26 + 2 * i];
                b += v * std::conj(plsc_diff[i]);
                eb += std::abs(v);
            }
            const float ma = ea > 0 ? static_cast<float>(std::abs(a) / ea) : 0.0f;
            const float mb = eb > 0 ? static_cast<float>(std::abs(b) / eb) : 0.0f;
            sof_only[p] = ma;
            sof_plsc[p] = ma + mb;
        }
    }
};

struct Detection {
    double par = 0;          // max / mean over the stream
    double at_frames = 0;    // mean metric at the true frame starts
    double floor_mean = 0, floor_std = 0; // elsewhere
    size_t detected = 0, frames = 0, false_alarms = 0;
    double folded_par = 0;   // folded at the frame period: max / mean of the profile
    double folded_par_p = 0; // folded at P frames
};

Detection detect(const std::vector<float>& m, const std::vector<uint64_t>& starts, size_t frame_len)
{
    Detection r;
    std::vector<uint8_t> near(m.size(), 0);
    for (uint64_t s : starts)
        for (int64_t k = -2; k <= 2; ++k) {
            const int64_t p = static_cast<int64_t>(s) + k;
            if (p >= 0 && p < static_cast<int64_t>(m.size()))
                near[static_cast<size_t>(p)] = 1;
        }
    double sum = 0, sum2 = 0, mx = 0, all = 0;
    size_t cnt = 0;
    for (size_t p = 0; p < m.size(); ++p) {
        all += m[p];
        mx = std::max(mx, static_cast<double>(m[p]));
        if (!near[p]) {
            sum += m[p];
            sum2 += static_cast<double>(m[p]) * m[p];
            ++cnt;
        }
    }
    r.par = mx / (all / static_cast<double>(m.size()));
    r.floor_mean = sum / static_cast<double>(cnt);
    r.floor_std = std::sqrt(std::max(0.0, sum2 / static_cast<double>(cnt) - r.floor_mean * r.floor_mean));
    const double thr = r.floor_mean + 6.0 * r.floor_std;
    double at = 0;
    for (uint64_t s : starts)
        if (s < m.size()) {
            at += m[s];
            r.detected += m[s] > thr;
            ++r.frames;
        }
    r.at_frames = r.frames ? at / static_cast<double>(r.frames) : 0.0;
    for (size_t p = 0; p < m.size(); ++p)
        r.false_alarms += !near[p] && m[p] > thr;
    auto fold = [&](size_t period) {
        std::vector<double> prof(period, 0.0);
        std::vector<size_t> c(period, 0);
        for (size_t p = 0; p < m.size(); ++p) {
            prof[p % period] += m[p];
            ++c[p % period];
        }
        double pm = 0, ps = 0;
        for (size_t q = 0; q < period; ++q) {
            prof[q] /= static_cast<double>(std::max<size_t>(c[q], 1));
            pm = std::max(pm, prof[q]);
            ps += prof[q];
        }
        return pm / (ps / static_cast<double>(period));
    };
    r.folded_par = fold(frame_len);
    r.folded_par_p = fold(frame_len * analysis_period());
    return r;
}

// Blind lag scan: the normalised autocorrelation at every lag in [lo, hi] (by FFT), the
// strongest lags (at least 16 apart) and the median.
struct LagScan {
    std::vector<std::pair<size_t, double>> top;
    double median = 0;
};

LagScan scan_lags(const cvec& x, size_t lo, size_t hi, int ntop)
{
    const size_t n = std::min<size_t>(x.size(), size_t{ 1 } << 21);
    const size_t size = Fft::next_power_of_two(2 * n);
    Fft fft(size);
    std::vector<std::complex<double>> a(size, 0.0);
    double power = 0;
    for (size_t i = 0; i < n; ++i) {
        a[i] = x[i];
        power += std::norm(x[i]);
    }
    power /= static_cast<double>(n);
    fft.forward(a.data());
    for (auto& v : a)
        v = std::norm(v); // |X|^2, real: its inverse is the autocorrelation
    fft.forward(a.data()); // forward of a real symmetric spectrum = N * inverse
    LagScan s;
    std::vector<double> r;
    std::vector<std::pair<double, size_t>> all;
    hi = std::min(hi, n / 2);
    for (size_t lag = lo; lag <= hi; ++lag) {
        const double v = std::abs(a[lag]) / static_cast<double>(size) / (static_cast<double>(n - lag) * power);
        r.push_back(v);
        all.push_back({ v, lag });
    }
    if (r.empty())
        return s;
    std::vector<double> sorted = r;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(sorted.size() / 2), sorted.end());
    s.median = sorted[sorted.size() / 2];
    std::sort(all.begin(), all.end(), [](const auto& p, const auto& q) { return p.first > q.first; });
    for (const auto& [v, lag] : all) {
        bool close = false;
        for (const auto& t : s.top)
            close |= (lag > t.first ? lag - t.first : t.first - lag) < 16;
        if (!close)
            s.top.push_back({ lag, v });
        if (static_cast<int>(s.top.size()) >= ntop)
            break;
    }
    return s;
}

// ------------------------------------------------------------------------- observer

struct ObserverSetup {
    FrameFormat format = fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Short, true);
    size_t frames = 240;    // per carrier (in data-frame lengths)
    size_t window = 8192;   // symbols per window for the two-sample tests
    double esn0_db = 6.0;   // at the observer
};
ObserverSetup g_obs;

bool every(size_t) { return true; }

// Load pattern "half": bursts of 1..6 loaded frames, then 1..6 idle ones.
std::function<bool(size_t)> bursts(uint64_t seed)
{
    auto rng = std::make_shared<Rng>(seed);
    auto state = std::make_shared<std::pair<bool, int>>(true, 0);
    return [rng, state](size_t) {
        if (state->second <= 0) {
            state->first = !state->first;
            state->second = 1 + static_cast<int>(rng->uniform() * 6);
        }
        --state->second;
        return state->first;
    };
}

void observer_a()
{
    const FrameFormat f = g_obs.format;
    const size_t frames = g_quick ? 16 : 60;
    std::printf("\n(a) Receivers on the carriers: %s, %zu frames, bursts of traffic (1-6 frames loaded / "
                "idle); Es/N0 10 dB, 2.37 sps, CFO %.1f %% Rs, SCO %.0f ppm\n",
                to_string(f).c_str(), frames, 100 * g_cfo, g_ppm);
    std::printf("%-34s %-28s %6s %7s %7s %6s %6s %8s %7s\n", "carrier", "receiver", "acq", "frames", "ok",
                "fill", "dummy", "TS pkts", "opened");
    Carrier civ;
    civ.format = f;
    civ.idle = IdlePolicy::Dummy;
    Carrier prot = civ;
    prot.keyed = true;
    prot.idle = IdlePolicy::SealedFill;
    Carrier tail = prot;
    tail.tail_fill = true;
    Tx tc(civ, 3), tp(prot, 3), tt(tail, 3);
    const Stream sc = generate(tc, frames, 0, bursts(17));
    const Stream sp = generate(tp, frames, 0, bursts(17));
    const Stream st = generate(tt, frames, 0, bursts(17));
    Impair im;
    im.esn0_db = 10.0;
    im.cfo = g_cfo;
    im.ppm = g_ppm;
    im.seed = 4;
    const cvec iq_c = impair(shape(sc.symbols, im), im);
    const cvec iq_p = impair(shape(sp.symbols, im), im);
    const cvec iq_t = impair(shape(st.symbols, im), im);
    struct Row {
        const char* carrier;
        const char* receiver;
        const cvec* iq;
        bool keyed;
        uint8_t variant;
    };
    const Row rows[] = {
        { "civil (dummy frames when idle)", "civil", &iq_c, false, 0 },
        { "protected P (SealedFill)", "civil", &iq_p, false, 0 },
        { "protected P (SealedFill)", "keyed, right key", &iq_p, true, 0 },
        { "protected P (SealedFill)", "keyed, another key file", &iq_p, true, 0x33 },
        { "protected P, tail filled (see c)", "keyed, right key", &iq_t, true, 0 },
    };
    g_hint = { kFirstCounter, f.plframe_symbols() };
    RxRun res[5];
    for (int i = 0; i < 5; ++i) {
        std::shared_ptr<FrameOpener> op;
        res[i] = run_rx(rx_config(im, rows[i].keyed, 1, rows[i].variant, &op), rows[i].iq->data(), rows[i].iq->size());
        const ReceiverStatus& st = res[i].status;
        std::printf("%-34s %-28s %6llu %7llu %7llu %6llu %6llu %8llu %7s\n", rows[i].carrier, rows[i].receiver,
                    static_cast<unsigned long long>(st.acquisitions), static_cast<unsigned long long>(st.frames),
                    static_cast<unsigned long long>(st.frames_ok), static_cast<unsigned long long>(st.fill_frames),
                    static_cast<unsigned long long>(st.dummy_frames), static_cast<unsigned long long>(st.ts_packets),
                    op ? std::to_string(op->counters().opened).c_str() : "-");
    }
    std::printf("(P = %llu; the transmitted protected stream had %zu frames, %zu of them fill)\n",
                static_cast<unsigned long long>(g_period), sp.info.size(),
                static_cast<size_t>(std::count_if(sp.info.begin(), sp.info.end(), [](const PlFrameInfo& i) { return i.fill; })));
    check(res[0].status.frames_ok + res[0].status.dummy_frames + 3 >= frames && res[0].status.frames_ok > 0,
          "observer (a): the civil receiver decodes the civil carrier (data and dummy frames)");
    check(res[1].status.acquisitions == 0 && res[1].status.frames == 0 && res[1].status.dummy_frames == 0,
          "observer (a): the civil receiver finds nothing on the protected carrier");
    check(res[2].status.frames_ok + g_period + 3 >= frames && res[2].status.fill_frames > 0,
          "observer (a): the keyed receiver decodes the protected carrier (data and fill)");
    check(res[3].status.acquisitions == 0 && res[3].status.frames_ok == 0,
          "observer (a): a receiver with another key file finds nothing");
}

void observer_b()
{
    const FrameFormat f = g_obs.format;
    const size_t L = static_cast<size_t>(f.plframe_symbols());
    const size_t frames = g_obs.frames;
    std::printf("\n(b) Blind analyser (knows EN 302 307-1, not the key): %s, %zu frames fully loaded, "
                "symbol-synchronous samples at Es/N0 %.1f dB, residual CFO 2e-4 cycles/symbol\n",
                to_string(f).c_str(), frames, g_obs.esn0_db);
    Carrier civ;
    civ.format = f;
    civ.idle = IdlePolicy::Dummy;
    Carrier prot = civ;
    prot.keyed = true;
    prot.idle = IdlePolicy::SealedFill;
    Tx tc(civ, 5), tp(prot, 5);
    const Stream sc = generate(tc, frames, 0, every);
    const Stream sp = generate(tp, frames, 0, every);
    const cvec xc = observe(sc.symbols, g_obs.esn0_db, 21);
    const cvec xp = observe(sp.symbols, g_obs.esn0_db, 22);
    const BlindCorrelator corr;
    std::printf("Correlators: metric = |sum d(n) conj(ref)| / sum |d(n)| over the differential d(n) = x(n+1) "
                "conj(x(n)); threshold = off-frame mean + 6 sigma\n");
    std::printf("%-10s %-10s %8s %9s %9s %9s %11s %9s %11s %12s\n", "carrier", "metric", "PAR", "at SOF",
                "floor", "sigma", "detected", "false al.", "folded@L", "folded@P*L");
    Detection dets[2][2];
    for (int c = 0; c < 2; ++c) {
        const Stream& s = c ? sp : sc;
        std::vector<float> m1, m2;
        corr.run(c ? xp : xc, m1, m2);
        for (int k = 0; k < 2; ++k) {
            const Detection d = detect(k ? m2 : m1, s.start, L);
            dets[c][k] = d;
            std::printf("%-10s %-10s %8.2f %9.3f %9.3f %9.3f %5zu/%-5zu %9zu %11.2f %12.2f\n",
                        c ? "protected" : "civil", k ? "SOF+PLSC" : "SOF", d.par, d.at_frames, d.floor_mean,
                        d.floor_std, d.detected, d.frames, d.false_alarms, d.folded_par, d.folded_par_p);
        }
    }
    check(dets[0][1].detected * 10 >= dets[0][1].frames * 9, "observer (b): the blind detector finds the civil frames");
    check(dets[1][1].detected * 10 <= dets[1][1].frames, "observer (b): the blind detector finds no protected frame");
    check(dets[0][1].folded_par > 2.0 * dets[1][1].folded_par,
          "observer (b): the folded correlation peaks on the civil carrier, not on the protected one");

    // Autocorrelation at the frame period and at P frames, and a blind lag scan.
    const size_t pl = L * analysis_period();
    std::printf("\nAutocorrelation |sum x(n) conj(x(n+lag))| / (count * power) over the whole stream "
                "(noise floor ~ 1/sqrt(N) = %.4f; header + pilot share of a frame: %.4f)\n",
                1.0 / std::sqrt(static_cast<double>(xc.size())),
                static_cast<double>(L - static_cast<size_t>(f.data_symbols())) / static_cast<double>(L));
    std::printf("%-10s %10s %10s %10s %10s %12s\n", "carrier", "lag L", "lag L+37", "lag P*L", "lag 2L", "lag P*L+37");
    double r_l[2], r_pl[2];
    for (int c = 0; c < 2; ++c) {
        const cvec& x = c ? xp : xc;
        r_l[c] = autocorr(x, 0, x.size(), L);
        r_pl[c] = autocorr(x, 0, x.size(), pl);
        std::printf("%-10s %10.4f %10.4f %10.4f %10.4f %12.4f\n", c ? "protected" : "civil", r_l[c],
                    autocorr(x, 0, x.size(), L + 37), r_pl[c], autocorr(x, 0, x.size(), 2 * L),
                    autocorr(x, 0, x.size(), pl + 37));
    }
    std::printf("(L = %zu symbols, P = %llu: P*L = %zu%s)\n", L, static_cast<unsigned long long>(analysis_period()), pl,
                g_period ? "" : "; the keyed sequences never repeat, P = 4 is where a repeating carrier would show");
    const size_t hi = std::min<size_t>(xc.size() / 3, 2 * pl + 100);
    std::printf("\nBlind lag scan over lags 64..%zu (no knowledge of L or P): the strongest lags\n", hi);
    double strongest_over_median[2] = { 0, 0 };
    for (int c = 0; c < 2; ++c) {
        const LagScan s = scan_lags(c ? xp : xc, 64, hi, 4);
        if (!s.top.empty() && s.median > 0)
            strongest_over_median[c] = s.top.front().second / s.median;
        std::printf("%-10s median %.4f; top:", c ? "protected" : "civil", s.median);
        for (const auto& [lag, v] : s.top)
            std::printf("  lag %zu (%.2f L) = %.4f (%.0fx median)", lag, static_cast<double>(lag) / static_cast<double>(L),
                        v, v / s.median);
        std::printf("\n");
    }
    check(r_l[0] > 5.0 * r_l[1], "observer (b): lag-L autocorrelation shows the civil frame period, not the protected");
    check(strongest_over_median[0] > 10.0, "observer (b): the blind lag scan finds the civil frame period");
    if (g_period == kNonRepeatingPl) {
        // Nothing repeats: the autocorrelation at P*L stays within noise (4 / sqrt(N); a
        // carrier repeating every 4 frames gives ~the civil value, 40x that) and no lag
        // stands out of the scan more than noise does (10x its median; civil ~50x).
        const double floor = 1.0 / std::sqrt(static_cast<double>(xp.size()));
        check(r_pl[1] < 4.0 * floor && strongest_over_median[1] < 10.0,
              "observer (b): keyed sequences that never repeat show no frame period at any lag");
    }

    // Frame boundaries from the period alone (what a blind cyclic analysis could do with the
    // lag found above): z(n) = x(n) conj(x(n + lag)) summed coherently at each position
    // modulo the lag, magnitudes folded modulo L. What repeats: the 90 header symbols, the
    // pilot blocks and the constant start of the BBHEADER (and protect header) that follows;
    // the LDPC parity at a frame's end does not. The frame start is the strongest rising edge
    // over 90 symbols (repeating after, not before; a 36-symbol pilot block edges less).
    std::printf("\nFrame start from the repetition at the lag (strongest 90-symbol rising edge of |sum z|, "
                "folded modulo L; true start = 0 mod L)\n");
    for (int c = 0; c < 2; ++c) {
        const cvec& x = c ? xp : xc;
        const size_t lag = c ? pl : L;
        std::vector<std::complex<double>> prof(lag, 0.0);
        for (size_t n = 0; n + lag < x.size(); ++n)
            prof[n % lag] += std::complex<double>(x[n]) * std::conj(std::complex<double>(x[n + lag]));
        std::vector<double> mag(L, 0.0);
        for (size_t q = 0; q < lag; ++q)
            mag[q % L] += std::abs(prof[q]);
        double mean = 0;
        for (double v : mag)
            mean += v;
        mean /= static_cast<double>(L);
        size_t best = 0;
        double best_edge = -1e300;
        for (size_t p0 = 0; p0 < L; ++p0) {
            double edge = 0;
            for (size_t k = 0; k < kPlHeaderSymbols; ++k)
                edge += mag[(p0 + k) % L] - mag[(p0 + L - 1 - k) % L];
            if (edge > best_edge) {
                best_edge = edge;
                best = p0;
            }
        }
        const long err = static_cast<long>(best) > static_cast<long>(L / 2) ? static_cast<long>(best) - static_cast<long>(L)
                                                                            : static_cast<long>(best);
        std::printf("%-10s lag %zu: estimated frame start %zu mod L (error %+ld symbols); edge %.1f x the mean "
                    "magnitude per symbol\n",
                    c ? "protected" : "civil", lag, best, err, best_edge / kPlHeaderSymbols / mean);
    }
    if (g_period == kNonRepeatingPl)
        std::printf("Read: the keyed sequences never repeat (keyed_pl.h, period 0): no two frames share a SOF, "
                    "PLSC mask or scrambling, so no lag repeats and the fold finds no edge (the protected row's "
                    "start is noise).\n");
    else
        std::printf("Read: the keyed sequences repeat every P frames (keyed_pl.h): frames P apart share the "
                    "keyed SOF, PLSC mask and scrambling, so their header and pilot symbols repeat and lag P*L "
                    "shows the period P*L (frame boundaries and length, not the format or the traffic).\n");
}

// The window statistics of the two-sample tests.
const char* const kStatNames[] = { "mean power", "var |x|^2", "|R(1)|", "|R(2)|", "|R(L)|", "|R(P*L)|", "M4/M2^2" };
constexpr int kStats = 7;

std::vector<std::array<double, kStats>> window_stats(const cvec& x, size_t L)
{
    const size_t W = g_obs.window, pl = L * analysis_period();
    std::vector<std::array<double, kStats>> out;
    for (size_t b = 0; b + W + pl + 1 <= x.size(); b += W) {
        std::array<double, kStats> s{};
        double m2 = 0, m4 = 0;
        for (size_t n = b; n < b + W; ++n) {
            const double p = std::norm(x[n]);
            m2 += p;
            m4 += p * p;
        }
        m2 /= static_cast<double>(W);
        m4 /= static_cast<double>(W);
        s[0] = m2;
        s[1] = m4 - m2 * m2;
        s[2] = autocorr(x, b, b + W, 1);
        s[3] = autocorr(x, b, b + W, 2);
        s[4] = autocorr(x, b, b + W, L);
        s[5] = autocorr(x, b, b + W, pl);
        s[6] = m4 / (m2 * m2);
        out.push_back(s);
    }
    return out;
}

struct TestResult {
    double min_p = 1.0;
    std::string min_what;
};

// Prints the per-statistic tests of A against B and returns the smallest p.
TestResult two_sample(const char* label, const cvec& a, const cvec& b, size_t L)
{
    const auto wa = window_stats(a, L), wb = window_stats(b, L);
    std::printf("\n%s: %zu vs %zu windows of %zu symbols\n", label, wa.size(), wb.size(), g_obs.window);
    std::printf("%-12s %11s %11s %8s %10s %9s %10s\n", "statistic", "mean A", "mean B", "KS D", "KS p", "Welch t",
                "Welch p");
    TestResult tr;
    for (int k = 0; k < kStats; ++k) {
        std::vector<double> va, vb;
        for (const auto& s : wa)
            va.push_back(s[static_cast<size_t>(k)]);
        for (const auto& s : wb)
            vb.push_back(s[static_cast<size_t>(k)]);
        double ma = 0, mb = 0;
        for (double v : va)
            ma += v;
        for (double v : vb)
            mb += v;
        ma /= static_cast<double>(va.size());
        mb /= static_cast<double>(vb.size());
        const double d = ks_d(va, vb);
        const double pk = ks_p(d, va.size(), vb.size());
        const Welch w = welch(va, vb);
        std::printf("%-12s %11.5f %11.5f %8.3f %10.3g %9.2f %10.3g\n", kStatNames[k], ma, mb, d, pk, w.t, w.p);
        for (double p : { pk, w.p })
            if (p < tr.min_p) {
                tr.min_p = p;
                tr.min_what = kStatNames[k];
            }
    }
    // Symbol magnitudes, sample by sample (every 7th symbol, up to 40000 of each).
    std::vector<double> ma, mb;
    for (size_t n = 0; n < a.size() && ma.size() < 40000; n += 7)
        ma.push_back(std::abs(a[n]));
    for (size_t n = 0; n < b.size() && mb.size() < 40000; n += 7)
        mb.push_back(std::abs(b[n]));
    const double d = ks_d(ma, mb);
    const double pk = ks_p(d, ma.size(), mb.size());
    std::printf("%-12s %11s %11s %8.3f %10.3g   (KS over %zu vs %zu symbol magnitudes)\n", "|x| distr.", "", "", d, pk,
                ma.size(), mb.size());
    if (pk < tr.min_p) {
        tr.min_p = pk;
        tr.min_what = "|x| distr.";
    }
    const int m = 2 * kStats + 1;
    std::printf("smallest p %.3g (%s); Bonferroni threshold at 1 %% over %d tests: %.2g -> %s\n", tr.min_p,
                tr.min_what.c_str(), m, 0.01 / m, tr.min_p < 0.01 / m ? "DISTINGUISHABLE" : "not distinguishable");
    return tr;
}

void observer_c()
{
    const FrameFormat f = g_obs.format;
    const size_t L = static_cast<size_t>(f.plframe_symbols());
    const size_t target = g_obs.frames * L;
    std::printf("\n(c) Traffic load 0 %% vs 100 %%, %s, %zu symbols per carrier, symbol-synchronous at "
                "Es/N0 %.1f dB. A = no user data, B = fully loaded.\n",
                to_string(f).c_str(), target, g_obs.esn0_db);
    auto pair = [&](const char* label, Carrier c, uint64_t seed) {
        Tx t0(c, seed), t1(c, seed + 1);
        const Stream s0 = generate(t0, 0, target, [](size_t) { return false; });
        const Stream s1 = generate(t1, 0, target, every);
        return two_sample(label, observe(s0.symbols, g_obs.esn0_db, seed * 11),
                          observe(s1.symbols, g_obs.esn0_db, seed * 11 + 1), L);
    };
    Carrier civ;
    civ.format = f;
    civ.idle = IdlePolicy::Dummy;
    Carrier prot = civ;
    prot.keyed = true;
    prot.idle = IdlePolicy::SealedFill;
    Carrier tail = prot;
    tail.tail_fill = true;
    const TestResult rc = pair("civil: dummy PLFRAMEs (A) vs data (B)", civ, 30);
    const TestResult rp = pair("protected P, SealedFill (A) vs data (B)", prot, 40);
    pair("protected P, SealedFill with the unused data field randomised (bench-only TailFilledSealer)", tail, 50);
    check(rc.min_p < 1e-6, "observer (c): the tests tell the civil 0 % from 100 % load (their power)");
    // A leak shows as p ~ 1e-100 (COMSEC layout 1, below); chance alone goes below 1e-6
    // in one run of 15 tests with probability ~1.5e-5.
    check(rp.min_p > 1e-6, "observer (c): a protected carrier's 0 % and 100 % load look alike");
    std::printf("Read: since COMSEC layout 2 (frame_protection.h) every sealed frame fills its data field with "
                "ciphertext under a fresh nonce below a BBHEADER that is the same on every frame, so fill and "
                "data frames P apart are equally unrelated. Layout 1 left the DFL in the clear and the field "
                "after the ciphertext zero (BB-scrambled, the same in every fill frame): with the same keyed "
                "scrambling P frames later those symbols repeated, and lag P*L told fill from data at p ~ 1e-107. "
                "The TailFilledSealer row (random bytes after the seal, the remedy first measured) stays as a "
                "control.\n");
}

void observer_d()
{
    const FrameFormat f1 = fmt(Modulation::QPSK, CodeRate::R1_2, g_obs.format.frame, g_obs.format.pilots);
    const FrameFormat f2 = fmt(Modulation::QPSK, CodeRate::R3_4, g_obs.format.frame, g_obs.format.pilots);
    const size_t L = static_cast<size_t>(f1.plframe_symbols());
    const size_t target = g_obs.frames * L;
    std::printf("\n(d) ACM within QPSK: %s <-> %s (both %zu symbols) changing after 1-8 frames (A) vs fixed "
                "%s (B), fully loaded, %zu symbols per carrier\n",
                to_string(f1.modcod).c_str(), to_string(f2.modcod).c_str(), L, to_string(f1.modcod).c_str(), target);
    auto pair = [&](const char* label, Carrier c, uint64_t seed) {
        Tx ta(c, seed), tb(c, seed + 1);
        auto rng = std::make_shared<Rng>(seed);
        auto st = std::make_shared<std::pair<bool, int>>(false, 0);
        const Stream sa = generate(ta, 0, target, every, [=](size_t) {
            if (st->second <= 0) {
                st->first = !st->first;
                st->second = 1 + static_cast<int>(rng->uniform() * 8);
            }
            --st->second;
            return st->first ? f2 : f1;
        });
        const Stream sb = generate(tb, 0, target, every);
        size_t changes = 0;
        for (size_t k = 1; k < sa.info.size(); ++k)
            changes += !(sa.info[k].format == sa.info[k - 1].format);
        std::printf("(A: %zu format changes in %zu frames)", changes, sa.info.size());
        return two_sample(label, observe(sa.symbols, g_obs.esn0_db, seed * 13),
                          observe(sb.symbols, g_obs.esn0_db, seed * 13 + 1), L);
    };
    Carrier civ;
    civ.format = f1;
    civ.idle = IdlePolicy::Dummy;
    Carrier prot = civ;
    prot.keyed = true;
    prot.idle = IdlePolicy::SealedFill;
    pair("civil: ACM (A) vs fixed (B)", civ, 60);
    pair("protected P: ACM (A) vs fixed (B)", prot, 70);
    if (g_period == kNonRepeatingPl)
        std::printf("Read: with sequences that never repeat no two frames share a PLSC mask; a link that "
                    "changes format must use a period P >= 1 (the receiver cannot predict frames of changing "
                    "length), and then frames P apart share their mask: lag P*L sees changes, not which "
                    "formats (--period 4).\n");
    else
        std::printf("Read: frames P apart share the keyed PLSC mask, so a format change between them changes "
                    "their 64 PLSC symbols: lag P*L sees changes, not which formats.\n");
}

void part_observer()
{
    std::printf("\n=== Observer (keyed PL period P = %llu) ===\n", static_cast<unsigned long long>(g_period));
    observer_a();
    observer_b();
    observer_c();
    observer_d();
}

// ---------------------------------------------------------------------- sensitivity

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

// One link's transmitted and pulse-shaped signal, reused at every Es/N0 (only the noise
// changes).
struct LinkSignal {
    FrameFormat format;
    bool keyed = false;
    int counted = 0; // frames that count (two more follow so that the last one closes)
    cvec shaped;
};

LinkSignal make_link_signal(const FrameFormat& f, bool keyed, int frames, const Impair& im)
{
    Carrier c;
    c.format = f;
    c.keyed = keyed;
    c.workers = 2;
    Tx t(c, 9);
    LinkSignal s;
    s.format = f;
    s.keyed = keyed;
    s.counted = frames;
    s.shaped = shape(generate(t, static_cast<size_t>(frames) + 2, 0, every).symbols, im);
    return s;
}

struct FerPoint {
    double fer = 1.0;
    size_t expected = 0, failed = 0;
    long lock_frame = -1;
    bool early = false;
};

// FER after lock: from the first frame decoded + `skip` on, every transmitted frame up to the
// last counted one is expected; missing ones count as failed. A point clearly above the
// target (more than 25 % failed after 60 frames) is stopped early.
FerPoint fer_point(const LinkSignal& s, double esn0, uint64_t seed)
{
    const int skip = 3;
    Impair im;
    im.esn0_db = esn0;
    im.cfo = g_cfo;
    im.ppm = g_ppm;
    im.seed = seed;
    const cvec iq = impair(s.shaped, im);
    const double L = s.format.plframe_symbols();
    auto index = [&](const ReceiverFrameStats& fs) {
        return static_cast<long>(std::lround(static_cast<double>(fs.start_symbol) / L));
    };
    g_hint = { kFirstCounter, s.format.plframe_symbols() };
    const RxRun r = run_rx(rx_config(im, s.keyed, 2), iq.data(), iq.size(),
                           [](const std::vector<ReceiverFrameStats>& fr) {
                               if (fr.size() < 60)
                                   return false;
                               size_t bad = 0;
                               for (const auto& x : fr)
                                   bad += x.fec.status != FecFrameStatus::Ok;
                               return bad * 4 > fr.size();
                           });
    FerPoint p;
    p.early = r.stopped_early;
    long first = -1;
    for (const auto& fs : r.frames)
        if (fs.fec.status == FecFrameStatus::Ok) {
            first = index(fs);
            break;
        }
    if (first < 0) { // nothing decoded: the frames delivered (or sent) all failed
        p.expected = r.frames.empty() ? static_cast<size_t>(s.counted) : r.frames.size();
        p.failed = p.expected;
        return p;
    }
    p.lock_frame = first;
    if (p.early) {
        size_t bad = 0;
        for (const auto& x : r.frames)
            bad += x.fec.status != FecFrameStatus::Ok;
        p.expected = r.frames.size();
        p.failed = bad;
        p.fer = static_cast<double>(bad) / static_cast<double>(r.frames.size());
        return p;
    }
    const long lo = first + skip, hi = s.counted; // [lo, hi)
    std::vector<uint8_t> ok(static_cast<size_t>(std::max<long>(hi, 0)), 0);
    for (const auto& fs : r.frames) {
        const long k = index(fs);
        if (k >= lo && k < hi && fs.fec.status == FecFrameStatus::Ok)
            ok[static_cast<size_t>(k)] = 1;
    }
    p.expected = hi > lo ? static_cast<size_t>(hi - lo) : 0;
    size_t good = 0;
    for (long k = lo; k < hi; ++k)
        good += ok[static_cast<size_t>(k)];
    p.failed = p.expected - good;
    p.fer = p.expected ? static_cast<double>(p.failed) / static_cast<double>(p.expected) : 1.0;
    return p;
}

// Es/N0 where an ascending curve falls through `target` (log-linear interpolation; a FER of 0
// is put at half an error of the frames measured); NaN when it does not cross.
double crossing(const std::vector<std::pair<double, double>>& curve, double target, int frames)
{
    const double floor = 0.5 / frames;
    for (size_t k = 1; k < curve.size(); ++k) {
        const auto [x0, y0] = curve[k - 1];
        const auto [x1, y1] = curve[k];
        if (y0 >= target && y1 < target) {
            const double l0 = std::log10(std::max(y0, floor)), l1 = std::log10(std::max(y1, floor));
            const double lt = std::log10(target);
            return l0 == l1 ? x1 : x0 + (x1 - x0) * (l0 - lt) / (l0 - l1);
        }
    }
    return NAN;
}

struct SensPoint {
    FrameFormat f;
    double start; // sweep start, dB
};

std::string g_only;

std::vector<SensPoint> sensitivity_points()
{
    // Sweep starts: a little below the receiver's FER 1e-2 points of docs/receiver-performance.md
    // (QPSK 1/2 1.15, 8PSK 3/5 5.66, 16APSK 3/4 10.31 dB) and below Table 13 for QPSK 1/4.
    std::vector<SensPoint> all = { { fmt(Modulation::QPSK, CodeRate::R1_4), -2.7 },
                                   { fmt(Modulation::QPSK, CodeRate::R1_2), 0.8 },
                                   { fmt(Modulation::PSK8, CodeRate::R3_5), 5.3 },
                                   { fmt(Modulation::APSK16, CodeRate::R3_4), 10.0 } };
    std::vector<SensPoint> out;
    for (const SensPoint& p : all)
        if (g_only.empty() || to_string(p.f.modcod).find(g_only) != std::string::npos)
            out.push_back(p);
    return out;
}

// Spot points (--part all, --quick): each MODCOD at Table 13 + 0.5 dB, both links.
void sensitivity_spot(int frames)
{
    const auto qef = load_qef();
    std::printf("\n=== Sensitivity, spot points: FER after lock at Table 13 QEF + 0.5 dB, normal frames + pilots, "
                "2.37 sps, CFO %.1f %% Rs, SCO %.0f ppm, %d frames (the sweep: --part sensitivity) ===\n",
                100 * g_cfo, g_ppm, frames);
    std::printf("%-11s %7s | %-26s | %-26s\n", "MODCOD", "Es/N0", "civil FER (failed/frames)",
                "protected FER (failed/fr.)");
    for (const SensPoint& sp : sensitivity_points()) {
        const std::string name = to_string(sp.f.modcod);
        const double e = qef.at(name) + 0.5;
        Impair im;
        FerPoint r[2];
        for (int k = 0; k < 2; ++k)
            r[k] = fer_point(make_link_signal(sp.f, k == 1, frames, im), e, 5);
        std::printf("%-11s %7.2f | %8.4f (%3zu/%-3zu) lock %2ld | %8.4f (%3zu/%-3zu) lock %2ld\n", name.c_str(), e,
                    r[0].fer, r[0].failed, r[0].expected, r[0].lock_frame, r[1].fer, r[1].failed, r[1].expected,
                    r[1].lock_frame);
        std::fflush(stdout);
        // Lock within P + a few frames, then (nearly) every frame: else the link is broken.
        for (int k = 0; k < 2; ++k)
            check(r[k].lock_frame >= 0 && r[k].expected + g_period + 6 >= static_cast<size_t>(frames) &&
                      r[k].fer <= 0.2,
                  std::string("sensitivity: the ") + (k ? "protected" : "civil") + " link decodes " + name +
                      " at QEF + 0.5 dB");
    }
}

void sensitivity_sweep(int frames)
{
    std::printf("\n=== Sensitivity sweep: FER after lock vs Es/N0 in 0.1 dB steps, normal frames + pilots, 2.37 sps, "
                "CFO %.1f %% Rs, SCO %.0f ppm, up to %d frames per point (a point with > 25 %% failed after 60 "
                "frames is stopped there: '*'); protected = keyed PL (P = %llu) + AES-256-GCM ===\n",
                100 * g_cfo, g_ppm, frames, static_cast<unsigned long long>(g_period));
    std::vector<std::string> summary;
    for (const SensPoint& sp : sensitivity_points()) {
        const std::string name = to_string(sp.f.modcod);
        Impair im;
        const LinkSignal sig[2] = { make_link_signal(sp.f, false, frames, im), make_link_signal(sp.f, true, frames, im) };
        std::printf("%-11s %7s | %-22s | %-22s\n", "MODCOD", "Es/N0", "civil FER", "protected FER");
        double start = sp.start;
        std::vector<std::pair<double, double>> curve[2];
        for (int attempt = 0; attempt < 3; ++attempt) {
            curve[0].clear();
            curve[1].clear();
            int clean = 0;
            bool too_high = false;
            for (int step = 0; step < 25 && clean < 2; ++step) {
                const double e = start + 0.1 * step;
                FerPoint r[2];
                for (int k = 0; k < 2; ++k) {
                    r[k] = fer_point(sig[k], e, 5);
                    curve[k].push_back({ e, r[k].fer });
                }
                std::printf("%-11s %7.2f | %8.4f (%3zu/%-3zu)%s | %8.4f (%3zu/%-3zu)%s\n", name.c_str(), e, r[0].fer,
                            r[0].failed, r[0].expected, r[0].early ? "*" : " ", r[1].fer, r[1].failed,
                            r[1].expected, r[1].early ? "*" : " ");
                std::fflush(stdout);
                if (step == 0 && (r[0].fer < 1e-2 || r[1].fer < 1e-2)) {
                    too_high = true;
                    break;
                }
                clean = (r[0].fer < 1e-2 && r[1].fer < 1e-2) ? clean + 1 : 0;
            }
            if (!too_high)
                break;
            start -= 0.5;
            std::printf("%-11s below 1e-2 at the first point: again from %.2f dB\n", name.c_str(), start);
        }
        const double c0 = crossing(curve[0], 1e-2, frames), c1 = crossing(curve[1], 1e-2, frames);
        char line[200];
        std::snprintf(line, sizeof line, "%-11s civil %7.2f dB   protected %7.2f dB   difference %+5.2f dB  (target |d| <= 0.3)",
                      name.c_str(), c0, c1, c1 - c0);
        summary.push_back(line);
        std::printf("%s\n\n", line);
    }
    std::printf("Es/N0 at FER 1e-2:\n");
    for (const std::string& l : summary)
        std::printf("%s\n", l.c_str());
}

// ---------------------------------------------------------------------- acquisition

void part_acquisition(int seeds)
{
    const double esn0 = -1.85;
    const int frames = 14 + static_cast<int>(analysis_period());
    std::printf("\n=== Acquisition: QPSK 1/4 normal frames at %.2f dB, 2.37 sps, CFO %.1f %% Rs, SCO %.0f ppm; the "
                "receiver switched on at a random symbol of the first %llu frames (P, or 4 for sequences that never repeat); frames from the first "
                "complete frame received to the first decoded one (0 = that frame), %d seeds, %d frames each ===\n",
                esn0, 100 * g_cfo, g_ppm, static_cast<unsigned long long>(analysis_period()), seeds, frames);
    std::printf("%-8s %-10s %8s %6s %6s %6s  %s\n", "pilots", "link", "mean", "min", "max", "fails", "per seed");
    for (bool pilots : { true, false }) {
        const FrameFormat f = fmt(Modulation::QPSK, CodeRate::R1_4, FrameSize::Normal, pilots);
        const double L = f.plframe_symbols();
        Impair im;
        im.esn0_db = esn0;
        im.cfo = g_cfo;
        im.ppm = g_ppm;
        double mean[2] = { 0, 0 };
        for (int k = 0; k < 2; ++k) {
            Carrier c;
            c.format = f;
            c.keyed = k == 1;
            c.workers = 2;
            Tx t(c, 12);
            const cvec shaped = shape(generate(t, static_cast<size_t>(frames), 0, every).symbols, im);
            std::vector<long> v;
            int fails = 0;
            std::string per;
            for (int s = 1; s <= seeds; ++s) {
                Rng rng(1000 + static_cast<uint64_t>(s));
                const double off_sym = rng.uniform() * L * static_cast<double>(analysis_period());
                const size_t off = static_cast<size_t>(off_sym * im.sps);
                im.seed = static_cast<uint64_t>(s);
                const cvec iq = impair(cvec(shaped.begin() + static_cast<long>(off), shaped.end()), im);
                // Sequences that never repeat: the receiver switched on inside frame
                // floor(off / L) predicts that frame's counter at its first sample (as a
                // time base would), so the next frame start is predicted one low.
                g_hint = { kFirstCounter + static_cast<uint64_t>(off_sym / L), f.plframe_symbols() };
                const RxRun r = run_rx(rx_config(im, c.keyed, 2), iq.data(), iq.size());
                const long first_complete = static_cast<long>(std::ceil(off_sym / L - 1e-3));
                long got = -1;
                for (const auto& fs : r.frames)
                    if (fs.fec.status == FecFrameStatus::Ok) {
                        got = std::lround((static_cast<double>(fs.start_symbol) + off_sym) / L) - first_complete;
                        break;
                    }
                per += got < 0 ? " -" : " " + std::to_string(got);
                if (got < 0)
                    ++fails;
                else
                    v.push_back(got);
            }
            double m = 0;
            long mn = v.empty() ? -1 : *std::min_element(v.begin(), v.end());
            long mx = v.empty() ? -1 : *std::max_element(v.begin(), v.end());
            for (long x : v)
                m += static_cast<double>(x);
            m = v.empty() ? NAN : m / static_cast<double>(v.size());
            mean[k] = m;
            std::printf("%-8s %-10s %8.2f %6ld %6ld %6d  %s\n", pilots ? "on" : "off", k ? "protected" : "civil", m, mn,
                        mx, fails, per.c_str());
            std::fflush(stdout);
            check(fails * 2 <= seeds, std::string("acquisition: the ") + (k ? "protected" : "civil") +
                                          " link locks in most runs, pilots " + (pilots ? "on" : "off"));
        }
        std::printf("%-8s protected - civil: %+.2f frames (target: protected within 10 frames)\n", pilots ? "on" : "off",
                    mean[1] - mean[0]);
    }
}

// ----------------------------------------------------------------------- throughput

void part_throughput()
{
    const FrameFormat f = fmt(Modulation::QPSK, CodeRate::R1_2);
    const int frames = g_quick ? 6 : 120;
    const int repeats = g_quick ? 1 : 5;
    std::printf("\n=== Throughput, %s, %d frames, IQ at 2 sps, Es/N0 6 dB, CFO 2 %% Rs: protected (keyed PL "
                "P = %llu + AES-256-GCM open) vs civil receiver on the same signal apart from protection; best of %d "
                "runs, interleaved ===\n",
                to_string(f).c_str(), frames, static_cast<unsigned long long>(g_period), repeats);
    Impair im;
    im.sps = 2.0;
    im.esn0_db = 6.0;
    im.cfo = 0.02;
    im.seed = 3;
    g_hint = { kFirstCounter, f.plframe_symbols() };
    cvec iq[2];
    for (int k = 0; k < 2; ++k) {
        Carrier c;
        c.format = f;
        c.keyed = k == 1;
        c.workers = 2;
        Tx t(c, 8);
        iq[k] = impair(shape(generate(t, static_cast<size_t>(frames) + 2, 0, every).symbols, im), im);
    }
    struct Setup {
        const char* name;
        unsigned fec;
        bool fe_thread;
    };
    const Setup setups[] = { { "1 FEC thread, inline", 1, false }, { "2 FEC threads + front-end thread", 2, true } };
    std::printf("%-34s %-10s %12s %12s %10s\n", "setup", "receiver", "Msym/s wall", "Msym/s CPU", "frames ok");
    for (const Setup& su : setups) {
        double best_wall[2] = { 0, 0 }, best_cpu[2] = { 0, 0 };
        ReceiverStageSeconds best_stage[2];
        uint64_t ok[2] = { 0, 0 };
        const bool inline_setup = su.fec == 1 && !su.fe_thread;
        for (int rep = 0; rep < repeats; ++rep)
            for (int k = 0; k < 2; ++k) {
                ReceiverConfig rc = rx_config(im, k == 1, su.fec);
                rc.frontend_thread = su.fe_thread;
                rc.measure_stage_times = inline_setup;
                const double nsym = static_cast<double>(iq[k].size()) / im.sps;
                const double w0 = wall_now(), c0 = cpu_now();
                const RxRun r = run_rx(rc, iq[k].data(), iq[k].size());
                const double wall = wall_now() - w0, cpu = cpu_now() - c0;
                if (nsym / cpu / 1e6 > best_cpu[k])
                    best_stage[k] = r.status.stage_seconds;
                best_wall[k] = std::max(best_wall[k], nsym / wall / 1e6);
                best_cpu[k] = std::max(best_cpu[k], nsym / cpu / 1e6);
                ok[k] = r.status.frames_ok;
            }
        for (int k = 0; k < 2; ++k) {
            char cpu_txt[32] = "-";
            if (su.fec == 1 && !su.fe_thread)
                std::snprintf(cpu_txt, sizeof cpu_txt, "%.2f", best_cpu[k]);
            std::printf("%-34s %-10s %12.2f %12s %10llu\n", su.name, k ? "protected" : "civil", best_wall[k], cpu_txt,
                        static_cast<unsigned long long>(ok[k]));
        }
        std::printf("%-34s protected / civil: wall %.1f %%%s (target >= 80 %%)\n", su.name,
                    100.0 * best_wall[1] / best_wall[0],
                    su.fec == 1 && !su.fe_thread
                        ? (" , CPU " + std::to_string(static_cast<int>(std::lround(100.0 * best_cpu[1] / best_cpu[0]))) + " %").c_str()
                        : "");
        if (inline_setup)
            for (int k = 0; k < 2; ++k) {
                const double nsym = static_cast<double>(iq[k].size()) / im.sps;
                const ReceiverStageSeconds& st = best_stage[k];
                std::printf("%-34s %-10s stages, ns/symbol (fastest run): front end %.1f, sync + carrier + "
                            "deframe %.1f, FEC (+ open) %.1f\n",
                            "", k ? "protected" : "civil", st.frontend / nsym * 1e9, st.sync / nsym * 1e9,
                            st.fec / nsym * 1e9);
            }
        check(ok[0] + 3 >= static_cast<uint64_t>(frames) && ok[1] + 3 + g_period >= static_cast<uint64_t>(frames),
              std::string("throughput: both receivers decode the frames (") + su.name + ")");
    }

    // Transmitter: frames out per second, the same packets in.
    const double seconds = g_quick ? 0.2 : 1.0;
    std::printf("\nTransmitter, normal frames + pilots, fully loaded, best of %d x %.1f s, interleaved\n", repeats, seconds);
    std::printf("%-12s %-8s %-44s %10s %10s\n", "MODCOD", "workers", "tx", "frames/s", "Msym/s");
    for (const FrameFormat& tf : { f, fmt(Modulation::APSK16, CodeRate::R3_4) })
        for (int workers : { 1, 2 }) {
            double best[3] = { 0, 0, 0 };
            std::unique_ptr<Tx> tx[3];
            std::vector<cvec> ring[3];
            for (int k = 0; k < 3; ++k) {
                Carrier c;
                c.format = tf;
                c.keyed = k >= 1;
                c.cached = k == 2;
                c.workers = workers;
                tx[k] = std::make_unique<Tx>(c, 2);
                ring[k].assign(std::max<size_t>(1, tx[k]->tx().max_frames_in_flight()), cvec(kMaxPlframeSymbols));
            }
            for (int rep = 0; rep < repeats; ++rep)
                for (int k = 0; k < 3; ++k) {
                    Transmitter& t = tx[k]->tx();
                    size_t next = 0, done = 0;
                    PlFrameInfo info;
                    const double t0 = wall_now();
                    double el = 0;
                    while (el < seconds) {
                        for (int i = 0; i < 4; ++i) {
                            if (workers == 1) {
                                tx[k]->load();
                                t.next_plframe(ring[k][0].data(), info);
                            } else {
                                while (t.frames_in_flight() < t.max_frames_in_flight()) {
                                    tx[k]->load();
                                    cvec& buf = ring[k][next];
                                    next = (next + 1) % ring[k].size();
                                    t.start_plframe(buf.data(), buf.size());
                                }
                                t.finish_plframe(info);
                            }
                            ++done;
                        }
                        el = wall_now() - t0;
                    }
                    // Drain what is in flight (not counted).
                    while (t.frames_in_flight() > 0)
                        t.finish_plframe(info);
                    best[k] = std::max(best[k], static_cast<double>(done) / el);
                }
            const char* names[] = { "civil", "protected", "protected, P sequences cached (bench-only)" };
            for (int k = 0; k < 3; ++k)
                std::printf("%-12s %-8d %-44s %10.0f %10.2f\n", to_string(tf.modcod).c_str(), workers, names[k],
                            best[k], best[k] * tf.plframe_symbols() / 1e6);
            std::printf("%-12s %-8d protected / civil: %.1f %% (target >= 80 %%); with the cache %.1f %%\n",
                        to_string(tf.modcod).c_str(), workers, 100.0 * best[1] / best[0], 100.0 * best[2] / best[0]);
        }

    // Where the protected transmitter's extra time per frame goes: its keyed parts alone.
    std::printf("\nThe keyed parts alone, us per normal QPSK 1/2 + pilots frame (best of %d x %.1f s)\n", repeats,
                seconds / 2);
    {
        const auto keys = test_schedule();
        const KeyedPlSequences seq = make_keyed_pl(*keys, kEpoch, kLink, LinkDirection::Forward, g_period);
        const KeyedPlSequences seq1 = make_keyed_pl(*keys, kEpoch, kLink, LinkDirection::Forward, 1);
        GoldScrambling gold(0);
        const int len = f.plframe_symbols() - static_cast<int>(kPlHeaderSymbols);
        std::vector<uint8_t> scratch(PlScramblingSequence::kMaxLength);
        volatile uint8_t sink = 0;
        uint64_t counter = 0;
        auto us_per_call = [&](const std::function<void()>& fn) {
            double best = 1e30;
            for (int rep = 0; rep < repeats; ++rep) {
                size_t calls = 0;
                const double t0 = wall_now();
                double el = 0;
                while (el < seconds / 2) {
                    for (int i = 0; i < 8; ++i)
                        fn();
                    calls += 8;
                    el = wall_now() - t0;
                }
                best = std::min(best, 1e6 * el / static_cast<double>(calls));
            }
            return best;
        };
        const double t_gold = us_per_call([&] { sink = gold.fill(counter++, len, scratch.data())[100]; });
        const double t_keyed = us_per_call([&] { sink = seq.scrambling->fill(counter++, len, scratch.data())[100]; });
        const double t_keyed1 = us_per_call([&] { sink = seq1.scrambling->fill(counter++, len, scratch.data())[100]; });
        ScratchDir dir;
        FrameSealerConfig sc;
        sc.link_id = kLink;
        sc.nonce_state_path = dir.file("nonce");
        sc.clock = [] { return kNow; };
        FrameSealer sealer(keys, sc);
        const size_t field_bytes = static_cast<size_t>(f.code().kbch) / 8 - 10;
        std::vector<uint8_t> field(field_bytes, 0x5a);
        const double t_seal = us_per_call([&] {
            BbHeader h;
            h.dfl = static_cast<uint16_t>((field_bytes - kProtectOverheadBytes) * 8);
            sealer.apply(f, counter++, h, field.data(), field.size());
            sink = field[7];
        });
        (void)sink;
        std::printf("PL scrambling R(i) for %d symbols: Gold code (precomputed) %.2f, keyed P = %llu %.2f, "
                    "keyed P = 1 (precomputed) %.2f\n", len, t_gold, static_cast<unsigned long long>(g_period),
                    t_keyed, t_keyed1);
        std::printf("AES-256-GCM seal of a full data field (%zu bytes, nonce reservation included): %.2f\n",
                    field_bytes, t_seal);
    }
}

} // namespace

int main(int argc, char** argv)
{
    std::string part = "all";
    int frames = 300;
    int seeds = 10;
    bool frames_given = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--part")
            part = value();
        else if (a == "--quick")
            g_quick = true;
        else if (a == "--frames") {
            frames = std::atoi(value().c_str());
            frames_given = true;
        } else if (a == "--seeds")
            seeds = std::atoi(value().c_str());
        else if (a == "--obs-frames")
            g_obs.frames = static_cast<size_t>(std::atol(value().c_str()));
        else if (a == "--window")
            g_obs.window = static_cast<size_t>(std::atol(value().c_str()));
        else if (a == "--only")
            g_only = value();
        else if (a == "--period")
            g_period = static_cast<uint64_t>(std::atol(value().c_str()));
        else if (a == "--cfo")
            g_cfo = std::atof(value().c_str());
        else if (a == "--ppm")
            g_ppm = std::atof(value().c_str());
        else {
            std::fprintf(stderr,
                         "usage: %s [--part observer|sensitivity|acquisition|throughput|all] [--quick] [--frames N] "
                         "[--seeds N] [--obs-frames N] [--window W] [--only MODCOD] [--period P] [--cfo F] [--ppm P]\n",
                         argv[0]);
            return 2;
        }
    }
    if (g_quick) {
        if (!frames_given)
            frames = 16;
        seeds = std::min(seeds, 2);
        g_obs.frames = std::min<size_t>(g_obs.frames, 48);
    }
    if (frames < 4 || seeds < 1 || g_obs.frames < 8 || g_obs.window < 256 ||
        g_period > KeyedPlHeader::kMaxPeriod) {
        std::fprintf(stderr, "bad arguments\n");
        return 2;
    }
    std::printf("bench_protected: part %s%s, keyed PL period P = %llu, SIMD %s\n", part.c_str(),
                g_quick ? " (quick)" : "", static_cast<unsigned long long>(g_period),
                to_string(active_simd_level()).c_str());
    const bool all = part == "all";
    if (!all && part != "observer" && part != "sensitivity" && part != "acquisition" && part != "throughput") {
        std::fprintf(stderr, "unknown part %s\n", part.c_str());
        return 2;
    }
    try {
        if (all || part == "observer")
            part_observer();
        if (all)
            sensitivity_spot(std::min(frames, 100));
        if (part == "sensitivity") {
            if (g_quick)
                sensitivity_spot(frames);
            else
                sensitivity_sweep(frames);
        }
        if (all || part == "acquisition")
            part_acquisition(seeds);
        if (all || part == "throughput")
            part_throughput();
    } catch (const std::exception& e) {
        std::printf("\nERROR: %s\n", e.what());
        return 1;
    }
    if (g_failures) {
        std::printf("\n%d functional check(s) failed\n", g_failures);
        return 1;
    }
    std::printf("\nall functional checks passed\n");
    return 0;
}
