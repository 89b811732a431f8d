// SPDX-License-Identifier: GPL-3.0-or-later
// dualsat-acm-fade-bench: the ACM loop of issue 11 through the real modem chain, on a
// simulated clock.
//
//   AcmController --format--> Transmitter (TS, sequence-numbered packets) -> TxPulseShaper
//   -> [forward delay] -> ChannelEmulator (Es/N0 from the trace at the arrival time, CFO)
//   -> Receiver -> LinkReporter (per-frame Es/N0, lock, frame counts; one report per
//   interval) -> LinkReport wire bytes -> [return delay, report loss] -> AcmController
//
// Time is the transmitter's symbol clock: PLFRAME k starts at its first symbol's index /
// symbol rate. The format of a frame is the controller's decision at that instant, with
// every report that has arrived by then. A frame sent at t reaches the receiver at
// t + forward delay: the channel applies the trace's Es/N0 at that arrival time, and the
// receiver's measurements are time-stamped on the receiver's clock (arrival time). A report
// made at receiver time R arrives at the controller at R + return delay.
//
// The receiver runs on the same samples as a real one would (matched filter, timing, frame
// sync, carrier recovery, LDPC/BCH); its decoding takes no simulated time: a report made at
// receiver time R carries every frame that ended by R (the receiver is flushed before the
// report when its FEC pool still holds one). A measurement that still comes out later (a
// loop delay shorter than a frame) goes into the next report and is counted.
//
// What it prints (and writes to --csv, one row per PLFRAME, plotted by
// dualsat_acm_fade_plot.py into --png):
//   - goodput: TS packets received intact (checked byte for byte against their sequence
//     number) x 188 x 8 / duration;
//   - the ideal staircase: at each instant (1 ms steps) the best rung of the controller's
//     ladder whose threshold is at or below the true Es/N0, with no delay and no margin,
//     carrying (K_bch - 80) user bits per PLFRAME of its length (the same accounting as the
//     transmitted frames: TS, full data fields, same pilots);
//   - the best CCM: the most efficient rung available (true Es/N0 at or above its
//     threshold) >= 99.9 % of the time, its goodput = efficiency x availability;
//   - FER: all frames sent (a frame never detected counts as failed), and over the frames
//     whose true Es/N0 was at or above the lowest rung's threshold for the whole frame;
//   - outage: the longest run of frames sent while the channel was above the lowest rung's
//     threshold and none of them decoded (from the first such frame's start to the end of
//     the last);
//   - MODCOD changes, time per MODCOD, report loss, the controller's loop delay estimate.
#include "numbered_ts_packet.h"
#include "sibling_script.h"

#include <dualsat/acm/acm_controller.h>
#include <dualsat/acm/acm_thresholds.h>
#include <dualsat/acm/link_report.h>
#include <dualsat/acm/link_reporter.h>
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/channel/rain_fade.h>
#include <dualsat/core/error.h>
#include <dualsat/dsp/pulse_shaper.h>
#include <dualsat/modcod/modcod.h>
#include <dualsat/rx/receiver.h>
#include <dualsat/tx/transmitter.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace dualsat;
using cf = std::complex<float>;

constexpr size_t kTs = 188;
constexpr double kInf = std::numeric_limits<double>::infinity();

AcmConfig short_frames()
{
    AcmConfig c;
    c.frame = FrameSize::Short; // a frame every few tens of ms at a few hundred ksym/s
    return c;
}

struct Options {
    std::string trace = "rain";
    RainFadeConfig rain = RainFadeConfig::fast_bench();
    std::string ramp = "hold:5,to:0:3,hold:5,to:14:3,hold:5";
    double ramp_start_db = 14.0;
    std::string trace_csv;
    double duration_s = -1; // default: 600 s for rain, the trace's length otherwise
    double settle_s = 0;    // figures over [settle, duration): the start-up climb left out
    double symbol_rate = 250e3;
    double samples_per_symbol = 2.0;
    double rolloff = 0.2;
    double cfo = 1e-3; // cycles/symbol
    double forward_delay_s = 0.25, return_delay_s = 0.25;
    double report_interval_s = 0.25;
    double report_loss = 0.0, report_loss_from_s = 0.0, report_loss_all_from_s = kInf;
    double impl_loss_db = 0.5, short_loss_db = 0.3;
    std::string fer_thresholds; // dualsat-fer-sweep CSV instead of Table 13
    double fer_threshold_target = 1e-3;
    AcmConfig acm = short_frames();
    unsigned threads = 2;
    uint64_t seed = 1;
    std::string csv = "acm_fade.csv";
    std::string png;
    std::string qef_csv = DUALSAT_QEF_CSV;
    bool check = false;
    bool quiet = false;
};

void usage()
{
    std::printf(
        "usage: dualsat-acm-fade-bench [options]\n"
        "Trace:\n"
        "  --trace rain|ramp|csv   (default rain: the fast_bench preset of lib/channel/rain_fade.h)\n"
        "  --duration S            simulated seconds (default 600 for rain, else the trace's end)\n"
        "  --settle S              figures over [S, duration) only (default 0: the controller\n"
        "                          starts on the fallback rung and climbs one rung per hold)\n"
        "  --clear-sky DB --rain-m M --rain-sigma S --rain-probability P --rain-beta B\n"
        "  --time-compression K --max-fade-rate DB_PER_S (0: none) --scintillation DB\n"
        "                          rain synthesiser parameters (see rain_fade.h)\n"
        "  --ramp SPEC             e.g. 'hold:5,to:0:3,hold:5,to:14:3,hold:5' (default)\n"
        "  --ramp-start DB         level at t = 0 (default 14)\n"
        "  --trace-csv FILE        time_s,esn0_db\n"
        "Link:\n"
        "  --symbol-rate HZ        (default 250e3)\n"
        "  --frame normal|short    (default short)\n"
        "  --pilots always|never|apsk (default always)\n"
        "  --cfo C                 carrier offset, cycles/symbol (default 0.001)\n"
        "  --loop-delay S          round trip, split evenly (default 0.5: GEO)\n"
        "  --forward-delay S --return-delay S\n"
        "  --report-interval S     (default 0.25)\n"
        "  --report-loss P         drop each report with probability P ...\n"
        "  --report-loss-from S    ... from this time on (default 0)\n"
        "  --report-loss-all-from S  drop every report from this time on\n"
        "Controller (defaults: lib/acm/acm_controller.h):\n"
        "  --margin DB --hysteresis DB --hold S --no-prediction --no-outer-loop\n"
        "  --max-step-up N         rungs one step up may climb (1: one per hold)\n"
        "  --slope-window S        fade prediction's fit window (default 2)\n"
        "  --target-fer F --trim-min DB (outer loop's lowest trim) --min-modcod N\n"
        "  --max-modcod N --fallback-modcod N\n"
        "  --report-timeout S --max-report-loss F\n"
        "  --impl-loss DB          Table 13 + this (default 0.5)\n"
        "  --short-loss DB         short frames: + this more (default 0.3)\n"
        "  --fer-thresholds FILE   thresholds from a dualsat-fer-sweep CSV instead\n"
        "Run:\n"
        "  --threads N             receiver FEC threads (default 2)\n"
        "  --seed S                trace, noise and loss seed (default 1)\n"
        "  --csv FILE              per-frame timeline (default acm_fade.csv)\n"
        "  --png FILE              plot it (apps/dualsat_acm_fade_plot.py, needs matplotlib)\n"
        "  --check                 exit 3 unless the run is sane (smoke test)\n"
        "  --quiet                 no progress line\n");
}

double num(const std::string& opt, const std::string& v)
{
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(d))
        throw ConfigError(opt + ": '" + v + "' is not a number");
    return d;
}

bool parse_args(int argc, char** argv, Options& o)
{
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto need = [&]() -> std::string {
            if (i + 1 >= argc)
                throw ConfigError(a + " needs a value");
            return argv[++i];
        };
        auto d = [&]() { return num(a, need()); };
        auto whole = [&](double lo, double hi) {
            const double v = num(a, need());
            if (!(v >= lo && v <= hi) || v != std::floor(v))
                throw ConfigError(a + ": a whole number in " + std::to_string(int64_t(lo)) + " .. " +
                                  std::to_string(int64_t(hi)));
            return v;
        };
        if (a == "--trace") {
            o.trace = need();
            if (o.trace != "rain" && o.trace != "ramp" && o.trace != "csv")
                throw ConfigError("--trace: rain, ramp or csv");
        } else if (a == "--duration")
            o.duration_s = d();
        else if (a == "--settle")
            o.settle_s = d();
        else if (a == "--clear-sky")
            o.rain.clear_sky_esn0_db = d();
        else if (a == "--rain-m")
            o.rain.m = d();
        else if (a == "--rain-sigma")
            o.rain.sigma = d();
        else if (a == "--rain-probability")
            o.rain.rain_probability = d();
        else if (a == "--rain-beta")
            o.rain.beta_per_s = d();
        else if (a == "--time-compression")
            o.rain.time_compression = d();
        else if (a == "--max-fade-rate")
            o.rain.max_rate_db_per_s = d();
        else if (a == "--scintillation")
            o.rain.scintillation_std_db = d();
        else if (a == "--ramp")
            o.ramp = need();
        else if (a == "--ramp-start")
            o.ramp_start_db = d();
        else if (a == "--trace-csv")
            o.trace_csv = need();
        else if (a == "--symbol-rate")
            o.symbol_rate = d();
        else if (a == "--frame")
            o.acm.frame = parse_frame_size(need());
        else if (a == "--pilots") {
            const std::string v = need();
            o.acm.pilots = v == "always" ? PilotsPolicy::Always
                           : v == "never" ? PilotsPolicy::Never
                           : v == "apsk"  ? PilotsPolicy::ApskOnly
                                          : throw ConfigError("--pilots: always, never or apsk");
        } else if (a == "--cfo")
            o.cfo = d();
        else if (a == "--loop-delay") {
            const double v = d();
            o.forward_delay_s = o.return_delay_s = v / 2;
        } else if (a == "--forward-delay")
            o.forward_delay_s = d();
        else if (a == "--return-delay")
            o.return_delay_s = d();
        else if (a == "--report-interval")
            o.report_interval_s = d();
        else if (a == "--report-loss")
            o.report_loss = d();
        else if (a == "--report-loss-from")
            o.report_loss_from_s = d();
        else if (a == "--report-loss-all-from")
            o.report_loss_all_from_s = d();
        else if (a == "--margin")
            o.acm.margin_db = d();
        else if (a == "--hysteresis")
            o.acm.hysteresis_db = d();
        else if (a == "--hold")
            o.acm.step_up_hold_s = d();
        else if (a == "--max-step-up")
            o.acm.max_step_up_rungs = static_cast<int>(whole(1, 64));
        else if (a == "--no-prediction")
            o.acm.predict_fades = false;
        else if (a == "--no-outer-loop")
            o.acm.outer_loop = false;
        else if (a == "--slope-window")
            o.acm.slope_window_s = d();
        else if (a == "--trim-min")
            o.acm.trim_min_db = d();
        else if (a == "--target-fer")
            o.acm.target_fer = d();
        else if (a == "--min-modcod")
            o.acm.min_modcod = static_cast<int>(whole(0, 28));
        else if (a == "--max-modcod")
            o.acm.max_modcod = static_cast<int>(whole(0, 28));
        else if (a == "--fallback-modcod")
            o.acm.fallback_modcod = static_cast<int>(whole(0, 28));
        else if (a == "--report-timeout")
            o.acm.report_timeout_s = d();
        else if (a == "--max-report-loss")
            o.acm.max_report_loss = d();
        else if (a == "--impl-loss")
            o.impl_loss_db = d();
        else if (a == "--short-loss")
            o.short_loss_db = d();
        else if (a == "--fer-thresholds")
            o.fer_thresholds = need();
        else if (a == "--threads")
            o.threads = static_cast<unsigned>(whole(0, 16));
        else if (a == "--seed")
            o.seed = static_cast<uint64_t>(whole(0, 9007199254740992.0));
        else if (a == "--csv")
            o.csv = need();
        else if (a == "--png")
            o.png = need();
        else if (a == "--qef")
            o.qef_csv = need();
        else if (a == "--check")
            o.check = true;
        else if (a == "--quiet")
            o.quiet = true;
        else if (a == "-h" || a == "--help") {
            usage();
            return false;
        } else
            throw ConfigError("unknown option '" + a + "' (see --help)");
    }
    if (!(o.symbol_rate >= 1e3 && o.symbol_rate <= 1e8))
        throw ConfigError("--symbol-rate: 1e3 .. 1e8");
    if (!(o.forward_delay_s >= 0 && o.return_delay_s >= 0 && o.forward_delay_s <= 10 &&
          o.return_delay_s <= 10))
        throw ConfigError("delays: 0 .. 10 s each way");
    if (!(o.report_interval_s >= 0.01 && o.report_interval_s <= 60))
        throw ConfigError("--report-interval: 0.01 .. 60 s");
    if (!(o.report_loss >= 0 && o.report_loss <= 1))
        throw ConfigError("--report-loss: a probability");
    if (o.trace == "csv" && o.trace_csv.empty())
        throw ConfigError("--trace csv needs --trace-csv FILE");
    if (o.threads > 16)
        throw ConfigError("--threads: at most 16");
    o.rain.seed = o.seed;
    o.acm.report_interval_s = o.report_interval_s;
    return true;
}

using dualsat_bench::make_numbered_ts_packet;
using dualsat_bench::numbered_ts_packet_intact;

struct FrameRecord {
    uint64_t start = 0; // symbol index
    int symbols = 0;
    int modcod = 0;
    int ideal_modcod = 0;      // at the frame's arrival (start), zero delay
    double true_esn0 = 0;      // at arrival, frame start
    double true_min = 0;       // lowest over the frame
    double reported_esn0 = kNan(); // controller's latest accepted report at decision time
    double predicted_esn0 = kNan();
    double margin_db = 0;
    int user_bits = 0;         // DFL of the frame
    uint32_t first_packet = 0; // number of the first TS packet starting in it (or later)
    uint32_t packets = 0;      // TS packets starting in it
    bool detected = false;
    bool decoded = false;
    float est_esn0 = std::numeric_limits<float>::quiet_NaN();
    uint8_t reason = 0;
    static double kNan() { return std::numeric_limits<double>::quiet_NaN(); }
};

std::string plot_script(const char* argv0)
{
    return sibling_script(argv0, "dualsat-acm-fade-plot", DUALSAT_ACM_FADE_PLOT_SCRIPT);
}

int64_t to_ns(double s) { return static_cast<int64_t>(std::llround(s * 1e9)); }

// Ladder rung index of the best rung whose threshold is <= esn0 (-1 if none).
int best_rung(const std::vector<AcmRung>& ladder, double esn0)
{
    int best = -1;
    for (size_t i = 0; i < ladder.size(); ++i)
        if (ladder[i].threshold_db <= esn0)
            best = static_cast<int>(i);
    return best;
}

double user_efficiency(const AcmRung& r)
{
    return double(r.format.code().kbch - 80) / double(r.format.plframe_symbols());
}

struct PendingReport {
    int64_t arrival_ns;
    std::vector<uint8_t> bytes;
};

int run(const Options& o, const char* argv0)
{
    // ---- trace ----
    Esn0Trace trace = o.trace == "rain"
                          ? rain_fade_trace(o.rain, o.duration_s > 0 ? o.duration_s + o.forward_delay_s + 2
                                                                     : 600.0 + o.forward_delay_s + 2)
                      : o.trace == "ramp" ? ramp_trace(o.ramp_start_db, o.ramp)
                                          : esn0_csv_file(o.trace_csv);
    const double duration = o.duration_s > 0 ? o.duration_s
                            : o.trace == "rain" ? 600.0
                                                : trace.end_s() - o.forward_delay_s;
    if (!(duration > 1.0))
        throw ConfigError("the run must last more than 1 s (--duration, or a trace longer than "
                          "the forward delay + 1 s)");
    if (!(o.settle_s >= 0.0 && o.settle_s < duration - 1.0))
        throw ConfigError("--settle must leave at least 1 s of the run");

    // ---- thresholds, controller ----
    const AcmThresholds thresholds =
        o.fer_thresholds.empty()
            ? AcmThresholds::from_qef_csv_file(o.qef_csv, o.impl_loss_db, o.short_loss_db)
            : AcmThresholds::from_fer_sweep_csv_file(o.fer_thresholds, o.fer_threshold_target,
                                                     o.impl_loss_db);
    AcmController ctl(o.acm, thresholds);
    const auto& ladder = ctl.ladder();
    const double lowest_threshold = ladder.front().threshold_db;

    // ---- chain ----
    TransmitterConfig tc;
    tc.ccm = false;
    tc.idle = IdlePolicy::Wait;
    tc.workers = 1;
    tc.format = ladder.front().format;
    Transmitter tx(tc);

    const double fs = o.symbol_rate * o.samples_per_symbol;
    TxPulseShaper shaper = TxPulseShaper::for_rates(o.rolloff, 16, o.symbol_rate, fs);
    // Es of the shaped signal (the channel's noise reference): unit-energy QPSK symbols
    // through a separate shaper of the same design.
    double symbol_energy = 1.0;
    {
        TxPulseShaper probe = TxPulseShaper::for_rates(o.rolloff, 16, o.symbol_rate, fs);
        Rng r(12345);
        std::vector<cf> sym(20000);
        for (auto& s : sym)
            s = cf(r.uniform() < 0.5 ? -0.70710678f : 0.70710678f,
                   r.uniform() < 0.5 ? -0.70710678f : 0.70710678f);
        const auto y = probe.process(sym);
        double p = 0;
        for (size_t k = 1000; k + 1000 < y.size(); ++k)
            p += std::norm(y[k]);
        symbol_energy = p / double(y.size() - 2000) * probe.output_sps();
    }
    ChannelConfig cc;
    cc.sample_rate_hz = fs;
    cc.samples_per_symbol = shaper.output_sps();
    cc.symbol_energy = symbol_energy;
    cc.esn0_db = trace.at(o.forward_delay_s);
    cc.frequency_offset_hz = o.cfo * o.symbol_rate;
    cc.initial_phase_rad = 0.3;
    cc.seed = o.seed * 7919 + 1;
    ChannelEmulator channel(cc);

    ReceiverConfig rc;
    rc.symbol_rate = o.symbol_rate;
    rc.sample_rate = fs;
    rc.rolloff = o.rolloff;
    rc.fec_threads = o.threads;
    Receiver rx(rc);

    LinkReporterConfig lrc;
    lrc.interval_s = o.report_interval_s;
    LinkReporter reporter(lrc);
    Rng loss_rng(o.seed * 104729 + 3);

    // ---- state ----
    std::vector<FrameRecord> frames;
    frames.reserve(static_cast<size_t>(duration * o.symbol_rate / 3000) + 16);
    std::deque<PendingReport> in_flight; // reports travelling back, in arrival order
    std::deque<LinkObservation> observations; // measured, not yet reported, time order
    std::vector<cf> plframe(Transmitter::kMaxFrameSymbols);
    std::vector<cf> shaped, faded;
    ReceiverOutput out;
    uint32_t next_packet = 0, packets_started = 0;
    std::vector<uint32_t> intact_packets; // numbers of the packets received intact
    uint64_t sym_index = 0, samples_fed = 0;
    uint64_t packets_bad = 0, unmatched = 0, late_observations = 0, reports_made = 0, reports_dropped = 0;
    double next_report_s = o.forward_delay_s + o.report_interval_s; // receiver clock
    int max_frame_symbols = 0;
    for (const auto& r : ladder)
        max_frame_symbols = std::max(max_frame_symbols, r.format.plframe_symbols());
    double latest_output_end_s = -1; // receiver clock: end of the latest frame it gave out
    // Report-loss scenario bookkeeping.
    bool loss_began = false;
    double loss_began_s = kInf, fallback_after_all_lost_s = kInf;
    int rung_at_loss = -1, max_rung_after_loss = -1;
    uint64_t step_ups_at_loss = 0;
    auto rung_of = [&](int modcod) {
        for (size_t i = 0; i < ladder.size(); ++i)
            if (ladder[i].modcod_number == modcod)
                return static_cast<int>(i);
        return -1;
    };

    // Receiver frames to transmitted ones. The receiver's symbol index is the transmitter's
    // plus an offset: the filters' delay (a few symbols) and, after a loss of lock in a deep
    // fade, the symbols its timing loop gained or lost meanwhile. A decoded frame whose
    // last TS packet started in it names its frame exactly (the packets carry their
    // numbers) and sets the offset; the others are matched by their start less the offset.
    int64_t rx_offset = 0;
    auto frame_of_start = [&](int64_t tx_start) -> FrameRecord* {
        if (tx_start < 0)
            return nullptr;
        const uint64_t s0 = static_cast<uint64_t>(tx_start);
        auto it = std::lower_bound(frames.begin(), frames.end(), s0,
                                   [](const FrameRecord& f, uint64_t s) { return f.start < s; });
        FrameRecord* best = nullptr;
        uint64_t best_d = ~0ull;
        for (auto c : { it, it == frames.begin() ? it : it - 1 }) {
            if (c == frames.end())
                continue;
            const uint64_t dd = c->start > s0 ? c->start - s0 : s0 - c->start;
            if (dd < best_d) {
                best_d = dd;
                best = &*c;
            }
        }
        return best && best_d < 200 ? best : nullptr;
    };
    auto frame_of_packet = [&](uint32_t k) -> FrameRecord* {
        auto it = std::upper_bound(frames.begin(), frames.end(), k,
                                   [](uint32_t v, const FrameRecord& f) { return v < f.first_packet; });
        if (it == frames.begin())
            return nullptr;
        --it;
        return k < it->first_packet + it->packets ? &*it : nullptr;
    };

    auto absorb_output = [&]() {
        size_t ts_pos = 0; // this frame's packets in out.data.ts
        for (const auto& f : out.frames) {
            FrameRecord* rec = nullptr;
            const size_t n_pk = f.fec.packets_out;
            if (f.fec.status == FecFrameStatus::Ok && n_pk >= 2 &&
                ts_pos + n_pk * kTs <= out.data.ts.size()) {
                // Its last packet started in it (the first may have started in the frame
                // before).
                const uint8_t* last = out.data.ts.data() + ts_pos + (n_pk - 1) * kTs;
                if (numbered_ts_packet_intact(last)) {
                    uint32_t k;
                    std::memcpy(&k, last + 4, 4);
                    rec = frame_of_packet(k);
                    if (rec)
                        rx_offset = static_cast<int64_t>(f.start_symbol) - static_cast<int64_t>(rec->start);
                }
            }
            ts_pos += n_pk * kTs;
            if (!rec)
                rec = frame_of_start(static_cast<int64_t>(f.start_symbol) - rx_offset);
            const double tx_start_s =
                double(static_cast<int64_t>(f.start_symbol) - rx_offset) / o.symbol_rate;
            const FrameFormat& fmt = f.fec.format;
            LinkObservation ob;
            // Measured when the frame has been received: its end, on the receiver's clock.
            ob.time_ns = to_ns(tx_start_s + double(fmt.plframe_symbols()) / o.symbol_rate +
                               o.forward_delay_s);
            ob.decoded = f.fec.status == FecFrameStatus::Ok;
            ob.esn0_db = f.esn0_db;
            ob.esn0_var_db2 = f.esn0_var_db2;
            ob.format = fmt;
            observations.push_back(ob);
            latest_output_end_s = std::max(latest_output_end_s, ob.time_ns / 1e9);
            if (!rec || rec->modcod != modcod_number(fmt.modcod)) {
                ++unmatched;
                continue;
            }
            rec->detected = true;
            rec->decoded = rec->decoded || ob.decoded;
            rec->est_esn0 = f.esn0_db;
        }
        for (const auto& d : out.dummy_frames) {
            LinkObservation ob;
            ob.time_ns = to_ns(double(static_cast<int64_t>(d.start_symbol) - rx_offset) /
                                   o.symbol_rate + o.forward_delay_s);
            ob.dummy = true;
            ob.esn0_db = d.esn0_db;
            ob.esn0_var_db2 = d.esn0_var_db2;
            observations.push_back(ob);
        }
        for (size_t k = 0; k + kTs <= out.data.ts.size(); k += kTs) {
            if (numbered_ts_packet_intact(out.data.ts.data() + k)) {
                uint32_t num;
                std::memcpy(&num, out.data.ts.data() + k + 4, 4);
                intact_packets.push_back(num);
            } else
                ++packets_bad;
        }
        out.clear();
    };

    // Reports that must have arrived by tx_now_s (made at R, arriving at R + return
    // delay). The receiver is flushed first if it has not given out the frames up to R yet
    // (its FEC pool may hold a few): a real receiver decodes in real time, the simulation
    // must not let its pipeline depth delay the reports.
    auto make_reports = [&](double tx_now_s) {
        while (next_report_s + o.return_delay_s <= tx_now_s) {
            if (latest_output_end_s < next_report_s && rx.frames_in_flight() > 0) {
                rx.flush(out);
                absorb_output();
            }
            const int64_t r_ns = to_ns(next_report_s);
            while (!observations.empty() && observations.front().time_ns <= r_ns) {
                reporter.on_frame(observations.front());
                observations.pop_front();
            }
            reporter.set_locked(rx.status().locked);
            const LinkReport rep = reporter.next(r_ns);
            ++reports_made;
            const double arrival_s = next_report_s + o.return_delay_s;
            const bool all_lost = next_report_s >= o.report_loss_all_from_s;
            const bool random_lost = next_report_s >= o.report_loss_from_s && o.report_loss > 0 &&
                                     loss_rng.uniform() < o.report_loss;
            if (all_lost || random_lost) {
                ++reports_dropped;
                if (!loss_began) {
                    loss_began = true;
                    loss_began_s = arrival_s;
                }
            } else {
                in_flight.push_back({ to_ns(arrival_s), rep.encode() });
            }
            next_report_s += o.report_interval_s;
        }
        // Measurements the receiver gave out after their report was made (it did not have
        // the samples yet: a loop delay shorter than a frame) go into the next report.
        const int64_t made_ns = to_ns(next_report_s - o.report_interval_s);
        for (auto& ob : observations)
            if (ob.time_ns <= made_ns) {
                ++late_observations;
                ob.time_ns = made_ns + 1;
            }
    };

    const auto wall0 = std::chrono::steady_clock::now();
    auto last_progress = wall0;
    const double tail_s = 0.5; // frames after `duration`, not counted
    const double last_tx_s = duration + tail_s;
    constexpr size_t kBlock = 256; // samples per Es/N0 update
    uint8_t pkt[kTs];

    for (;;) {
        const double t_tx = double(sym_index) / o.symbol_rate;
        if (t_tx >= last_tx_s)
            break;
        const int64_t now_ns = to_ns(t_tx);
        make_reports(t_tx);
        while (!in_flight.empty() && in_flight.front().arrival_ns <= now_ns) {
            LinkReport r;
            const auto& b = in_flight.front().bytes;
            if (LinkReport::parse(b.data(), b.size(), r) != LinkReportStatus::Ok)
                throw Error("a report did not survive its own wire format");
            ctl.on_report(r, in_flight.front().arrival_ns);
            in_flight.pop_front();
        }
        const AcmDecision& d = ctl.decide(now_ns);
        if (loss_began && t_tx >= loss_began_s) {
            const int rung = rung_of(modcod_number(d.format.modcod));
            if (rung_at_loss < 0) {
                rung_at_loss = rung;
                step_ups_at_loss = ctl.state().step_ups;
            }
            max_rung_after_loss = std::max(max_rung_after_loss, rung);
            if (d.reason == AcmReason::ReportTimeout && t_tx >= o.report_loss_all_from_s &&
                fallback_after_all_lost_s == kInf)
                fallback_after_all_lost_s = t_tx;
        }
        tx.set_next_format(d.format);
        while (!tx.data_ready()) {
            make_numbered_ts_packet(next_packet++, pkt);
            if (tx.push_ts(pkt, kTs) != kTs)
                throw Error("transmitter queue full with no frame ready");
        }
        PlFrameInfo info;
        const size_t n = tx.next_plframe(plframe.data(), info);
        if (n == 0 || info.dummy)
            throw Error("transmitter gave no data frame");

        FrameRecord rec;
        rec.start = sym_index;
        rec.symbols = static_cast<int>(n);
        rec.modcod = modcod_number(info.format.modcod);
        const double arrive_s = t_tx + o.forward_delay_s;
        const double end_s = arrive_s + double(n) / o.symbol_rate;
        rec.true_esn0 = trace.at(arrive_s);
        rec.true_min = std::min({ rec.true_esn0, trace.at(end_s), trace.at(0.5 * (arrive_s + end_s)) });
        const int ideal = best_rung(ladder, rec.true_esn0);
        rec.ideal_modcod = ideal < 0 ? 0 : ladder[static_cast<size_t>(ideal)].modcod_number;
        const AcmState& st = ctl.state();
        if (st.have_esn0) {
            rec.reported_esn0 = st.reported_esn0_db;
            rec.predicted_esn0 = st.predicted_esn0_db;
        }
        rec.margin_db = st.margin_db;
        rec.user_bits = static_cast<int>(info.dfl);
        rec.first_packet = packets_started;
        rec.packets = static_cast<uint32_t>(info.packets);
        packets_started += rec.packets;
        rec.reason = static_cast<uint8_t>(d.reason);
        frames.push_back(rec);
        sym_index += n;

        // Shape, fade (Es/N0 at each block's arrival), receive.
        shaped = shaper.process(std::vector<cf>(plframe.begin(), plframe.begin() + long(n)));
        faded.resize(channel.max_output(shaped.size()));
        size_t produced = 0;
        for (size_t k = 0; k < shaped.size(); k += kBlock) {
            const size_t m = std::min(kBlock, shaped.size() - k);
            channel.set_esn0_db(trace.at(double(samples_fed + k) / fs + o.forward_delay_s));
            produced += channel.process(shaped.data() + k, m, faded.data() + produced);
        }
        samples_fed += shaped.size();
        rx.process(faded.data(), produced, out);
        absorb_output();

        if (!o.quiet) {
            const auto now = std::chrono::steady_clock::now();
            if (std::chrono::duration<double>(now - last_progress).count() > 1.0) {
                last_progress = now;
                std::fprintf(stderr, "\r  t %7.1f / %.0f s  %-14s  true %6.2f dB  %6.1f s wall   ",
                             t_tx, duration, to_string(info.format.modcod).c_str(), rec.true_esn0,
                             std::chrono::duration<double>(now - wall0).count());
                std::fflush(stderr);
            }
        }
    }
    rx.flush(out);
    absorb_output();
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    if (!o.quiet)
        std::fprintf(stderr, "\r%100s\r", "");

    // ---- figures over frames sent in [0, duration) ----
    // Frames [first_counted, counted) were sent in [settle, duration).
    size_t first_counted = 0, counted = 0;
    while (first_counted < frames.size() &&
           double(frames[first_counted].start) / o.symbol_rate < o.settle_s)
        ++first_counted;
    counted = first_counted;
    while (counted < frames.size() && double(frames[counted].start) / o.symbol_rate < duration)
        ++counted;
    const double span_s = counted > first_counted
                              ? double(frames[counted - 1].start + uint64_t(frames[counted - 1].symbols) -
                                       frames[first_counted].start) / o.symbol_rate
                              : 1.0;
    // Goodput: intact packets that started in the counted frames.
    const uint32_t pk_lo = counted > first_counted ? frames[first_counted].first_packet : 0;
    const uint32_t pk_hi = counted > first_counted
                               ? frames[counted - 1].first_packet + frames[counted - 1].packets
                               : 0;
    uint64_t packets_ok = 0;
    for (uint32_t k : intact_packets)
        packets_ok += k >= pk_lo && k < pk_hi;
    uint64_t sent = 0, ok = 0, in_range = 0, in_range_ok = 0, detected = 0;
    double user_bits_ok = 0;
    double longest_outage_s = 0, run_start = -1, longest_at = 0;
    std::map<int, double> seconds_per_modcod;
    int changes = 0;
    for (size_t i = first_counted; i < counted; ++i) {
        const auto& f = frames[i];
        const double t0 = double(f.start) / o.symbol_rate, dt = double(f.symbols) / o.symbol_rate;
        ++sent;
        ok += f.decoded;
        detected += f.detected;
        if (f.decoded)
            user_bits_ok += f.user_bits;
        seconds_per_modcod[f.modcod] += dt;
        if (i > first_counted && f.modcod != frames[i - 1].modcod)
            ++changes;
        const bool above = f.true_min >= lowest_threshold;
        if (above) {
            ++in_range;
            in_range_ok += f.decoded;
        }
        if (above && !f.decoded) {
            if (run_start < 0)
                run_start = t0;
            if (t0 + dt - run_start > longest_outage_s) {
                longest_outage_s = t0 + dt - run_start;
                longest_at = run_start;
            }
        } else {
            run_start = -1;
        }
    }
    // Ideal staircase and CCM over the channel time the counted frames saw.
    const double step = 1e-3;
    double ideal_bits_per_sym = 0;
    std::vector<double> available(ladder.size(), 0.0);
    size_t steps = 0;
    const double t_first = counted > first_counted ? double(frames[first_counted].start) / o.symbol_rate : 0.0;
    for (double t = t_first; t < t_first + span_s; t += step, ++steps) {
        const double e = trace.at(t + o.forward_delay_s);
        const int b = best_rung(ladder, e);
        if (b >= 0)
            ideal_bits_per_sym += user_efficiency(ladder[static_cast<size_t>(b)]);
        for (size_t r = 0; r < ladder.size(); ++r)
            if (e >= ladder[r].threshold_db)
                available[r] += 1.0;
    }
    const double ideal_goodput = ideal_bits_per_sym / double(steps) * o.symbol_rate;
    int ccm = -1;
    for (size_t r = 0; r < ladder.size(); ++r)
        if (available[r] / double(steps) >= 0.999)
            ccm = static_cast<int>(r);
    const size_t ccm_rung = ccm < 0 ? 0 : static_cast<size_t>(ccm);
    const double ccm_avail = available[ccm_rung] / double(steps);
    const double ccm_goodput = user_efficiency(ladder[ccm_rung]) * ccm_avail * o.symbol_rate;
    const double goodput = double(packets_ok) * kTs * 8 / span_s;
    const double frame_goodput = user_bits_ok / span_s;
    const double fer_all = sent ? double(sent - ok) / double(sent) : 0.0;
    const double fer_range = in_range ? double(in_range - in_range_ok) / double(in_range) : 0.0;
    const AcmState& st = ctl.state();

    // ---- print ----
    std::printf("ACM fade bench: trace %s, %.1f s simulated (figures over %.1f .. %.1f s), %.0f ksym/s, %s frames, pilots %s, "
                "delay %.0f + %.0f ms, reports every %.0f ms",
                o.trace.c_str(), duration, t_first, t_first + span_s, o.symbol_rate / 1e3, to_string(o.acm.frame).c_str(),
                o.acm.pilots == PilotsPolicy::Always  ? "always"
                : o.acm.pilots == PilotsPolicy::Never ? "never"
                                                       : "APSK only",
                o.forward_delay_s * 1e3, o.return_delay_s * 1e3, o.report_interval_s * 1e3);
    if (o.report_loss > 0)
        std::printf(", %.0f %% lost from %.1f s", o.report_loss * 100, o.report_loss_from_s);
    if (o.report_loss_all_from_s < kInf)
        std::printf(", all lost from %.1f s", o.report_loss_all_from_s);
    std::printf("\n");
    std::printf("trace: Es/N0 %.2f .. %.2f dB, max rate %.2f dB/s", trace.min_db(), trace.max_db(),
                trace.max_rate_db_per_s());
    if (o.trace == "rain") {
        const auto s = synthesise_rain_fade(o.rain, duration + o.forward_delay_s + 2);
        size_t wet = 0;
        for (double a : s.rain_db)
            wet += a > 0.0;
        std::printf(", raining %.0f %% of the time, rate limit hit on %zu of %zu samples", 100.0 *
                    double(wet) / double(s.rain_db.size()), s.rate_limited_samples, s.rain_db.size());
    }
    std::printf("\ncontroller: margin %.2f dB (+ trim now %.2f), hysteresis %.2f dB, hold %.2f s, "
                "prediction %s, outer loop %s; ladder %zu rungs, lowest %s at %.2f dB\n",
                o.acm.margin_db, st.trim_db, o.acm.hysteresis_db, o.acm.step_up_hold_s,
                o.acm.predict_fades ? "on" : "off", o.acm.outer_loop ? "on" : "off", ladder.size(),
                to_string(ladder.front().format.modcod).c_str(), lowest_threshold);
    std::printf("goodput ACM          %9.1f kb/s  (intact TS packets; decoded frames' data fields "
                "%.1f kb/s)\n",
                goodput / 1e3, frame_goodput / 1e3);
    std::printf("goodput ideal        %9.1f kb/s  ACM / ideal %.1f %%\n", ideal_goodput / 1e3,
                100.0 * goodput / ideal_goodput);
    std::printf("goodput best CCM     %9.1f kb/s  %s, available %.3f %% of the time; ACM / CCM "
                "%.2f (gain %.2f dB)%s\n",
                ccm_goodput / 1e3, to_string(ladder[ccm_rung].format.modcod).c_str(), 100.0 * ccm_avail,
                goodput / ccm_goodput, 10.0 * std::log10(goodput / ccm_goodput),
                ccm < 0 ? " (no rung reaches 99.9 %: the lowest)" : "");
    std::printf("frames sent %llu, decoded %llu, detected %llu; FER all %.2e, FER above the lowest "
                "threshold %.2e (%llu of %llu failed",
                (unsigned long long)sent, (unsigned long long)ok, (unsigned long long)detected,
                fer_all, fer_range, (unsigned long long)(in_range - in_range_ok),
                (unsigned long long)in_range);
    if (in_range > 0 && in_range == in_range_ok)
        std::printf("; no error: FER < %.1e at 95 %%", 3.0 / double(in_range)); // zero events
    std::printf(")\n");
    std::printf("TS packets intact %llu, corrupt %llu; frames unmatched %llu\n",
                (unsigned long long)packets_ok, (unsigned long long)packets_bad,
                (unsigned long long)unmatched);
    std::printf("longest outage above the lowest threshold %.3f s (from t = %.2f s); loop delay + "
                "one report = %.3f s\n",
                longest_outage_s, longest_at,
                o.forward_delay_s + o.return_delay_s + o.report_interval_s);
    std::printf("MODCOD changes %d (controller: %llu, %llu up, %llu down, %llu fallbacks); loop "
                "delay %s %.3f s\n",
                changes, (unsigned long long)st.changes, (unsigned long long)st.step_ups,
                (unsigned long long)st.step_downs, (unsigned long long)st.fallbacks,
                st.loop_delay_measured ? "measured" : "assumed", st.loop_delay_s);
    std::printf("reports made %llu, dropped %llu, accepted %llu, counted lost %llu; late "
                "measurements %llu\n",
                (unsigned long long)reports_made, (unsigned long long)reports_dropped,
                (unsigned long long)st.reports_accepted, (unsigned long long)st.reports_lost,
                (unsigned long long)late_observations);
    if (loss_began) {
        std::printf("report loss from t = %.2f s: rung then %d, highest after %d, step-ups after %llu",
                    loss_began_s, rung_at_loss, max_rung_after_loss,
                    (unsigned long long)(st.step_ups - step_ups_at_loss));
        if (o.report_loss_all_from_s < kInf)
            std::printf("; all lost from %.2f s: fallback at %s", o.report_loss_all_from_s,
                        fallback_after_all_lost_s < kInf
                            ? (std::to_string(fallback_after_all_lost_s) + " s").c_str()
                            : "never");
        std::printf("\n");
    }
    std::printf("time per MODCOD:");
    for (const auto& [mc, s] : seconds_per_modcod)
        std::printf("  %s %.1f s", to_string(modcod_from_number(mc)).c_str(), s);
    std::printf("\nwall time %.1f s (%.2f x real time)\n", wall_s, wall_s / duration);

    // ---- CSV ----
    std::FILE* csv = std::fopen(o.csv.c_str(), "w");
    if (!csv)
        throw ConfigError("cannot write " + o.csv);
    std::fprintf(csv, "# dualsat-acm-fade-bench: one row per PLFRAME; t_s = transmit time; "
                      "true_esn0_db at its arrival (t_s + %.3f s)\n",
                 o.forward_delay_s);
    std::fprintf(csv, "# summary,goodput_kbps=%.3f,ideal_kbps=%.3f,ccm_kbps=%.3f,ccm=%s,"
                      "fer_all=%.4e,fer_in_range=%.4e,outage_s=%.4f,changes=%d,lowest_threshold_db=%.3f\n",
                 goodput / 1e3, ideal_goodput / 1e3, ccm_goodput / 1e3,
                 to_string(ladder[ccm_rung].format.modcod).c_str(), fer_all, fer_range,
                 longest_outage_s, changes, lowest_threshold);
    std::fprintf(csv, "t_s,duration_s,modcod,ideal_modcod,true_esn0_db,reported_esn0_db,"
                      "predicted_esn0_db,estimated_esn0_db,margin_db,user_bits,detected,decoded,"
                      "reason,efficiency,ideal_efficiency\n");
    std::map<int, double> eff;
    for (const auto& r : ladder)
        eff[r.modcod_number] = user_efficiency(r);
    for (size_t i = first_counted; i < counted; ++i) {
        const auto& f = frames[i];
        std::fprintf(csv, "%.6f,%.6f,%d,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%d,%d,%d,%s,%.5f,%.5f\n",
                     double(f.start) / o.symbol_rate, double(f.symbols) / o.symbol_rate, f.modcod,
                     f.ideal_modcod, f.true_esn0, f.reported_esn0, f.predicted_esn0,
                     double(f.est_esn0), f.margin_db, f.user_bits, int(f.detected),
                     int(f.decoded), to_string(static_cast<AcmReason>(f.reason)), eff[f.modcod],
                     f.ideal_modcod ? eff[f.ideal_modcod] : 0.0);
    }
    std::fclose(csv);
    std::printf("csv: %s\n", o.csv.c_str());
    if (!o.png.empty()) {
        const std::string cmd = "/usr/bin/python3 '" + plot_script(argv0) + "' --csv '" + o.csv +
                                "' --png '" + o.png + "'";
        const int rc2 = std::system(cmd.c_str());
        if (rc2 != 0) {
            std::fprintf(stderr, "plotting failed (%s)\n", cmd.c_str());
            return 1;
        }
        std::printf("plot: %s\n", o.png.c_str());
    }

    if (o.check) {
        // Sanity of the loop itself, not the targets: it must adapt, decode, and never
        // deliver a corrupt packet.
        std::vector<std::string> bad;
        const int span = best_rung(ladder, trace.max_db()) - best_rung(ladder, trace.min_db());
        if (span >= 2 && st.changes == 0)
            bad.push_back("the controller never changed MODCOD over a trace that spans " +
                          std::to_string(span) + " rungs");
        if (ok == 0)
            bad.push_back("no frame decoded");
        if (fer_range > 0.05)
            bad.push_back("FER above the lowest threshold " + std::to_string(fer_range) + " > 0.05");
        if (packets_bad > 0)
            bad.push_back(std::to_string(packets_bad) + " corrupt TS packets");
        if (goodput < 0.5 * ccm_goodput)
            bad.push_back("goodput below half the best CCM's");
        if (unmatched > sent / 100)
            bad.push_back(std::to_string(unmatched) + " received frames not matched to sent ones");
        for (const auto& b : bad)
            std::fprintf(stderr, "check failed: %s\n", b.c_str());
        if (!bad.empty())
            return 3;
        std::printf("check: ok\n");
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    Options opt;
    try {
        if (!parse_args(argc, argv, opt))
            return 0;
        return run(opt, argv[0]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dualsat-acm-fade-bench: %s\n", e.what());
        return 2;
    }
}
