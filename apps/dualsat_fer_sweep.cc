// SPDX-License-Identifier: GPL-3.0-or-later
// dualsat-fer-sweep: frame error rate of the receiver FEC chain over AWGN.
//
// Our transmitter stages (TsFramer -> BB scrambler -> BCH -> LDPC -> bit interleaver ->
// mapper) -> complex AWGN at Es/N0 -> FecWorkerPool (ideal synchronisation: the true N0 is
// the noise estimate) -> decoded BBFRAME compared with the one sent. A frame error is a
// BBFRAME that was not recovered exactly (BCH failure, or "undetected": BCH accepted a
// wrong frame). Writes a CSV and, with --png, a plot of FER vs Es/N0 with the EN 302 307-1
// Table 13 QEF points drawn in (apps/dualsat_fer_plot.py, run with /usr/bin/python3).
#include "sibling_script.h"

#include <dualsat/core/error.h>
#include <dualsat/rx/fec_receiver.h>
#include <dualsat/rx/fec_worker_pool.h>
#include <dualsat/modcod/modcod.h>
#include <dualsat/framing/ts_adaptation.h>

#include "fec_loopback_tx.h"

#include <unistd.h>

#include <algorithm>
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

namespace {

using namespace dualsat;

struct Options {
    std::vector<ModCod> modcods;
    FrameSize frame = FrameSize::Normal;
    double esn0_from = 0, esn0_to = 0, esn0_step = 0.1;
    bool relative = false; // Es/N0 range relative to each MODCOD's QEF point
    long frames = 1000;
    long errors = 0; // stop a point after this many frame errors (0: run all frames)
    bool stop_at_zero = false;
    unsigned threads = 0;
    size_t queue = 2;
    FecReceiverOptions rx;
    std::string csv = "fer.csv";
    std::string png;
    std::string qef_csv = DUALSAT_QEF_CSV;
    uint64_t seed = 1;
    bool quiet = false;
    double fail_above = -1; // exit status 3 if a point's FER exceeds this (smoke tests)
};

void usage()
{
    std::printf(
        "usage: dualsat-fer-sweep --modcods LIST --esn0 FROM:TO[:STEP] [options]\n"
        "  --modcods LIST      comma-separated, e.g. 'QPSK 1/2,8PSK 3/5', or 'all'\n"
        "  --esn0 FROM:TO:STEP Es/N0 range in dB (step default 0.1)\n"
        "  --relative          the range is relative to each MODCOD's QEF Es/N0 (Table 13)\n"
        "  --frame normal|short          (default normal)\n"
        "  --frames N          frames per point (default 1000)\n"
        "  --errors N          stop a point after N frame errors (default: never)\n"
        "  --stop-at-zero      skip a MODCOD's higher points after a point with no error\n"
        "  --threads N         decoder threads (default: hardware concurrency)\n"
        "  --iterations N      LDPC iteration cap (default 50)\n"
        "  --llr-scale S       int8 LLR steps per LLR unit (default 4)\n"
        "  --offset O          offset min-sum offset in LLR steps for every rate\n"
        "                      (default: the receiver's per-rate table)\n"
        "  --message-limit M   check message cap (default 31, the receiver default)\n"
        "  --csv FILE          results (default fer.csv)\n"
        "  --png FILE          plot FER vs Es/N0 with the QEF points (needs matplotlib)\n"
        "  --qef FILE          QEF table (default data/dvbs2_qef_esn0.csv)\n"
        "  --seed S            noise and data seed (default 1)\n"
        "  --quiet             no progress line\n"
        "  --fail-above FER    exit with status 3 if any point's FER is above this\n");
}

std::vector<std::string> split(const std::string& s, char sep)
{
    std::vector<std::string> out;
    std::string cur;
    std::istringstream in(s);
    while (std::getline(in, cur, sep))
        if (!cur.empty())
            out.push_back(cur);
    return out;
}

std::map<std::pair<int, int>, double> load_qef(const std::string& path)
{
    std::map<std::pair<int, int>, double> qef;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line.rfind("modulation", 0) == 0)
            continue;
        auto f = split(line, ',');
        if (f.size() < 3)
            continue;
        try {
            const ModCod mc{ parse_modulation(f[0]), parse_code_rate(f[1]) };
            qef[{ static_cast<int>(mc.mod), static_cast<int>(mc.rate) }] = std::stod(f[2]);
        } catch (const std::exception&) {
        }
    }
    return qef;
}

bool parse_args(int argc, char** argv, Options& o)
{
    bool have_range = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto need = [&]() -> std::string {
            if (i + 1 >= argc)
                throw ConfigError(a + " needs a value");
            return argv[++i];
        };
        if (a == "--modcods") {
            const std::string v = need();
            if (v == "all") {
                for (int n = 1; n <= 28; ++n)
                    o.modcods.push_back(modcod_from_number(n));
            } else {
                for (const auto& m : split(v, ','))
                    o.modcods.push_back(parse_modcod(m));
            }
        } else if (a == "--esn0") {
            auto f = split(need(), ':');
            if (f.size() < 2 || f.size() > 3)
                throw ConfigError("--esn0 wants FROM:TO[:STEP]");
            o.esn0_from = std::stod(f[0]);
            o.esn0_to = std::stod(f[1]);
            if (f.size() == 3)
                o.esn0_step = std::stod(f[2]);
            have_range = true;
        } else if (a == "--relative")
            o.relative = true;
        else if (a == "--frame")
            o.frame = parse_frame_size(need());
        else if (a == "--frames")
            o.frames = std::stol(need());
        else if (a == "--errors")
            o.errors = std::stol(need());
        else if (a == "--stop-at-zero")
            o.stop_at_zero = true;
        else if (a == "--threads")
            o.threads = static_cast<unsigned>(std::stoul(need()));
        else if (a == "--iterations")
            o.rx.ldpc.max_iterations = std::stoi(need());
        else if (a == "--llr-scale")
            o.rx.llr_steps_per_unit = std::stof(need());
        else if (a == "--offset") {
            o.rx.ldpc.offset = std::stoi(need());
            o.rx.per_rate_offset = false;
        }
        else if (a == "--message-limit")
            o.rx.ldpc.message_limit = std::stoi(need());
        else if (a == "--csv")
            o.csv = need();
        else if (a == "--png")
            o.png = need();
        else if (a == "--qef")
            o.qef_csv = need();
        else if (a == "--seed")
            o.seed = std::stoull(need());
        else if (a == "--quiet")
            o.quiet = true;
        else if (a == "--fail-above")
            o.fail_above = std::stod(need());
        else if (a == "-h" || a == "--help") {
            usage();
            return false;
        } else
            throw ConfigError("unknown option '" + a + "'");
    }
    if (o.modcods.empty() || !have_range)
        throw ConfigError("--modcods and --esn0 are required (see --help)");
    if (!(o.esn0_step > 0) || o.esn0_to < o.esn0_from)
        throw ConfigError("--esn0: need FROM <= TO and STEP > 0");
    if (o.frames <= 0 || o.errors < 0)
        throw ConfigError("--frames must be positive, --errors >= 0");
    for (const auto& mc : o.modcods)
        if (!code_exists(o.frame, mc.rate))
            throw ConfigError(to_string(mc) + " does not exist for " + to_string(o.frame) +
                              " frames");
    return true;
}

struct PointResult {
    long frames = 0, errors = 0, bch_failures = 0, undetected = 0, not_converged = 0;
    long iterations = 0;
    double seconds = 0;
};

// Generates, submits and checks frames for one (MODCOD, Es/N0) point.
class PointRunner
{
public:
    PointRunner(FecWorkerPool& pool, dualsat_test::FecTx& tx, uint64_t seed)
        : pool_(pool), tx_(tx), noise_(seed), framer_(8192), sent_(pool.capacity() + 1)
    {
    }

    PointResult run(const FrameFormat& f, double esn0_db, long max_frames, long max_errors,
                    bool progress, const std::string& label)
    {
        PointResult r;
        printed_ = false;
        const float n0 = noise_variance_from_esn0_db(static_cast<float>(esn0_db));
        const int kbch = f.code().kbch;
        long submitted = 0;
        const auto t0 = std::chrono::steady_clock::now();
        auto last_print = t0;
        DecodedBbFrame got;
        RxFecFrame fr;
        for (;;) {
            const bool want_more = submitted < max_frames && (max_errors == 0 || r.errors < max_errors);
            if (want_more && pool_.in_flight() < pool_.capacity()) {
                // Transmit one frame.
                while (!framer_.can_fill(kbch)) {
                    uint8_t pkt[kTsPacketBytes];
                    dualsat_test::random_ts_packet(noise_, 0x101, cc_, pkt);
                    framer_.push(pkt);
                }
                auto& bb = sent_[static_cast<size_t>(next_seq_ % sent_.size())];
                bb.resize(static_cast<size_t>(kbch) / 8);
                framer_.build(f, true, RollOff::R035, bb.data());
                tx_.encode(f, bb.data(), fr.symbols);
                dualsat_test::add_awgn(fr.symbols.data(), fr.symbols.size(), n0, noise_);
                fr.format = f;
                fr.noise_variance = n0;
                fr.frame_counter = next_seq_;
                pool_.submit(fr);
                ++next_seq_;
                ++submitted;
                continue;
            }
            if (pool_.in_flight() == 0)
                break;
            if (!pool_.pop(got))
                break;
            const uint64_t seq = got.stats.frame_counter;
            const auto& bb = sent_[static_cast<size_t>(seq % sent_.size())];
            ++r.frames;
            r.iterations += got.stats.ldpc_iterations;
            r.not_converged += !got.stats.ldpc_converged;
            if (!got.decoded_ok()) {
                ++r.errors;
                ++r.bch_failures;
            } else if (got.bytes != bb) {
                ++r.errors;
                ++r.undetected;
            }
            const auto now = std::chrono::steady_clock::now();
            if (progress && std::chrono::duration<double>(now - last_print).count() > 0.5) {
                last_print = now;
                printed_ = true;
                const double s = std::chrono::duration<double>(now - t0).count();
                std::fprintf(stderr, "\r%s Es/N0 %6.2f dB: %ld/%ld frames, %ld errors, FER %.2e, "
                                     "%.1f it/frame, %.1f frames/s   ",
                             label.c_str(), esn0_db, r.frames, max_frames, r.errors,
                             double(r.errors) / double(r.frames),
                             double(r.iterations) / double(r.frames), double(r.frames) / s);
                std::fflush(stderr);
            }
        }
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return r;
    }

private:
    FecWorkerPool& pool_;
    dualsat_test::FecTx& tx_;
    dualsat_test::FastGaussian noise_;
    TsFramer framer_;
    std::vector<std::vector<uint8_t>> sent_; // BBFRAMEs in flight, by sequence number
    uint64_t next_seq_ = 0;
    uint8_t cc_ = 0;

public:
    bool printed_ = false; // a progress line is on the terminal
};

std::string plot_script(const char* argv0)
{
    return sibling_script(argv0, "dualsat-fer-plot", DUALSAT_FER_PLOT_SCRIPT);
}

} // namespace

int main(int argc, char** argv)
{
    Options opt;
    try {
        if (!parse_args(argc, argv, opt))
            return 0;
        const auto qef = load_qef(opt.qef_csv);
        FecWorkerPool pool(opt.rx, opt.threads, opt.queue);
        dualsat_test::FecTx tx;
        PointRunner runner(pool, tx, opt.seed);

        std::FILE* csv = std::fopen(opt.csv.c_str(), "w");
        if (!csv)
            throw ConfigError("cannot write " + opt.csv);
        std::fprintf(csv, "modulation,code_rate,frame,esn0_db,qef_esn0_db,frames,frame_errors,fer,"
                          "bch_failures,undetected_errors,avg_iterations,not_converged,"
                          "iteration_cap,llr_scale,ldpc_offset,message_limit,info_mbps,seconds\n");
        std::printf("FER sweep: %s frames, %u decoder threads, iteration cap %d, LLR scale %.2f, "
                    "offset %s, message limit %d\n",
                    to_string(opt.frame).c_str(), pool.threads(), opt.rx.ldpc.max_iterations,
                    static_cast<double>(opt.rx.llr_steps_per_unit),
                    opt.rx.per_rate_offset ? "per rate" : std::to_string(opt.rx.ldpc.offset).c_str(),
                    opt.rx.ldpc.message_limit);
        std::printf("%-12s %8s %8s %8s %8s %10s %6s %8s %8s\n", "MODCOD", "Es/N0", "QEF", "frames",
                    "errors", "FER", "undet", "avg_it", "Mb/s");

        bool failed = false;
        const int steps = static_cast<int>(std::floor((opt.esn0_to - opt.esn0_from) / opt.esn0_step + 1e-6));
        for (const auto& mc : opt.modcods) {
            const FrameFormat f{ mc, opt.frame, false };
            auto it = qef.find({ static_cast<int>(mc.mod), static_cast<int>(mc.rate) });
            const bool have_qef = it != qef.end();
            const double q = have_qef ? it->second : std::nan("");
            if (opt.relative && !have_qef)
                throw ConfigError("no QEF point for " + to_string(mc) + " in " + opt.qef_csv);
            for (int s = 0; s <= steps; ++s) {
                const double esn0 = (opt.relative ? q : 0.0) + opt.esn0_from + s * opt.esn0_step;
                const PointResult r = runner.run(f, esn0, opt.frames, opt.errors, !opt.quiet,
                                                 to_string(mc));
                if (runner.printed_)
                    std::fprintf(stderr, "\r%120s\r", "");
                const double fer = r.frames ? double(r.errors) / double(r.frames) : 0.0;
                const double avg_it = r.frames ? double(r.iterations) / double(r.frames) : 0.0;
                const double mbps = double(f.code().kbch) * double(r.frames) / r.seconds / 1e6;
                std::printf("%-12s %8.2f %8.2f %8ld %8ld %10.2e %6ld %8.2f %8.2f\n",
                            to_string(mc).c_str(), esn0, q, r.frames, r.errors, fer, r.undetected,
                            avg_it, mbps);
                std::fflush(stdout);
                const int offset = opt.rx.per_rate_offset
                                       ? opt.rx.ldpc_offset_by_rate[static_cast<size_t>(mc.rate)]
                                       : opt.rx.ldpc.offset;
                std::fprintf(csv, "%s,%s,%s,%.3f,%.3f,%ld,%ld,%.6e,%ld,%ld,%.3f,%ld,%d,%.3f,%d,%d,%.4f,%.3f\n",
                             to_string(mc.mod).c_str(), to_string(mc.rate).c_str(),
                             to_string(opt.frame).c_str(), esn0, q, r.frames, r.errors, fer,
                             r.bch_failures, r.undetected, avg_it, r.not_converged,
                             opt.rx.ldpc.max_iterations,
                             static_cast<double>(opt.rx.llr_steps_per_unit), offset,
                             opt.rx.ldpc.message_limit, mbps,
                             r.seconds);
                std::fflush(csv);
                if (opt.fail_above >= 0 && fer > opt.fail_above)
                    failed = true;
                if (opt.stop_at_zero && r.errors == 0)
                    break;
            }
        }
        std::fclose(csv);
        if (!opt.png.empty()) {
            const std::string cmd = "/usr/bin/python3 '" + plot_script(argv[0]) + "' --csv '" +
                                    opt.csv + "' --qef '" + opt.qef_csv + "' --png '" + opt.png + "'";
            const int rc = std::system(cmd.c_str());
            if (rc != 0) {
                std::fprintf(stderr, "plotting failed (%s)\n", cmd.c_str());
                return 1;
            }
            std::printf("plot: %s\n", opt.png.c_str());
        }
        std::printf("csv: %s\n", opt.csv.c_str());
        if (failed) {
            std::fprintf(stderr, "dualsat-fer-sweep: FER above %g\n", opt.fail_above);
            return 3;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dualsat-fer-sweep: %s\n", e.what());
        return 2;
    }
    return 0;
}
