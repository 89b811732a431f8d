// SPDX-License-Identifier: GPL-3.0-or-later
// The library leg of the real-time benchmark (issue 14; tests/bench/bench_realtime.py runs
// it beside the blocks and the daemon on the same files and prints the table). Not a test.
//
//   bench_realtime_lib rx FILE --symbol-rate R --sample-rate S [--fec-threads N]
//                      [--fec-queue FRAMES] [--no-frontend-thread] [--stages]
//       Receiver over a cf32 recording, read into memory first (the file system is not
//       measured), 64k-sample calls then flush(): what rx_cb and the daemon could reach.
//   bench_realtime_lib tx --modcod "QPSK 1/2" --load data|idle [--symbols N] [--workers W]
//                      [--frame normal|short] [--no-pilots]
//       Transmitter (pipelined, W encoding threads) + TxPulseShaper at 2 samples/symbol
//       into a scratch buffer: shaped samples per second.
//
// Prints one JSON object: wall and process CPU seconds, symbols and samples, frames;
// with --stages (rx) the receiver's own per-stage seconds (a second pass with
// measure_stage_times, so the throughput pass is not slowed by the clocks).
#include <dualsat/dsp/pulse_shaper.h>
#include <dualsat/modcod/modcod.h>
#include <dualsat/rx/receiver.h>
#include <dualsat/tx/transmitter.h>

#include <chrono>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <string>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;

namespace {

double process_cpu_seconds()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double wall_seconds()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

[[noreturn]] void usage(const char* why)
{
    std::fprintf(stderr, "bench_realtime_lib: %s\n(usage: see the comment at the top of "
                         "tests/bench/bench_realtime_lib.cc)\n", why);
    std::exit(2);
}

std::vector<cf> read_cf32(const std::string& path)
{
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f)
        usage(("cannot open " + path).c_str());
    const auto bytes = static_cast<size_t>(f.tellg());
    std::vector<cf> v(bytes / sizeof(cf));
    f.seekg(0);
    f.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(cf)));
    return v;
}

struct RxRun {
    double wall = 0, cpu = 0;
    ReceiverStatus status;
    uint64_t ts_packets = 0;
};

RxRun run_rx(const std::vector<cf>& iq, const ReceiverConfig& rc)
{
    Receiver rx(rc);
    ReceiverOutput out;
    RxRun r;
    const double w0 = wall_seconds(), c0 = process_cpu_seconds();
    constexpr size_t kCall = 65536;
    for (size_t k = 0; k < iq.size(); k += kCall) {
        rx.process(iq.data() + k, std::min(kCall, iq.size() - k), out);
        r.ts_packets += out.data.ts.size() / 188;
        out.clear();
    }
    rx.flush(out);
    r.ts_packets += out.data.ts.size() / 188;
    r.wall = wall_seconds() - w0;
    r.cpu = process_cpu_seconds() - c0;
    r.status = rx.status();
    return r;
}

int main_rx(int argc, char** argv)
{
    if (argc < 3)
        usage("rx needs a FILE");
    const std::string path = argv[2];
    ReceiverConfig rc;
    rc.fec_threads = 2;
    rc.frontend_thread = true;
    bool stages = false;
    for (int i = 3; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc)
                usage((a + " needs a value").c_str());
            return argv[++i];
        };
        if (a == "--symbol-rate")
            rc.symbol_rate = std::atof(next());
        else if (a == "--sample-rate")
            rc.sample_rate = std::atof(next());
        else if (a == "--fec-threads")
            rc.fec_threads = static_cast<unsigned>(std::atoi(next()));
        else if (a == "--fec-queue")
            rc.fec_queue_frames = static_cast<size_t>(std::atoi(next()));
        else if (a == "--no-frontend-thread")
            rc.frontend_thread = false;
        else if (a == "--stages")
            stages = true;
        else
            usage(("unknown option " + a).c_str());
    }
    const std::vector<cf> iq = read_cf32(path);
    const RxRun r = run_rx(iq, rc);
    const double symbols = static_cast<double>(iq.size()) * rc.symbol_rate / rc.sample_rate;
    std::printf("{\"samples\": %zu, \"symbols\": %.0f, \"wall_s\": %.4f, \"cpu_s\": %.4f, "
                "\"frames\": %llu, \"frames_ok\": %llu, \"dummy_frames\": %llu, "
                "\"ts_packets\": %llu, \"locked\": %s",
                iq.size(), symbols, r.wall, r.cpu,
                static_cast<unsigned long long>(r.status.frames),
                static_cast<unsigned long long>(r.status.frames_ok),
                static_cast<unsigned long long>(r.status.dummy_frames),
                static_cast<unsigned long long>(r.ts_packets), r.status.locked ? "true" : "false");
    if (stages) {
        ReceiverConfig sc = rc;
        sc.measure_stage_times = true;
        const RxRun s = run_rx(iq, sc);
        std::printf(", \"stages_s\": {\"frontend\": %.4f, \"sync\": %.4f, \"fec\": %.4f}",
                    s.status.stage_seconds.frontend, s.status.stage_seconds.sync,
                    s.status.stage_seconds.fec);
    }
    std::printf("}\n");
    return r.status.frames_ok + r.status.dummy_frames > 0 ? 0 : 1;
}

int main_tx(int argc, char** argv)
{
    std::string modcod = "QPSK 1/2", load = "data", frame = "normal";
    bool pilots = true;
    double target_symbols = 20e6;
    int workers = TransmitterConfig::kAutoWorkers;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc)
                usage((a + " needs a value").c_str());
            return argv[++i];
        };
        if (a == "--modcod")
            modcod = next();
        else if (a == "--load")
            load = next();
        else if (a == "--symbols")
            target_symbols = std::atof(next());
        else if (a == "--workers")
            workers = std::atoi(next());
        else if (a == "--frame")
            frame = next();
        else if (a == "--no-pilots")
            pilots = false;
        else
            usage(("unknown option " + a).c_str());
    }
    if (load != "data" && load != "idle")
        usage("--load is data or idle");
    TransmitterConfig tc;
    tc.format = parse_frame_format(modcod + " " + frame + (pilots ? " pilots" : " nopilots"));
    tc.idle = IdlePolicy::Dummy;
    tc.workers = workers;
    tc.ts_queue_packets = 8192;
    // The frames' output memory outlives the transmitter: a frame still being encoded when
    // it is destroyed is completed into that memory (transmitter.h, start_plframe).
    std::vector<std::vector<cf>> slots;
    Transmitter tx(tc);
    TxPulseShaper shaper(0.2, 16, 2, Ratio{ 1, 1 });

    // A TS stream of distinct packets (PID 0x100, a counter in the payload).
    std::vector<uint8_t> ts(188 * 2048);
    for (size_t p = 0; p < 2048; ++p) {
        uint8_t* pk = &ts[p * 188];
        pk[0] = 0x47;
        pk[1] = 0x01;
        pk[2] = 0x00;
        pk[3] = static_cast<uint8_t>(0x10 | (p & 0x0F));
        for (size_t b = 4; b < 188; ++b)
            pk[b] = static_cast<uint8_t>(p * 31 + b * 7);
    }
    size_t ts_pos = 0;

    const size_t max_flight = tx.max_frames_in_flight();
    slots.assign(max_flight, std::vector<cf>(Transmitter::kMaxFrameSymbols));
    std::deque<size_t> in_flight; // slot indices, oldest first
    size_t next_slot = 0;
    std::vector<cf> shaped(shaper.max_output(Transmitter::kMaxFrameSymbols) + 64);
    uint64_t symbols = 0, samples = 0, frames = 0, dummies = 0;

    const double w0 = wall_seconds(), c0 = process_cpu_seconds();
    while (static_cast<double>(symbols) < target_symbols) {
        while (in_flight.size() < max_flight) {
            if (load == "data") {
                while (tx.ts_bytes_needed() > 0) {
                    const size_t n = std::min(ts.size() - ts_pos, size_t{ 188 * 64 });
                    ts_pos = (ts_pos + tx.push_ts(ts.data() + ts_pos, n)) % ts.size();
                }
            }
            if (tx.start_plframe(slots[next_slot].data(), Transmitter::kMaxFrameSymbols) == 0)
                break;
            in_flight.push_back(next_slot);
            next_slot = (next_slot + 1) % max_flight;
        }
        PlFrameInfo info;
        const size_t n = tx.finish_plframe(info);
        const size_t slot = in_flight.front();
        in_flight.pop_front();
        const StreamResult sr = shaper.process(slots[slot].data(), n, shaped.data(), shaped.size());
        symbols += n;
        samples += sr.produced;
        ++frames;
        dummies += info.dummy;
    }
    const double wall = wall_seconds() - w0, cpu = process_cpu_seconds() - c0;
    // Frames started but not finished (not counted) are finished before their memory goes.
    for (PlFrameInfo info; !in_flight.empty(); in_flight.pop_front())
        tx.finish_plframe(info);
    std::printf("{\"symbols\": %llu, \"samples\": %llu, \"wall_s\": %.4f, \"cpu_s\": %.4f, "
                "\"frames\": %llu, \"dummy_frames\": %llu, \"workers\": %d}\n",
                static_cast<unsigned long long>(symbols), static_cast<unsigned long long>(samples),
                wall, cpu, static_cast<unsigned long long>(frames),
                static_cast<unsigned long long>(dummies), tx.workers());
    const bool sane = load == "data" ? dummies == 0 : dummies == frames;
    return sane ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2)
        usage("rx or tx?");
    const std::string mode = argv[1];
    if (mode == "rx")
        return main_rx(argc, argv);
    if (mode == "tx")
        return main_tx(argc, argv);
    usage("the first argument is rx or tx");
}
