// SPDX-License-Identifier: GPL-3.0-or-later
// dualsat-modemd: the headless DVB-S2 modem daemon. See examples/modemd/*.yaml for the
// configuration and `dualsat-modemd --help` for the command line.
//
// Exit codes: 0 clean stop (signal, --duration, replay finished), 1 unexpected error,
// 2 configuration error, 3 radio error (no UHD device at start; while running: the
// recording cannot be written or was deleted, the USRP stopped streaming), 4 system resource error
// (socket bind, TUN permission), 64 bad command line.
#include "config.h"
#include "control_api.h"
#include "data_plane.h"
#include "http_server.h"
#include "modem.h"

#include <dualsat/core/thread_scheduling.h>

#include <gnuradio/logger.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <sys/resource.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <thread>

namespace {

volatile std::sig_atomic_t g_stop_signal = 0;
volatile std::sig_atomic_t g_reload = 0;

extern "C" void on_signal(int sig)
{
    if (sig == SIGHUP)
        g_reload = 1;
    else if (!g_stop_signal)
        g_stop_signal = sig;
}

constexpr int kExitError = 1, kExitConfig = 2, kExitRadio = 3, kExitResource = 4, kExitUsage = 64;

struct Options {
    std::string config = "/etc/dualsat/modemd.yaml";
    double duration = 0;        // 0: until a signal
    double status_interval = 0; // 0: no status lines
    std::string log_level;
    bool check_only = false;
};

void usage(FILE* to)
{
    std::fprintf(to,
                 "usage: dualsat-modemd [-c CONFIG] [--check] [--duration SECONDS]\n"
                 "                      [--status-interval SECONDS] [--log-level LEVEL]\n"
                 "\n"
                 "  -c, --config PATH         YAML configuration (default /etc/dualsat/modemd.yaml)\n"
                 "      --check               validate the configuration and exit\n"
                 "      --duration S          run S seconds, then stop as on SIGTERM\n"
                 "      --status-interval S   print a one-line status every S seconds to stdout\n"
                 "      --log-level L         trace|debug|info|warn|error|critical|off (overrides\n"
                 "                            logging.level)\n"
                 "\n"
                 "Signals: SIGTERM/SIGINT stop cleanly (exit 0, counters logged); SIGHUP reloads\n"
                 "the configuration (MODCOD, UHD gains, log level, ACM controller settings; other\n"
                 "changes need a restart).\n");
}

double positive_seconds(const std::string& opt, const char* text)
{
    char* end = nullptr;
    double v = std::strtod(text, &end);
    if (!text[0] || *end || !(v > 0) || v > 1e9)
        throw std::invalid_argument(opt + " needs a positive number of seconds, got '" + text + "'");
    return v;
}

bool parse_args(int argc, char** argv, Options& o)
{
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc)
                throw std::invalid_argument(a + " needs a value");
            return argv[++i];
        };
        if (a == "-c" || a == "--config")
            o.config = value();
        else if (a == "--check")
            o.check_only = true;
        else if (a == "--duration")
            o.duration = positive_seconds(a, value());
        else if (a == "--status-interval")
            o.status_interval = positive_seconds(a, value());
        else if (a == "--log-level")
            o.log_level = value();
        else if (a == "-h" || a == "--help") {
            usage(stdout);
            return false;
        } else
            throw std::invalid_argument("unknown option '" + a + "'");
    }
    return true;
}

// GNU Radio's console sink writes to stdout; stdout belongs to the status lines and the
// summary, so logs go to stderr (journald when run by systemd).
void route_logs_to_stderr()
{
    auto dist = std::dynamic_pointer_cast<spdlog::sinks::dist_sink_mt>(
        gr::logging::singleton().default_backend());
    if (!dist)
        return;
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    dist->set_sinks({ sink });
}

void set_log_level(gr::logger& log, const std::string& level)
{
    gr::logging::singleton().set_default_level(spdlog::level::from_str(level));
    log.set_level(level);
}

// Sockets, the flowgraph's buffers and libraries all take descriptors; the soft limit is
// often 1024 while the hard one is far higher. Take what we are allowed.
void raise_descriptor_limit(gr::logger& log)
{
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
        return;
    const rlim_t before = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &rl) == 0)
        log.debug("RLIMIT_NOFILE raised from {} to {}", static_cast<unsigned long long>(before),
                  static_cast<unsigned long long>(rl.rlim_cur));
    else
        log.warn("cannot raise RLIMIT_NOFILE from {}: {}", static_cast<unsigned long long>(before),
                 std::strerror(errno));
}

} // namespace

int main(int argc, char** argv)
{
    // Signals only set flags that the main loop polls. A handler (rather than a blocked
    // mask + sigtimedwait) because some libraries start threads before main() runs, and
    // a process-directed SIGHUP reaching one of those with the default action would
    // terminate the daemon.
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int sig : { SIGTERM, SIGINT, SIGHUP })
        sigaction(sig, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    Options opt;
    try {
        if (!parse_args(argc, argv, opt))
            return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dualsat-modemd: %s\n", e.what());
        usage(stderr);
        return kExitUsage;
    }
    if (!opt.log_level.empty() &&
        spdlog::level::from_str(opt.log_level) == spdlog::level::off && opt.log_level != "off") {
        std::fprintf(stderr, "dualsat-modemd: --log-level '%s' is not a level\n", opt.log_level.c_str());
        return kExitUsage;
    }

    modemd::Config cfg;
    try {
        cfg = modemd::load_config(opt.config);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dualsat-modemd: configuration error: %s\n", e.what());
        return kExitConfig;
    }
    if (!opt.log_level.empty())
        cfg.logging.level = opt.log_level;
    if (opt.check_only) {
        std::printf("%s: configuration OK\n", opt.config.c_str());
        return 0;
    }

    route_logs_to_stderr();
    gr::logger log("dualsat-modemd");
    set_log_level(log, cfg.logging.level);
    raise_descriptor_limit(log);
    // Before any thread exists: every thread the daemon starts (GNU Radio's block threads,
    // the receiver's and transmitter's pools, the data plane) inherits the policy.
    if (cfg.modem.batch_scheduling) {
        std::string why;
        if (!dualsat::set_batch_scheduling(&why))
            log.warn("modem.scheduling batch: {}; the threads keep the default policy", why);
    }


    std::unique_ptr<modemd::Modem> modem;
    std::unique_ptr<modemd::DataPlane> data;
    std::unique_ptr<modemd::ControlApi> api;
    std::unique_ptr<modemd::HttpServer> server;
    try {
        modem = std::make_unique<modemd::Modem>(cfg, log);
        data = std::make_unique<modemd::DataPlane>(cfg, modem->tx_input());
        modem->set_data_plane(data.get());
        if (cfg.control.enabled) {
            api = std::make_unique<modemd::ControlApi>(*modem, cfg.control.token,
                                                       cfg.control.read_token);
            modem->set_control_api(api.get());
            server = std::make_unique<modemd::HttpServer>(*api, cfg.control.bind, cfg.control.port,
                                                          static_cast<size_t>(cfg.control.max_connections));
        }
    } catch (const modemd::RadioError& e) {
        log.error("radio: {}", e.what());
        std::fprintf(stderr, "dualsat-modemd: radio error: %s\n", e.what());
        return kExitRadio;
    } catch (const modemd::ResourceError& e) {
        std::fprintf(stderr, "dualsat-modemd: %s\n", e.what());
        return kExitResource;
    } catch (const dualsat::ConfigError& e) {
        std::fprintf(stderr, "dualsat-modemd: configuration error: %s: %s\n", opt.config.c_str(), e.what());
        return kExitConfig;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dualsat-modemd: cannot start: %s\n", e.what());
        return kExitError;
    }

    try {
        modem->start();
        data->start();
        if (server) {
            server->start();
            log.info("control API on {}{}", server->url(),
                     cfg.control.token.empty() ? "" : " (bearer token required)");
            std::printf("control: %s\n", server->url().c_str());
        }
        auto status = data->status();
        for (const char* k : { "ip_listen", "ts_listen", "ip_forward", "ts_forward", "tun" })
            if (!status[k].is_null()) {
                log.info("data: {} {}", k, status[k].get<std::string>());
                std::printf("data: %s %s\n", k, status[k].get<std::string>().c_str());
            }
        std::fflush(stdout);

        using clock = std::chrono::steady_clock;
        const auto t0 = clock::now();
        auto next_status = t0 + std::chrono::duration_cast<clock::duration>(
                                    std::chrono::duration<double>(opt.status_interval));
        auto next_tick = t0 + std::chrono::seconds(1);
        const char* reason = nullptr;
        std::string radio_fault;
        while (!reason) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (g_stop_signal) {
                reason = g_stop_signal == SIGTERM ? "SIGTERM" : "SIGINT";
                break;
            }
            if (g_reload) {
                g_reload = 0;
                log.info("SIGHUP: reloading {}", opt.config);
                try {
                    auto fresh = modemd::load_config(opt.config);
                    if (!opt.log_level.empty())
                        fresh.logging.level = opt.log_level;
                    for (const auto& note : modem->reload(fresh))
                        log.info("reload: {}", note);
                } catch (const std::exception& e) {
                    // Whatever went wrong, the running modem (and its counters) stays.
                    log.error("reload rejected, keeping the running configuration: {}", e.what());
                }
            }
            modem->sample();
            const auto now = clock::now();
            if (now >= next_tick) {
                modem->tick();
                next_tick += std::chrono::seconds(1);
                // A radio that cannot go on (recording not writable or deleted, device
                // gone): stop like on SIGTERM, counters logged, exit 3.
                radio_fault = modem->fatal_fault();
                if (!radio_fault.empty()) {
                    reason = "radio fault";
                    break;
                }
            }
            if (opt.status_interval > 0 && now >= next_status) {
                std::printf("%s\n", modem->status_line().c_str());
                std::fflush(stdout);
                next_status += std::chrono::duration_cast<clock::duration>(
                    std::chrono::duration<double>(opt.status_interval));
            }
            if (opt.duration > 0 && now - t0 >= std::chrono::duration<double>(opt.duration))
                reason = "--duration elapsed";
            else if (modem->finished())
                reason = "flowgraph finished (end of input)";
        }

        log.info("stopping: {}", reason);
        data->stop();       // nothing new enters the transmitter
        modem->shutdown();  // drain, stop, count what is left
        modem->tick();
        if (server)
            server->stop();
        std::printf("summary (%s):\n", reason);
        for (const auto& line : modem->summary()) {
            log.info("counters: {}", line);
            std::printf("  %s\n", line.c_str());
        }
        std::fflush(stdout);
        if (!radio_fault.empty()) {
            std::fprintf(stderr, "dualsat-modemd: radio error: %s\n", radio_fault.c_str());
            return kExitRadio;
        }
    } catch (const std::exception& e) {
        log.error("fatal: {}", e.what());
        std::fprintf(stderr, "dualsat-modemd: fatal: %s\n", e.what());
        return kExitError;
    }
    return 0;
}
