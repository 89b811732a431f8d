// SPDX-License-Identifier: GPL-3.0-or-later
// dualsat-antijam-bench: frame error rate of a keyed frequency-hopping link under jamming,
// with and without erasure of the dwells the receiver judges jammed (lib/antijam).
//
//   Transmitter (TS, numbered packets; CCM) -> TxPulseShaper -> HopGate (slots of S
//   symbols, guard pauses) -> hop channel -> [jammer] -> AWGN + CFO (ChannelEmulator, the
//   receiver's thermal noise) -> HopUngate (per-dwell jam detection; erasure on or off)
//   -> Receiver
//
// The hop channel. --path equivalent (default): the dehopped stream a receiver sees is
// computed directly: a dwell whose keyed channel lies in the jammed part of the hop band
// gets the jammer's noise density over the modem's band, the others nothing (the digital
// dehopper's filters reject the rest by their stop band, 60 dB). --path wideband runs the
// real thing: the DigitalHopper at U x the modem rate, partial-band noise (lib/channel
// Jammer) over the jammed part of the hop band, the DigitalDehopper; slower (the jammer's
// band filter runs at the wide rate), for cross-checking the equivalent path.
//
// J/S is the jammer's total power over the signal's, both over the hop band: with a
// fraction rho of the band jammed, a jammed channel holds J / (rho N) of it, i.e. the
// signal-to-jammer ratio in a jammed dwell is -(J/S) + 10 log10(rho N) dB (+20 dB J/S on
// 16 of 64 channels: -8 dB). The jammed part is the contiguous channels [first, first + rho N).
//
// Output: per J/S and erasure setting, frames sent and decoded, FER, dwells that hit a
// jammed channel, and how many of those (and of the clean ones) the detector flagged; a
// CSV (--csv) and a PNG (--png, dualsat-antijam-plot). FER counts frames not detected as
// failed; the first --warmup frames (acquisition) are not counted.
#include "numbered_ts_packet.h"
#include "sibling_script.h"

#include <dualsat/antijam/digital_hopper.h>
#include <dualsat/antijam/hop_gate.h>
#include <dualsat/antijam/hop_schedule.h>
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/channel/jammer.h>
#include <dualsat/core/error.h>
#include <dualsat/dsp/pulse_shaper.h>
#include <dualsat/modcod/modcod.h>
#include <dualsat/protect/aes.h>
#include <dualsat/rx/receiver.h>
#include <dualsat/tx/transmitter.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace dualsat;
using namespace dualsat_bench;
using cf = std::complex<float>;

struct Options {
    std::string path = "equivalent";
    int channels = 64;
    double band_fraction = 0.25;
    int first_jammed = 0;
    int slot_symbols = 256;
    int guard_symbols = 16;
    std::string modcod = "QPSK 1/2";
    std::string frame = "normal";
    bool pilots = true;
    double esn0_db = 10.0;  // thermal, without the jammer
    double cfo = 1e-3;      // cycles/symbol
    double symbol_rate = 100e3;
    double rolloff = 0.2;
    std::vector<double> js_db = { 0, 10, 20, 30 };
    std::string erasure = "both"; // on | off | both
    int frames = 100;
    int warmup = 3;
    int interpolation = 0; // wideband: U (0: the smallest that holds the band)
    double threshold_db = 3.0;
    unsigned threads = 2;
    uint64_t seed = 1;
    std::string csv = "antijam.csv";
    std::string png;
    bool check = false;
    bool interleaving = true;
};

void usage()
{
    std::printf(
        "dualsat-antijam-bench: keyed frequency hopping under a partial-band noise jammer\n"
        "  --path equivalent|wideband  (default equivalent; see the source's header)\n"
        "  --channels N            hop channels (default 64)\n"
        "  --band-fraction RHO     jammed part of the hop band (default 0.25)\n"
        "  --first-jammed C        first jammed channel (default 0)\n"
        "  --slot-symbols S        dwell incl. guard, in symbols (default 256)\n"
        "  --guard-symbols G       guard per dwell, symbols (default 16)\n"
        "  --modcod NAME --frame normal|short --no-pilots\n"
        "  --esn0 DB               thermal Es/N0 (default 10)\n"
        "  --js LIST               J/S values in dB, comma separated (default 0,10,20,30)\n"
        "  --erasure on|off|both   (default both)\n"
        "  --frames N              counted frames per point (default 100; FER 1e-3 needs ~3000)\n"
        "  --warmup N              frames not counted at the start (default 3)\n"
        "  --threshold DB          jam detector threshold (default 3)\n"
        "  --no-interleaving       no codeword interleaving (coding/codeword_interleaver.h)\n"
        "  --interpolation U       wideband path: wide rate = U x modem rate\n"
        "  --symbol-rate HZ        (default 100e3) --threads N (receiver FEC, default 2) --seed S\n"
        "  --csv FILE (default antijam.csv) --png FILE\n"
        "  --check                 exit 1 unless, at the highest J/S, erasure decodes >= 99 %%\n"
        "                          of frames and no erasure decodes fewer (the smoke test)\n");
}

bool parse(int argc, char** argv, Options& o)
{
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc)
                throw ConfigError(a + " needs a value");
            return argv[++i];
        };
        if (a == "-h" || a == "--help") {
            usage();
            return false;
        } else if (a == "--path") {
            o.path = next();
            if (o.path != "equivalent" && o.path != "wideband")
                throw ConfigError("--path: equivalent or wideband");
        } else if (a == "--channels") {
            o.channels = std::stoi(next());
        } else if (a == "--band-fraction") {
            o.band_fraction = std::stod(next());
        } else if (a == "--first-jammed") {
            o.first_jammed = std::stoi(next());
        } else if (a == "--slot-symbols") {
            o.slot_symbols = std::stoi(next());
        } else if (a == "--guard-symbols") {
            o.guard_symbols = std::stoi(next());
        } else if (a == "--modcod") {
            o.modcod = next();
        } else if (a == "--frame") {
            o.frame = next();
        } else if (a == "--no-pilots") {
            o.pilots = false;
        } else if (a == "--esn0") {
            o.esn0_db = std::stod(next());
        } else if (a == "--js") {
            o.js_db.clear();
            std::stringstream ss(next());
            std::string item;
            while (std::getline(ss, item, ','))
                o.js_db.push_back(std::stod(item));
        } else if (a == "--erasure") {
            o.erasure = next();
            if (o.erasure != "on" && o.erasure != "off" && o.erasure != "both")
                throw ConfigError("--erasure: on, off or both");
        } else if (a == "--frames") {
            o.frames = std::stoi(next());
        } else if (a == "--warmup") {
            o.warmup = std::stoi(next());
        } else if (a == "--threshold") {
            o.threshold_db = std::stod(next());
        } else if (a == "--interpolation") {
            o.interpolation = std::stoi(next());
        } else if (a == "--symbol-rate") {
            o.symbol_rate = std::stod(next());
        } else if (a == "--threads") {
            o.threads = static_cast<unsigned>(std::stoi(next()));
        } else if (a == "--seed") {
            o.seed = std::stoull(next());
        } else if (a == "--csv") {
            o.csv = next();
        } else if (a == "--png") {
            o.png = next();
        } else if (a == "--no-interleaving") {
            o.interleaving = false;
        } else if (a == "--check") {
            o.check = true;
        } else {
            throw ConfigError("unknown option " + a + " (--help)");
        }
    }
    if (o.frames < 1 || o.warmup < 0 || o.channels < 2 || o.slot_symbols <= o.guard_symbols ||
        o.guard_symbols < 0 || !(o.band_fraction > 0 && o.band_fraction <= 1) || o.js_db.empty() ||
        o.threads < 1 || o.threads > 16)
        throw ConfigError("bad option value (--help)");
    const int jammed = static_cast<int>(std::lround(o.band_fraction * o.channels));
    if (o.first_jammed < 0 || o.first_jammed + jammed > o.channels)
        throw ConfigError("--first-jammed: the jammed channels must lie in the band");
    return true;
}

// A fixed demo key (the bench measures the waveform, not the key handling).
SecureKey bench_hop_key()
{
    uint8_t master[32];
    for (int i = 0; i < 32; ++i)
        master[i] = static_cast<uint8_t>(0xA0 + i);
    SecureKey m(master);
    SecureKey out;
    const uint8_t salt[] = "dualsat-antijam-bench";
    const uint8_t info[] = "HOPPING";
    hkdf_sha384(m, salt, sizeof salt - 1, info, sizeof info - 1, out);
    return out;
}

struct Point {
    double js_db = 0;
    bool erase = false;
    uint64_t counted = 0, decoded = 0;
    uint64_t dwells = 0, dwells_hit = 0, hit_flagged = 0, clean_flagged = 0;
    uint64_t packets_ok = 0, packets_bad = 0;
    uint64_t acquisitions = 0, lock_losses = 0, fec_failures = 0;
    double seconds = 0;
    double fer() const { return counted ? 1.0 - double(decoded) / double(counted) : 1.0; }
};

Point run_point(const Options& o, double js_db, bool erase)
{
    Point pt;
    pt.js_db = js_db;
    pt.erase = erase;
    const auto t0 = std::chrono::steady_clock::now();

    FrameFormat fmt;
    fmt.modcod = parse_modcod(o.modcod);
    fmt.frame = parse_frame_size(o.frame);
    fmt.pilots = o.pilots;
    TransmitterConfig tc;
    tc.input = TxInputMode::TransportStream;
    tc.format = fmt;
    tc.idle = IdlePolicy::Wait;
    tc.workers = 1;
    tc.codeword_interleaving = o.interleaving;
    Transmitter tx(tc);
    const int frame_symbols = fmt.plframe_symbols();

    const double sps = 2.0;
    const double fs = o.symbol_rate * sps;
    TxPulseShaper shaper = TxPulseShaper::for_rates(o.rolloff, 16, o.symbol_rate, fs);
    const double signal_power = 1.0 / sps; // unit-energy symbols at 2 samples per symbol

    HopPlan plan;
    plan.channels = o.channels;
    plan.channel_spacing_hz = o.symbol_rate * (1.0 + o.rolloff);
    plan.slot_samples = static_cast<int64_t>(o.slot_symbols * sps);
    plan.guard_samples = static_cast<int64_t>(o.guard_symbols * sps);
    const HopSchedule schedule(bench_hop_key(), o.channels);
    const int n_jammed = static_cast<int>(std::lround(o.band_fraction * o.channels));
    auto jammed_channel = [&](int c) { return c >= o.first_jammed && c < o.first_jammed + n_jammed; };

    // Equivalent path: a jammed dwell's noise, per modem-rate sample.
    const double jam_total = signal_power * std::pow(10.0, js_db / 10.0);
    const double jam_density = jam_total / (o.band_fraction * o.channels * plan.channel_spacing_hz);
    const double jam_var = jam_density * fs;
    Rng jam_rng(o.seed * 31 + 7);

    // Wideband path.
    std::unique_ptr<DigitalHopper> hopper;
    std::unique_ptr<DigitalDehopper> dehopper;
    std::unique_ptr<Jammer> wide_jammer;
    DigitalHopConfig dc;
    if (o.path == "wideband") {
        const double band = o.channels * plan.channel_spacing_hz;
        dc.interpolation = o.interpolation > 0 ? o.interpolation : static_cast<int>(std::ceil(band / fs));
        dc.modem_sample_rate = fs;
        dc.filter_semi_length = 8;
        if (plan.guard_samples < 2 * dc.filter_semi_length)
            throw ConfigError("--guard-symbols: the wideband path needs a guard of >= 2 x 8 samples");
        hopper = std::make_unique<DigitalHopper>(plan, schedule, dc);
        dehopper = std::make_unique<DigitalDehopper>(plan, schedule, dc);
        JammerConfig jc;
        jc.kind = JammerKind::PartialBand;
        jc.sample_rate_hz = fs * dc.interpolation;
        jc.signal_power = signal_power; // the interpolator keeps the power per sample
        jc.js_db = js_db;
        jc.band_low_hz = hop_channel_offset_hz(plan, o.first_jammed) - plan.channel_spacing_hz / 2;
        jc.band_fraction = n_jammed * plan.channel_spacing_hz / jc.sample_rate_hz;
        jc.seed = o.seed * 31 + 7;
        wide_jammer = std::make_unique<Jammer>(jc);
    }

    HopGate gate(plan);
    DwellJamConfig det;
    det.threshold_db = o.threshold_db;
    HopUngate ungate(plan, &schedule, erase, det);

    ChannelConfig cc;
    cc.sample_rate_hz = fs;
    cc.samples_per_symbol = sps;
    cc.symbol_energy = 1.0;
    cc.esn0_db = o.esn0_db;
    cc.frequency_offset_hz = o.cfo * o.symbol_rate;
    cc.initial_phase_rad = 0.3;
    cc.seed = o.seed * 7919 + 1;
    ChannelEmulator thermal(cc);

    ReceiverConfig rc;
    rc.symbol_rate = o.symbol_rate;
    rc.sample_rate = fs;
    rc.rolloff = o.rolloff;
    rc.fec_threads = o.threads;
    rc.fec.codeword_interleaving = o.interleaving;
    // A header in an erased dwell is a miss; with a quarter of the dwells erased, four in
    // a row (the default limit of 3 + 1) happen every few hundred frames, and a re-
    // acquisition costs frames. The flywheel is safe for longer on a CCM link.
    rc.symbols.sync.max_missed_frames = 12;
    rc.symbols.sync.fixed_format = true; // CCM: a half-erased header must not set the length
    Receiver rx(rc);

    std::vector<cf> plframe(Transmitter::kMaxFrameSymbols), air, wide, back, modem;
    ReceiverOutput out;
    uint32_t next_packet = 0;
    uint8_t pkt[dualsat_bench::kTsPacketBytes] = {};
    const int total = o.warmup + o.frames + 3; // + tail: the last frames end in the next ones
    std::vector<char> decoded(static_cast<size_t>(total), 0);
    auto absorb = [&]() {
        for (const auto& f : out.frames) {
            if (f.fec.status != FecFrameStatus::Ok)
                continue;
            const int64_t k = std::llround(double(f.start_symbol) / frame_symbols);
            if (k >= 0 && k < total)
                decoded[static_cast<size_t>(k)] = 1;
        }
        for (size_t i = 0; i + dualsat_bench::kTsPacketBytes <= out.data.ts.size(); i += dualsat_bench::kTsPacketBytes)
            (numbered_ts_packet_intact(out.data.ts.data() + i) ? pt.packets_ok : pt.packets_bad) += 1;
        out.clear();
    };

    uint64_t judged = 0;
    for (int f = 0; f < total; ++f) {
        while (!tx.data_ready()) {
            make_numbered_ts_packet(next_packet++, pkt);
            tx.push_ts(pkt, dualsat_bench::kTsPacketBytes);
        }
        PlFrameInfo info;
        const size_t n = tx.next_plframe(plframe.data(), info);
        std::vector<cf> sym(plframe.begin(), plframe.begin() + static_cast<std::ptrdiff_t>(n));
        const std::vector<cf> shaped = shaper.process(sym);
        const uint64_t air_start = gate.sample();
        air.resize(gate.output_for(shaped.size()));
        gate.process(shaped.data(), shaped.size(), air.data(), air.size());
        // Thermal noise (and the carrier offset) enter at the receiver's input, before it
        // judges and erases dwells: an erased dwell is erased noise too.
        modem.clear();
        std::vector<cf> noisy;
        if (hopper) {
            wide.resize(air.size() * static_cast<size_t>(dc.interpolation));
            hopper->process(air.data(), air.size(), wide.data());
            wide_jammer->add(wide.data(), wide.size());
            back.clear();
            dehopper->process(wide.data(), wide.size(), back);
            thermal.process(back, noisy);
            ungate.process(noisy.data(), noisy.size(), modem);
        } else {
            thermal.process(air, noisy);
            // The slot's channel once per slot (an AES block each), not per sample.
            uint64_t cached_slot = ~0ull;
            bool slot_jammed = false;
            for (size_t i = 0; i < noisy.size(); ++i) {
                const uint64_t t = air_start + i;
                const uint64_t slot = t / static_cast<uint64_t>(plan.slot_samples);
                if (slot != cached_slot) {
                    cached_slot = slot;
                    slot_jammed = jammed_channel(schedule.channel(slot));
                }
                if (slot_jammed &&
                    static_cast<int64_t>(t % static_cast<uint64_t>(plan.slot_samples)) >= plan.guard_samples)
                    noisy[i] += jam_rng.complex_gaussian(jam_var);
            }
            ungate.process(noisy.data(), noisy.size(), modem);
        }
        rx.process(modem.data(), modem.size(), out);
        absorb();
        // Dwell accounting from what the ungate judged since the last frame.
        for (const auto& d : ungate.recent()) {
            if (d.slot < judged)
                continue;
            judged = d.slot + 1;
            ++pt.dwells;
            const bool hit = jammed_channel(d.channel);
            pt.dwells_hit += hit;
            pt.hit_flagged += hit && d.jammed;
            pt.clean_flagged += !hit && d.jammed;
        }
    }
    rx.flush(out);
    absorb();
    const ReceiverStatus rs = rx.status();
    pt.acquisitions = rs.acquisitions;
    pt.lock_losses = rs.lock_losses;
    pt.fec_failures = rs.fec_failures;
    for (int k = o.warmup; k < o.warmup + o.frames; ++k) {
        ++pt.counted;
        pt.decoded += decoded[static_cast<size_t>(k)];
    }
    pt.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return pt;
}

} // namespace

int main(int argc, char** argv)
{
    Options o;
    try {
        if (!parse(argc, argv, o))
            return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dualsat-antijam-bench: %s\n", e.what());
        return 2;
    }
    const int n_jammed = static_cast<int>(std::lround(o.band_fraction * o.channels));
    std::printf("keyed frequency hopping, %d channels, %d jammed (%.0f %% of the band, partial-band noise), "
                "dwell %d symbols (guard %d), %s %s%s, thermal Es/N0 %.1f dB, %s path\n",
                o.channels, n_jammed, 100 * o.band_fraction, o.slot_symbols, o.guard_symbols,
                o.modcod.c_str(), o.frame.c_str(), o.pilots ? " pilots" : "", o.esn0_db, o.path.c_str());
    std::printf("%7s %8s %7s %7s %9s %12s %10s %10s %8s %5s %5s %6s %7s\n", "J/S dB", "erasure", "frames",
                "decoded", "FER", "S/J dwell dB", "dwells hit", "detected", "false al", "acq", "lost", "FEC x",
                "s");
    FILE* csv = std::fopen(o.csv.c_str(), "w");
    if (!csv) {
        std::fprintf(stderr, "dualsat-antijam-bench: cannot write %s\n", o.csv.c_str());
        return 2;
    }
    std::fprintf(csv, "js_db,erasure,frames,decoded,fer,sj_dwell_db,dwells,dwells_hit,hit_detected,clean_flagged,"
                      "packets_ok,packets_bad\n");
    std::vector<Point> points;
    try {
        for (double js : o.js_db) {
            for (int e = 0; e < 2; ++e) {
                const bool erase = e == 0;
                if ((erase && o.erasure == "off") || (!erase && o.erasure == "on"))
                    continue;
                const Point p = run_point(o, js, erase);
                points.push_back(p);
                const double sj = -js + 10 * std::log10(o.band_fraction * o.channels);
                std::printf("%7.1f %8s %7llu %7llu %9.2e %12.1f %10llu %9.1f%% %7.2f%% %5llu %5llu %6llu %7.1f\n", js,
                            erase ? "on" : "off", (unsigned long long)p.counted, (unsigned long long)p.decoded,
                            p.fer(), sj, (unsigned long long)p.dwells_hit,
                            p.dwells_hit ? 100.0 * p.hit_flagged / p.dwells_hit : 0.0,
                            (p.dwells - p.dwells_hit) ? 100.0 * p.clean_flagged / (p.dwells - p.dwells_hit) : 0.0,
                            (unsigned long long)p.acquisitions, (unsigned long long)p.lock_losses,
                            (unsigned long long)p.fec_failures, p.seconds);
                std::fflush(stdout);
                std::fprintf(csv, "%.2f,%d,%llu,%llu,%.6g,%.2f,%llu,%llu,%llu,%llu,%llu,%llu\n", js, erase ? 1 : 0,
                             (unsigned long long)p.counted, (unsigned long long)p.decoded, p.fer(), sj,
                             (unsigned long long)p.dwells, (unsigned long long)p.dwells_hit,
                             (unsigned long long)p.hit_flagged, (unsigned long long)p.clean_flagged,
                             (unsigned long long)p.packets_ok, (unsigned long long)p.packets_bad);
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dualsat-antijam-bench: %s\n", e.what());
        std::fclose(csv);
        return 2;
    }
    std::fclose(csv);
    // The J/S tolerated at FER 1e-3: the highest J/S up to which every point met it.
    for (int e = 0; e < 2; ++e) {
        std::vector<const Point*> ps;
        for (const Point& p : points)
            if (p.erase == (e == 0))
                ps.push_back(&p);
        if (ps.empty())
            continue;
        std::sort(ps.begin(), ps.end(), [](const Point* a, const Point* b) { return a->js_db < b->js_db; });
        double tolerated = -1e9;
        for (const Point* p : ps) {
            if (p->fer() > 1e-3)
                break;
            tolerated = p->js_db;
        }
        if (tolerated > -1e9)
            std::printf("erasure %s: FER <= 1e-3 up to J/S %.1f dB (of the points run%s)\n", e == 0 ? "on" : "off",
                        tolerated, ps.back()->js_db == tolerated ? ", the highest" : "");
        else
            std::printf("erasure %s: FER > 1e-3 already at J/S %.1f dB\n", e == 0 ? "on" : "off", ps.front()->js_db);
    }
    std::printf("CSV: %s\n", o.csv.c_str());
    if (!o.png.empty()) {
        const std::string script =
            sibling_script(argv[0], "dualsat-antijam-plot", DUALSAT_ANTIJAM_PLOT_SCRIPT);
        const std::string cmd = "/usr/bin/python3 '" + script + "' '" + o.csv + "' '" + o.png + "'";
        if (std::system(cmd.c_str()) != 0)
            std::fprintf(stderr, "dualsat-antijam-bench: the plot failed (%s)\n", cmd.c_str());
        else
            std::printf("PNG: %s\n", o.png.c_str());
    }
    if (o.check) {
        const Point* on = nullptr;
        const Point* off = nullptr;
        for (const Point& p : points) {
            if (p.erase && (!on || p.js_db >= on->js_db))
                on = &p;
            if (!p.erase && (!off || p.js_db >= off->js_db))
                off = &p;
        }
        if (!on || on->fer() > 0.01 || (off && off->fer() < on->fer())) {
            std::fprintf(stderr, "dualsat-antijam-bench: check failed: with erasure FER %.3g%s\n",
                         on ? on->fer() : 1.0, off ? (", without " + std::to_string(off->fer())).c_str() : "");
            return 1;
        }
    }
    return 0;
}
