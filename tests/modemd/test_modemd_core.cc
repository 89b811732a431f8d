// SPDX-License-Identifier: GPL-3.0-or-later
// Unit tests of dualsat-modemd's GNU Radio-free parts: config validation, control API
// routing and authentication, Prometheus text, SigMF metadata, the TX input.
#include "acm_loop.h"
#include "config.h"
#include "control_api.h"
#include "data_plane.h"
#include "http_server.h"
#include "sigmf.h"
#include "stream_watch.h"
#include "test_pattern.h"
#include "tx_input.h"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <cstring>
#include <vector>
#include <string>

using modemd::Config;
using modemd::parse_config;

namespace {

// A private scratch directory, removed at the end.
struct TempDir {
    std::string path;
    TempDir()
    {
        char tmpl[] = "/tmp/modemd-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
    std::string write(const std::string& name, const std::string& text, mode_t mode)
    {
        std::string p = path + "/" + name;
        std::ofstream(p) << text;
        ::chmod(p.c_str(), mode);
        return p;
    }
};

std::string error_of(const std::string& yaml, const std::string& base = "/tmp", bool priv = true)
{
    try {
        parse_config(yaml, "test.yaml", base, priv);
    } catch (const dualsat::ConfigError& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

} // namespace

TEST_CASE("config: defaults are a valid loopback modem", "[modemd][config]")
{
    Config c = parse_config("modem: {}\n", "t", "/tmp");
    CHECK(c.modem.profile == "civil");
    CHECK(c.radio.backend == modemd::Backend::Loopback);
    CHECK(c.radio.direction == modemd::Direction::Both);
    CHECK(c.modem.format.modcod == dualsat::parse_modcod("QPSK 1/2"));
    CHECK(c.control.bind == "127.0.0.1");
    CHECK(c.control.token.empty());
    CHECK(c.radio.sample_rate >= 2 * c.modem.symbol_rate);
}

TEST_CASE("config: a full config is read into the right fields", "[modemd][config]")
{
    Config c = parse_config(R"(
modem: {modcod: 16APSK 2/3, frame: short, pilots: false, rolloff: 0.35, symbol_rate: 5e5, gold_code: 7, stream: ts}
radio: {backend: loopback, sample_rate: 1.5e6, tx_rms: 0.2}
channel: {esn0_db: 9.5, cfo_hz: 1200, seed: 3}
data: {ts: {listen: "127.0.0.1:6000", forward: "[::1]:6001", packets_per_datagram: 5}, queue_bytes: 100000}
control: {bind: "::1", port: 0}
logging: {level: debug}
)",
                            "t", "/tmp");
    CHECK(c.modem.format.modcod == dualsat::parse_modcod("16APSK 2/3"));
    CHECK(c.modem.format.frame == dualsat::FrameSize::Short);
    CHECK_FALSE(c.modem.format.pilots);
    CHECK(c.modem.rolloff == dualsat::RollOff::R035);
    CHECK(c.modem.gold_code == 7);
    CHECK(c.modem.stream == modemd::StreamInput::Ts);
    CHECK(c.channel.esn0_db == 9.5);
    CHECK(c.channel.cfo_hz == 1200);
    REQUIRE(c.data.ts_listen);
    CHECK(c.data.ts_listen->port == 6000);
    REQUIRE(c.data.ts_forward);
    CHECK(c.data.ts_forward->host == "::1");
    CHECK(c.data.ts_packets_per_datagram == 5);
    CHECK(c.control.port == 0);
    CHECK(c.logging.level == "debug");
}

TEST_CASE("config: errors name the key and the value", "[modemd][config]")
{
    // Unknown key, with a hint for a near miss.
    auto e = error_of("modem: {modcood: QPSK 1/2}\n");
    CHECK(contains(e, "modem.modcood"));
    CHECK(contains(e, "unknown key"));
    CHECK(contains(e, "did you mean 'modcod'"));
    CHECK(contains(error_of("radoi: {}\n"), "radoi: unknown key"));
    // Wrong types.
    e = error_of("modem: {symbol_rate: fast}\n");
    CHECK(contains(e, "modem.symbol_rate"));
    CHECK(contains(e, "expected a number"));
    CHECK(contains(e, "'fast'"));
    CHECK(contains(error_of("modem: {pilots: maybe}\n"), "modem.pilots: expected true or false"));
    CHECK(contains(error_of("modem: [1, 2]\n"), "modem: expected a mapping"));
    CHECK(contains(error_of("control: {port: [1]}\n"), "control.port: expected an integer"));
    // The stage-block transmitter is gone; the message says what replaces it.
    e = error_of("modem: {chain: stages}\n");
    CHECK(contains(e, "modem.chain"));
    CHECK(contains(e, "tx_bc"));
    CHECK(contains(error_of("modem: {rx_fec_threads: 0}\n"), "modem.rx_fec_threads"));
    CHECK(parse_config("modem: {chain: auto}\n", "t", "/tmp").modem.chain == "auto");
    // Out of range and not in the standard.
    CHECK(contains(error_of("control: {port: 70000}\n"), "control.port: 70000 is out of range"));
    CHECK(contains(error_of("modem: {gold_code: 262142}\n"), "modem.gold_code"));
    CHECK(contains(error_of("modem: {rolloff: 0.3}\n"), "modem.rolloff"));
    CHECK(contains(error_of("modem: {modcod: QPSK 7/8}\n"), "modem.modcod: 'QPSK 7/8'"));
    CHECK(contains(error_of("modem: {modcod: QPSK 9/10, frame: short}\n"), "short"));
    CHECK(contains(error_of("radio: {backend: hackrf}\n"), "radio.backend: 'hackrf' is not one of"));
    CHECK(contains(error_of("data: {ip: {listen: 'nohost'}}\n"), "data.ip.listen"));
    CHECK(contains(error_of("data: {ip: {listen: '1.2.3.4:99999'}}\n"), "data.ip.listen"));
    CHECK(contains(error_of("data: {ip: {ethertype: 0x0100}}\n"), "data.ip.ethertype"));
    // The protected profile needs its key file.
    CHECK(contains(error_of("modem: {profile: protected}\n"), "keys: missing"));
    CHECK(contains(error_of("acm: {mode: adaptive}\n"), "acm.mode: 'adaptive' is not one of"));
    // Not valid YAML at all.
    CHECK(contains(error_of("modem: {modcod: [\n"), "not valid YAML"));
}

TEST_CASE("config: duplicate keys and further documents are errors", "[modemd][config]")
{
    // yaml-cpp keeps the first of two equal keys: the second was silently ignored.
    auto e = error_of("modem: {modcod: QPSK 1/2}\nmodem: {modcod: nonsense}\n");
    CHECK(contains(e, "test.yaml: modem: duplicate key"));
    e = error_of("modem:\n  modcod: QPSK 1/2\n  pilots: true\n  modcod: 8PSK 3/5\n");
    CHECK(contains(e, "modem.modcod: duplicate key"));
    CHECK(contains(error_of("radio: {backend: uhd, uhd: {tx: {freq: 1e9, freq: 2e9}}}\n"),
                   "radio.uhd.tx.freq: duplicate key"));
    // A second document used to be ignored, so an invalid value there passed --check.
    e = error_of("modem: {modcod: QPSK 1/2}\n---\nmodem: {modcod: nonsense}\n");
    CHECK(contains(e, "2 YAML documents"));
    CHECK(contains(error_of("---\nmodem: {}\n...\n---\n"), "2 YAML documents"));
    CHECK(error_of("---\nmodem: {modcod: 8PSK 3/5}\n...\n").empty()); // one explicit document is fine
    // A stray top-level comma: yaml-cpp 0.7's LoadAll never returns on it (found by fuzz_config);
    // the config is refused at once instead of hanging --check, start-up or SIGHUP.
    CHECK(contains(error_of(","), "not valid YAML"));
    // A NUL inside an address used to cut it short silently ("2::" + junk accepted as 2::).
    const char nul_address[] = "data: {ip: {forward: '[2::\0\0\x01]:5001'}}\n";
    CHECK(contains(error_of(std::string(nul_address, sizeof nul_address - 1)),
                   "NUL or control character"));
    CHECK(contains(error_of("modem: {modcod: QPSK 1/2}\n---\n,\n"), "not valid YAML"));
    // Alias expansion and nesting are bounded.
    std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (char c = 'b'; c <= 'h'; ++c)
        bomb += std::string(1, c) + ": &" + c + " [*" + char(c - 1) + ", *" + char(c - 1) + ", *" +
                char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) +
                ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + "]\n";
    CHECK(contains(error_of(bomb), "YAML nodes"));
    CHECK(contains(error_of("modem: " + std::string(100, '[') + std::string(100, ']') + "\n"), "nested"));
}

TEST_CASE("config: the acm section", "[modemd][config][acm]")
{
    // Defaults: fixed, no reports sent; a full-duplex modem in acm mode reports in-band at
    // 4 per second.
    Config c = parse_config("modem: {modcod: QPSK 1/2}\n", "t", "/tmp");
    CHECK(c.acm.mode == "fixed");
    CHECK_FALSE(c.acm.enabled());
    CHECK(c.acm.feedback == modemd::AcmFeedback::None);
    CHECK(parse_config("acm: {mode: acm}\n", "t", "/tmp").acm.feedback == modemd::AcmFeedback::InBand);
    CHECK(parse_config("acm: {feedback: {kind: inband}}\n", "t", "/tmp").acm.feedback ==
          modemd::AcmFeedback::InBand);
    CHECK(c.acm.report_interval_s == 0.25);
    CHECK_FALSE(c.acm.thresholds); // loaded only for the controller

    // Every key read into the controller's settings.
    c = parse_config("acm:\n"
                     "  mode: acm\n"
                     "  link_id: 7\n"
                     "  margin_db: 1.5\n"
                     "  hysteresis_db: 0.6\n"
                     "  step_up_hold_s: 0.5\n"
                     "  min_modcod: QPSK 1/2\n"
                     "  max_modcod: 16APSK 3/4\n"
                     "  exclude: [8PSK 2/3, 32APSK]\n"
                     "  frame: short\n"
                     "  pilots: apsk_only\n"
                     "  fallback: QPSK 2/3\n"
                     "  report_interval_s: 0.1\n"
                     "  report_timeout_s: 2\n"
                     "  target_fer: 1e-3\n"
                     "  predict_fades: false\n"
                     "  loop_delay_s: 0.2\n"
                     "  outer_loop: false\n"
                     "  max_report_loss: 0.1\n"
                     "  thresholds: {implementation_loss_db: 0.8, short_frame_loss_db: 0.4}\n"
                     "  feedback: {kind: inband}\n",
                     "t", "/tmp");
    const dualsat::AcmConfig& k = c.acm.controller;
    CHECK(c.acm.enabled());
    CHECK(c.acm.link_id == 7);
    CHECK(k.link_id == 7);
    CHECK(k.margin_db == 1.5);
    CHECK(k.hysteresis_db == 0.6);
    CHECK(k.step_up_hold_s == 0.5);
    CHECK(k.min_modcod == 4);
    CHECK(k.max_modcod == 19);
    REQUIRE(k.excluded_modcods.size() == 1);
    CHECK(k.excluded_modcods[0] == 13);
    REQUIRE(k.excluded_modulations.size() == 1);
    CHECK(k.excluded_modulations[0] == dualsat::Modulation::APSK32);
    CHECK(k.frame == dualsat::FrameSize::Short);
    CHECK(k.pilots == dualsat::PilotsPolicy::ApskOnly);
    CHECK(k.fallback_modcod == 6);
    CHECK(k.report_interval_s == 0.1);
    CHECK(c.acm.report_interval_s == 0.1);
    CHECK(k.report_timeout_s == 2);
    CHECK(k.target_fer == 1e-3);
    CHECK_FALSE(k.predict_fades);
    CHECK(k.loop_delay_s == 0.2);
    CHECK_FALSE(k.outer_loop);
    CHECK(k.max_report_loss == 0.1);
    REQUIRE(c.acm.thresholds);
    // Table 13: QPSK 1/2 normal 1.00 dB; short frames add both losses.
    CHECK(*c.acm.thresholds->get(4, dualsat::FrameSize::Normal) == Approx(1.0 + 0.8));
    CHECK(*c.acm.thresholds->get(4, dualsat::FrameSize::Short) == Approx(1.0 + 0.8 + 0.4));

    // UDP feedback: addresses read, and required.
    c = parse_config("acm: {mode: acm, feedback: {kind: udp, listen: '127.0.0.1:0', send_to: '127.0.0.1:7001'}}\n",
                     "t", "/tmp");
    CHECK(c.acm.feedback == modemd::AcmFeedback::Udp);
    REQUIRE(c.acm.udp_send_to);
    CHECK(c.acm.udp_send_to->port == 7001);
    CHECK(contains(error_of("acm: {feedback: {kind: udp}}\n"), "acm.feedback.kind: 'udp' needs"));
    CHECK(contains(error_of("acm: {feedback: {kind: none, send_to: '127.0.0.1:1'}}\n"), "acm.feedback.send_to"));
    CHECK(contains(error_of("acm: {feedback: {kind: udp, listen: '127.0.0.1:1'}}\n"), "acm.feedback.listen"));
    CHECK(contains(error_of("acm: {feedback: {kind: pigeon}}\n"), "acm.feedback.kind: 'pigeon'"));
    CHECK(contains(error_of("acm: {mode: acm, feedback: {kind: udp, listen: '127.0.0.1:1', send_to: '[::1]:2'}}\n"),
                   "both be IPv4 or both IPv6"));
    CHECK(contains(error_of("acm: {feedback: {knd: udp}}\n"), "did you mean 'kind'"));

    // Names, ranges, impossible combinations: errors name the key.
    CHECK(contains(error_of("acm: {mode: acm, min_modcod: QPSK 7/8}\n"), "acm.min_modcod: 'QPSK 7/8'"));
    CHECK(contains(error_of("acm: {mode: acm, min_modcod: 8PSK 3/5, max_modcod: QPSK 1/2}\n"), "acm.max_modcod"));
    CHECK(contains(error_of("acm: {exclude: [QPSK 1/2, 64QAM]}\n"), "acm.exclude[1]: '64QAM'"));
    CHECK(contains(error_of("acm: {exclude: QPSK}\n"), "acm.exclude: expected a list"));
    CHECK(contains(error_of("acm: {margin_db: -1}\n"), "acm.margin_db: -1 is out of range"));
    CHECK(contains(error_of("acm: {target_fer: 0.9}\n"), "acm.target_fer"));
    CHECK(contains(error_of("acm: {report_interval_s: 0}\n"), "acm.report_interval_s"));
    CHECK(contains(error_of("acm: {pilots: sometimes}\n"), "acm.pilots"));
    CHECK(contains(error_of("acm: {frame: long}\n"), "acm.frame"));
    CHECK(contains(error_of("acm: {link_id: 70000}\n"), "acm.link_id"));
    CHECK(contains(error_of("acm: {marg_db: 1}\n"), "acm.marg_db: unknown key"));
    CHECK(contains(error_of("acm: {mode: acm, fallback: 8PSK 3/5, max_modcod: QPSK 3/4}\n"), "acm.fallback"));
    CHECK(contains(error_of("acm: {mode: acm, frame: short, min_modcod: QPSK 9/10, max_modcod: QPSK 9/10}\n"),
                   "acm.min_modcod"));
    CHECK(contains(error_of("acm: {mode: acm, thresholds: {path: no-such.csv}}\n"), "no-such.csv"));
    CHECK(contains(error_of("acm: {thresholds: {source: fer_sweep}}\n"), "acm.thresholds.path: missing"));
    CHECK(contains(error_of("modem: {stream: ts}\nacm: {mode: acm}\n"), "modem.stream 'gse'"));
    CHECK(contains(error_of("radio: {backend: zmq, direction: rx, zmq: {rx_address: 'tcp://127.0.0.1:1'}}\n"
                            "acm: {mode: acm, feedback: {kind: none}}\n"),
                   "acm.mode: 'acm' drives our transmitter"));
    CHECK(contains(error_of("radio: {backend: zmq, direction: tx, zmq: {tx_address: 'tcp://127.0.0.1:1'}}\n"
                            "acm: {feedback: {kind: inband}}\n"),
                   "acm.feedback.kind: 'inband' needs"));
    // The reports' EtherType is not a user's.
    auto e = error_of("data: {ip: {ethertype: 0x88B5}}\n");
    CHECK(contains(e, "data.ip.ethertype"));
    CHECK(contains(e, "reserved"));
}

TEST_CASE("ACM loop: the receiver's frames become reports, reports drive the format", "[modemd][acm]")
{
    const Config c = parse_config("acm: {mode: acm, link_id: 3, step_up_hold_s: 0, min_modcod: QPSK 1/2, "
                                  "max_modcod: QPSK 3/4, frame: short}\n",
                                  "t", "/tmp");
    std::vector<std::string> log;
    modemd::AcmLoop loop(c, [&](const std::string& line) { log.push_back(line); });
    std::vector<std::vector<uint8_t>> sent;
    std::vector<dualsat::FrameFormat> formats;
    loop.set_inband_sender([&](const uint8_t* r, size_t n) {
        sent.emplace_back(r, r + n);
        return true;
    });
    loop.set_format_sink([&](const dualsat::FrameFormat& f) { formats.push_back(f); });
    loop.set_lock_probe([] { return std::optional<bool>(true); });
    REQUIRE(loop.measuring());
    REQUIRE(loop.controlling());
    // The transmitter starts at the fallback: the lowest rung.
    const auto first = loop.initial_format();
    REQUIRE(first);
    CHECK(dualsat::to_string(*first) == "QPSK 1/2 short pilots");

    // Eight idle frames at 12 dB, then a poll: one 35-byte report goes out in-band.
    int64_t t = modemd::AcmLoop::now_ns();
    for (int i = 0; i < 8; ++i) {
        dualsat::LinkObservation o;
        o.time_ns = t + i * 1000000;
        o.dummy = true;
        o.esn0_db = 12.0f;
        o.esn0_var_db2 = 0.05f;
        loop.on_frame(o);
    }
    loop.poll(t + 10000000);
    REQUIRE(sent.size() == 1);
    REQUIRE(sent[0].size() == dualsat::kLinkReportSize);
    dualsat::LinkReport r;
    REQUIRE(dualsat::LinkReport::parse(sent[0].data(), sent[0].size(), r) == dualsat::LinkReportStatus::Ok);
    CHECK(r.link_id == 3);
    CHECK(r.locked);
    CHECK(r.esn0_valid);
    CHECK(r.esn0_db == Approx(12.0).margin(0.01));
    // Not due again until the interval has passed.
    loop.poll(t + 20000000);
    CHECK(sent.size() == 1);

    // That report, back at our own controller (a loop closed on itself): accepted, and
    // with no hold the highest rung it sustains follows at once (QPSK 3/4, the top of the
    // allowed set: a step up climbs as far as the reports of the hold allow).
    auto res = loop.on_report_bytes(sent[0].data(), sent[0].size(), modemd::ReportSource::InBand);
    CHECK(res.status == 200);
    CHECK(res.body["outcome"] == "accepted");
    REQUIRE_FALSE(formats.empty());
    CHECK(dualsat::to_string(formats.back().modcod) == "QPSK 3/4");
    CHECK(formats.back().frame == dualsat::FrameSize::Short);
    REQUIRE_FALSE(log.empty());
    CHECK(contains(log.back(), "QPSK 1/2 short pilots -> QPSK 3/4 short pilots"));

    // Malformed and foreign reports: counted, nothing changes.
    const size_t changes = formats.size();
    std::vector<uint8_t> bad = sent[0];
    bad[5] ^= 1; // the link id's low byte: the CRC no longer matches
    res = loop.on_report_bytes(bad.data(), bad.size(), modemd::ReportSource::Udp);
    CHECK(res.status == 400);
    CHECK(contains(res.error, "CRC"));
    res = loop.on_report_bytes(bad.data(), 3, modemd::ReportSource::Http);
    CHECK(res.status == 400);
    dualsat::LinkReport other = r;
    other.link_id = 4;
    other.sequence = 1;
    const auto wire = other.encode();
    res = loop.on_report_bytes(wire.data(), wire.size(), modemd::ReportSource::Http);
    CHECK(res.body["outcome"] == "wrong link");
    CHECK(formats.size() == changes);
    const nlohmann::json s = loop.status();
    CHECK(s["reports_in"]["inband"] == 1);
    CHECK(s["reports_in"]["udp"] == 1);
    CHECK(s["reports_in"]["http"] == 2);
    CHECK(s["reports_in"]["malformed"] == 2);
    CHECK(s["reports_in"]["malformed_by_reason"]["bad_crc"] == 1);
    CHECK(s["reports_in"]["malformed_by_reason"]["too_short"] == 1);
    CHECK(s["reports_in"]["wrong_link"] == 1);
    CHECK(s["controller"]["modcod"] == "QPSK 3/4");
    CHECK(s["controller"]["step_ups"] == 1);
    CHECK(s["reporter"]["sent_inband"] == 1);
    modemd::PrometheusText p;
    loop.add_metrics(p);
    CHECK(contains(p.text(), "dualsat_acm_reports_malformed_total{reason=\"bad_crc\"} 1"));
    CHECK(contains(loop.status_fields(), "ACM QPSK 3/4"));

    // A fixed-mode daemon takes no reports: 409, counted as ignored.
    const Config fixed = parse_config("modem: {modcod: QPSK 1/2}\n", "t", "/tmp");
    modemd::AcmLoop measuring_only(fixed, nullptr);
    CHECK_FALSE(measuring_only.controlling());
    CHECK_FALSE(measuring_only.initial_format());
    res = measuring_only.on_report_bytes(sent[0].data(), sent[0].size(), modemd::ReportSource::Http);
    CHECK(res.status == 409);
    CHECK(measuring_only.status()["reports_in"]["ignored_no_controller"] == 1);
}

TEST_CASE("ACM loop: POST /acm settings, checked like the config, SIGHUP keeps them unless the file changed",
          "[modemd][acm]")
{
    const std::string text = "acm: {mode: acm, link_id: 3, min_modcod: QPSK 1/2, max_modcod: 8PSK 3/4, "
                             "frame: short, margin_db: %M, hysteresis_db: %H}\n";
    auto conf = [&](const char* margin, const char* hysteresis) {
        std::string t = text;
        t.replace(t.find("%M"), 2, margin);
        t.replace(t.find("%H"), 2, hysteresis);
        return parse_config(t, "t", "/tmp");
    };
    std::vector<std::string> log;
    modemd::AcmLoop loop(conf("1.0", "0.4"), [&](const std::string& line) { log.push_back(line); });
    REQUIRE(loop.initial_format());
    CHECK(loop.status()["settings"]["margin_db"] == 1.0);
    const double required = loop.status()["controller"]["required_esn0_db"].get<double>();

    auto r = loop.set_settings({ { "margin_db", 2.5 }, { "exclude", nlohmann::json::array({ "8PSK" }) }, { "outer_loop", false } });
    REQUIRE(r.status == 200);
    CHECK(r.body["settings"]["margin_db"] == 2.5);
    CHECK(r.body["settings"]["exclude"] == nlohmann::json::array({ "8PSK" }));
    CHECK(r.body["changed"] == nlohmann::json::array({ "exclude", "margin_db", "outer_loop" }));
    // At the fallback (lowest) rung: its requirement moves by the margin's 1.5 dB.
    CHECK(r.body["decision"]["required_esn0_db"].get<double>() == Approx(required + 1.5));
    // Held in a named object: a range-for over a part of the temporary status() would
    // iterate after that temporary is destroyed.
    const nlohmann::json status = loop.status();
    for (const auto& rung : status["controller"]["ladder"])
        CHECK(rung["modcod"].get<std::string>().rfind("8PSK", 0) == std::string::npos);
    REQUIRE_FALSE(log.empty());
    CHECK(contains(log.back(), "margin_db 1.0 -> 2.5"));

    // The config's ranges, names and messages; nothing applied.
    auto error = [&](const nlohmann::json& body) {
        auto res = loop.set_settings(body);
        CHECK(res.status == 400);
        return res.error;
    };
    CHECK(error({ { "margin_db", 21 } }) == "acm.margin_db: 21 is out of range (>= 0 and <= 20)");
    CHECK(contains(error({ { "step_up_hold_s", "1" } }), "acm.step_up_hold_s: expected a number"));
    CHECK(contains(error({ { "outer_loop", "yes" } }), "acm.outer_loop: expected true or false"));
    CHECK(contains(error({ { "max_modcod", "QPSK 1/4" } }), "acm.max_modcod: 'QPSK 1/4' is below"));
    CHECK(contains(error({ { "exclude", nlohmann::json::array({ "QPSK", 4 }) } }), "acm.exclude[1]: expected a MODCOD"));
    CHECK(contains(error({ { "fallback", "nope" } }), "acm.fallback: \"nope\" is not a DVB-S2 MODCOD"));
    CHECK(contains(error({ { "frame", "long" } }), "acm.frame: \"long\" is not one of"));
    CHECK(contains(error({ { "link_id", 4 } }), "acm.link_id: unknown setting"));
    // No ladder left: the controller's reason, and the previous settings stay.
    CHECK(contains(error({ { "exclude", nlohmann::json::array({ "QPSK", "8PSK" }) } }), "acm: "));
    CHECK(loop.status()["settings"]["margin_db"] == 2.5);
    CHECK(loop.status()["settings"]["exclude"] == nlohmann::json::array({ "8PSK" }));

    // SIGHUP with an unchanged file: the API's settings stay.
    auto notes = loop.reconfigure(conf("1.0", "0.4").acm);
    CHECK(loop.status()["settings"]["margin_db"] == 2.5);
    CHECK_FALSE(loop.status()["settings"]["outer_loop"].get<bool>());
    // The file's hysteresis changed: that one is taken, the API's margin and rest stay.
    notes = loop.reconfigure(conf("1.0", "0.6").acm);
    CHECK(nlohmann::json(notes).dump().find("acm controller settings applied") != std::string::npos);
    CHECK(loop.status()["settings"]["hysteresis_db"] == 0.6);
    CHECK(loop.status()["settings"]["margin_db"] == 2.5);
    CHECK(loop.status()["settings"]["exclude"] == nlohmann::json::array({ "8PSK" }));
    // The file's margin changed: it wins.
    loop.reconfigure(conf("3.0", "0.6").acm);
    CHECK(loop.status()["settings"]["margin_db"] == 3.0);

    // Without a controller: 409.
    modemd::AcmLoop fixed(parse_config("modem: {modcod: QPSK 1/2}\n", "t", "/tmp"), nullptr);
    CHECK(fixed.set_settings({ { "margin_db", 1.0 } }).status == 409);
    CHECK_FALSE(fixed.status().contains("settings"));
}

TEST_CASE("config: the channel section on zmq, its Es/N0 trace", "[modemd][config][acm]")
{
    TempDir dir;
    dir.write("trace.csv", "time_s,esn0_db\n# fade\n0,14\n2.5,4\n5,14\n", 0644);
    Config c = parse_config("radio: {backend: zmq, direction: both, zmq: {tx_address: 'tcp://127.0.0.1:1', "
                            "rx_address: 'tcp://127.0.0.1:2'}}\n"
                            "channel: {esn0_db: 14, esn0_trace: trace.csv, trace_loop: true}\n",
                            "t", dir.path);
    CHECK(c.radio.direction == modemd::Direction::Both);
    CHECK(c.channel.present);
    REQUIRE(c.channel.trace.size() == 3);
    CHECK(c.channel.trace[1] == std::make_pair(2.5, 4.0));
    CHECK(c.channel.trace_loop);
    dir.write("back.csv", "0,14\n2,4\n1,5\n", 0644);
    CHECK(contains(error_of("channel: {esn0_trace: back.csv}\n", dir.path), "line 3: times must increase"));
    dir.write("bad.csv", "0,14\n1,x\n", 0644);
    CHECK(contains(error_of("channel: {esn0_trace: bad.csv}\n", dir.path), "channel.esn0_trace"));
    CHECK(contains(error_of("channel: {esn0_trace: none.csv}\n", dir.path), "does not exist"));
    CHECK(contains(error_of("radio: {backend: zmq, direction: tx, zmq: {tx_address: 'tcp://127.0.0.1:1'}}\n"
                            "channel: {esn0_db: 3}\n"),
                   "received samples"));
}

TEST_CASE("config: a forward address that is a listen address is an error", "[modemd][config]")
{
    auto e = error_of("data: {ip: {listen: '127.0.0.1:5000', forward: '127.0.0.1:5000'}}\n");
    CHECK(contains(e, "data.ip.forward: '127.0.0.1:5000' is data.ip.listen"));
    CHECK(contains(e, "loop"));
    CHECK(contains(error_of("data: {ip: {listen: 'localhost:5000', forward: '127.0.0.1:5000'}}\n"),
                   "data.ip.forward"));
    CHECK(contains(error_of("data: {ip: {listen: '[::1]:5000', forward: '[0:0::1]:5000'}}\n"),
                   "data.ip.forward"));
    // A wildcard bind receives what is sent to the loopback address.
    CHECK(contains(error_of("data: {ip: {listen: '0.0.0.0:5000', forward: '127.0.0.1:5000'}}\n"),
                   "data.ip.forward"));
    CHECK(contains(error_of("data: {ip: {listen: '[::]:5000', forward: '[::1]:5000'}}\n"), "data.ip.forward"));
    CHECK(contains(error_of("modem: {stream: ts}\ndata: {ts: {listen: '127.0.0.1:6000', forward: '127.0.0.1:6000'}}\n"),
                   "data.ts.forward: '127.0.0.1:6000' is data.ts.listen"));
    // Different ports, another host, or an ephemeral listen port: fine.
    CHECK(error_of("data: {ip: {listen: '127.0.0.1:5000', forward: '127.0.0.1:5001'}}\n").empty());
    CHECK(error_of("data: {ip: {listen: '127.0.0.1:5000', forward: '192.0.2.1:5000'}}\n").empty());
    CHECK(error_of("data: {ip: {listen: '127.0.0.1:5000', forward: '127.0.0.2:5000'}}\n").empty());
    CHECK(error_of("data: {ip: {listen: '127.0.0.1:0', forward: '127.0.0.1:0'}}\n").empty());
}

TEST_CASE("config: the sample rate must be at least twice the symbol rate", "[modemd][config]")
{
    auto e = error_of("modem: {symbol_rate: 1e6}\nradio: {sample_rate: 1.5e6}\n");
    CHECK(contains(e, "radio.sample_rate"));
    CHECK(contains(e, "1500000"));
    CHECK(contains(e, "at least 2 x the symbol rate"));
    CHECK(error_of("modem: {symbol_rate: 1e6}\nradio: {sample_rate: 2e6}\n").empty());
    CHECK(contains(error_of("radio: {sample_rate: 0}\n"), "radio.sample_rate: 0 is out of range"));
}

TEST_CASE("config: backend sections and their required keys", "[modemd][config]")
{
    CHECK(contains(error_of("radio: {backend: loopback, uhd: {args: ''}}\n"), "radio.uhd: section given"));
    CHECK(contains(error_of("radio: {backend: uhd, direction: tx, uhd: {args: 'type=b200'}}\n"),
                   "radio.uhd.tx: missing"));
    CHECK(contains(error_of("radio: {backend: uhd, direction: tx, uhd: {tx: {gain: 3}}}\n"),
                   "radio.uhd.tx.freq: missing"));
    CHECK(contains(error_of("radio: {backend: file, direction: rx, file: {rx_path: nothere.cf32}}\n"),
                   "radio.file.rx_path: file '/tmp/nothere.cf32' does not exist"));
    CHECK(contains(error_of("radio: {backend: file, direction: tx, file: {tx_path: /no/such/dir/x}}\n"),
                   "radio.file.tx_path"));
    CHECK(contains(error_of("radio: {backend: zmq, direction: tx, zmq: {tx_address: '127.0.0.1:5'}}\n"),
                   "not a ZeroMQ address"));
    CHECK(contains(error_of("radio: {backend: zmq, direction: both, zmq: {}}\n"), "radio.direction"));
    CHECK(contains(error_of("radio: {backend: uhd, direction: rx, uhd: {rx: {freq: 1e9}}}\nchannel: {esn0_db: 3}\n"),
                   "channel: section only applies"));
    // IP input needs GSE, TS input needs TS.
    CHECK(contains(error_of("modem: {stream: ts}\ndata: {ip: {listen: '127.0.0.1:1'}}\n"), "data.ip"));
    CHECK(contains(error_of("data: {ts: {listen: '127.0.0.1:1'}}\n"), "data.ts.listen"));
}

TEST_CASE("config: control token rules", "[modemd][config]")
{
    TempDir dir;
    const std::string token = "0123456789abcdef0123456789abcdef";
    // Non-loopback bind without a token is refused; loopback binds are fine without.
    auto e = error_of("control: {bind: 0.0.0.0}\n");
    CHECK(contains(e, "control.bind: '0.0.0.0' is not a loopback address"));
    CHECK(contains(error_of("control: {bind: '::'}\n"), "token is required"));
    CHECK(error_of("control: {bind: 127.0.0.2}\n").empty());
    CHECK(error_of("control: {bind: '::1'}\n").empty());
    CHECK(contains(error_of("control: {bind: 'example.org'}\n"), "control.bind"));
    CHECK(parse_config("modem: {}\n", "t", "/tmp").control.max_connections == 64);
    CHECK(parse_config("control: {max_connections: 8}\n", "t", "/tmp").control.max_connections == 8);
    CHECK(contains(error_of("control: {max_connections: 0}\n"), "control.max_connections"));

    // Token file: private -> accepted and read; group/world readable -> refused.
    std::string priv = dir.write("token", token + "\n", 0600);
    Config c = parse_config("control: {bind: 0.0.0.0, token_file: token}\n", "t", dir.path);
    CHECK(c.control.token == token);
    std::string shared = dir.write("token-shared", token, 0644);
    e = error_of("control: {bind: 0.0.0.0, token_file: token-shared}\n", dir.path);
    CHECK(contains(e, "control.token_file"));
    CHECK(contains(e, "0644"));
    CHECK(contains(e, "chmod 600"));
    CHECK_FALSE(contains(e, token)); // the secret never appears in messages
    dir.write("token-group", token, 0640);
    CHECK(contains(error_of("control: {token_file: token-group}\n", dir.path), "0640"));
    CHECK(contains(error_of("control: {token_file: missing}\n", dir.path), "does not exist"));
    dir.write("token-short", "abc", 0600);
    CHECK(contains(error_of("control: {token_file: token-short}\n", dir.path), "at least 16"));
    // Inline token: only in a private config file, never both forms.
    CHECK(error_of("control: {token: " + token + "}\n", "/tmp", true).empty());
    e = error_of("control: {token: " + token + "}\n", "/tmp", false);
    CHECK(contains(e, "control.token"));
    CHECK_FALSE(contains(e, token));
    CHECK(contains(error_of("control: {token: " + token + ", token_file: token}\n", dir.path), "not both"));

    // Owner: the daemon's user or root. Another owner can only be made by root.
    if (::geteuid() == 0) {
        std::string foreign = dir.write("token-foreign", token, 0600);
        REQUIRE(::chown(foreign.c_str(), 65534, 65534) == 0);
        e = error_of("control: {token_file: token-foreign}\n", dir.path);
        CHECK(contains(e, "control.token_file"));
        CHECK(contains(e, "owned by uid 65534"));
        CHECK_FALSE(contains(e, token));
    } else {
        WARN("not root: the token_file owner check is not exercised");
    }
    // A token file that is not a regular file, or too large, is refused before reading.
    CHECK(contains(error_of("control: {token_file: /dev/zero}\n", dir.path), "not a regular file"));
    dir.write("token-huge", std::string(5000, 'a'), 0600);
    CHECK(contains(error_of("control: {token_file: token-huge}\n", dir.path), "more than the limit of 4096"));
}

TEST_CASE("config: load_config checks the file itself", "[modemd][config]")
{
    TempDir dir;
    CHECK_THROWS_WITH(modemd::load_config(dir.path + "/nope.yaml"), Catch::Contains("does not exist"));
    std::string p = dir.write("c.yaml", "modem: {modcod: 8PSK 3/5}\n", 0644);
    CHECK(modemd::load_config(p).modem.format.modcod == dualsat::parse_modcod("8PSK 3/5"));
    // Not regular files: refused at once (a FIFO without a writer must not block, /dev/zero
    // must not be read until memory runs out).
    CHECK_THROWS_WITH(modemd::load_config("/dev/zero"), Catch::Contains("not a regular file") &&
                                                            Catch::Contains("character device"));
    CHECK_THROWS_WITH(modemd::load_config(dir.path), Catch::Contains("is a directory"));
    const std::string fifo = dir.path + "/fifo.yaml";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(modemd::load_config(fifo), Catch::Contains("a FIFO"));
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
    // A symlink to a device is judged by what it points to.
    const std::string link = dir.path + "/link.yaml";
    REQUIRE(::symlink("/dev/zero", link.c_str()) == 0);
    CHECK_THROWS_WITH(modemd::load_config(link), Catch::Contains("not a regular file"));
    // Size cap: 1 MiB of comments passes, one byte more does not.
    std::string big = "modem: {}\n";
    big += "#" + std::string(modemd::kMaxConfigBytes - big.size() - 2, 'x') + "\n";
    REQUIRE(big.size() == modemd::kMaxConfigBytes);
    CHECK_NOTHROW(modemd::load_config(dir.write("big.yaml", big, 0600)));
    CHECK_THROWS_WITH(modemd::load_config(dir.write("bigger.yaml", big + "#", 0600)),
                      Catch::Contains("1048577 bytes, more than the limit of 1048576"));
}

TEST_CASE("config: loopback addresses", "[modemd][config]")
{
    CHECK(modemd::is_loopback_address("127.0.0.1"));
    CHECK(modemd::is_loopback_address("127.255.0.9"));
    CHECK(modemd::is_loopback_address("::1"));
    CHECK(modemd::is_loopback_address("::ffff:127.0.0.1"));
    CHECK(modemd::is_loopback_address("localhost"));
    CHECK_FALSE(modemd::is_loopback_address("0.0.0.0"));
    CHECK_FALSE(modemd::is_loopback_address("::"));
    CHECK_FALSE(modemd::is_loopback_address("128.0.0.1"));
    CHECK_FALSE(modemd::is_loopback_address("10.0.0.1"));
}

namespace {

class FakeModem : public modemd::ModemControl
{
public:
    std::string last_modcod;
    std::optional<std::string> last_frame;
    std::optional<bool> last_pilots;
    double last_gain = 0, last_freq = 0;
    std::string last_dir;
    nlohmann::json status() override { return { { "lock", nullptr }, { "modcod", last_modcod } }; }
    std::string metrics() override { return "# HELP x y\n# TYPE x gauge\nx 1\n"; }
    modemd::ControlResult set_modcod(const std::string& m,
                                     const std::optional<std::string>& f,
                                     const std::optional<bool>& p) override
    {
        if (m == "bad")
            return modemd::ControlResult::fail(400, "bad modcod");
        last_modcod = m;
        last_frame = f;
        last_pilots = p;
        return modemd::ControlResult::ok({ { "modcod", m } });
    }
    modemd::ControlResult set_gain(double g, const std::string& d) override
    {
        last_gain = g;
        last_dir = d;
        return modemd::ControlResult::ok({});
    }
    modemd::ControlResult set_frequency(double f, const std::string& d) override
    {
        last_freq = f;
        last_dir = d;
        return modemd::ControlResult::ok({});
    }
};

modemd::HttpRequest req(const std::string& method, const std::string& target,
                        const std::string& body = "", const std::string& auth = "")
{
    return { method, target, auth, body };
}

} // namespace

TEST_CASE("control API: routes, methods and bodies", "[modemd][api]")
{
    FakeModem m;
    modemd::ControlApi api(m, "");
    auto r = api.handle(req("GET", "/status"));
    CHECK(r.status == 200);
    CHECK(nlohmann::json::parse(r.body).contains("lock"));
    r = api.handle(req("GET", "/metrics?x=1"));
    CHECK(r.status == 200);
    CHECK(contains(r.content_type, "text/plain"));
    CHECK(api.handle(req("GET", "/nope")).status == 404);
    r = api.handle(req("GET", "/modcod"));
    CHECK(r.status == 405);
    CHECK(r.headers.at(0).first == "Allow");
    CHECK(api.handle(req("POST", "/status")).status == 405);

    r = api.handle(req("POST", "/modcod", R"({"modcod":"8PSK 3/5","frame":"short","pilots":false})"));
    CHECK(r.status == 200);
    CHECK(m.last_modcod == "8PSK 3/5");
    CHECK(m.last_frame == std::optional<std::string>("short"));
    CHECK(m.last_pilots == std::optional<bool>(false));
    CHECK(api.handle(req("POST", "/modcod", R"({"modcod":"bad"})")).status == 400);
    CHECK(api.handle(req("POST", "/modcod", "{not json")).status == 400);
    CHECK(api.handle(req("POST", "/modcod", "[1]")).status == 400);
    CHECK(api.handle(req("POST", "/modcod", R"({"modcod":4})")).status == 400);
    CHECK(api.handle(req("POST", "/modcod", R"({"modcod":"QPSK 1/2","pilots":"yes"})")).status == 400);

    CHECK(api.handle(req("POST", "/gain", R"({"gain_db": 12.5, "direction": "rx"})")).status == 200);
    CHECK(m.last_gain == 12.5);
    CHECK(m.last_dir == "rx");
    CHECK(api.handle(req("POST", "/gain", R"({"gain_db": "x"})")).status == 400);
    CHECK(api.handle(req("POST", "/gain", R"({"gain_db": 1, "direction": "up"})")).status == 400);
    CHECK(api.handle(req("POST", "/frequency", R"({"freq_hz": "1.2e9"})")).status == 200);
    CHECK(m.last_freq == 1.2e9);
    CHECK(m.last_dir == "tx");
    CHECK(api.handle(req("POST", "/frequency", R"({})")).status == 400);

    // /acm/report takes the binary wire report, not JSON: it reaches the modem as is (the
    // fake has no controller: 409); /channel takes a number.
    const std::string binary("\xac\x01\x23\x00\xff", 5);
    r = api.handle(req("POST", "/acm/report", binary));
    CHECK(r.status == 409);
    CHECK(api.handle(req("GET", "/acm/report")).status == 405);
    CHECK(api.handle(req("POST", "/channel", R"({"esn0_db": 6.5})")).status == 409);
    CHECK(api.handle(req("POST", "/channel", R"({"esn0": 6.5})")).status == 400);
    CHECK(api.handle(req("POST", "/channel", "\xac")).status == 400);
    // /acm: JSON; the fake has no controller (the default: 409).
    CHECK(api.handle(req("POST", "/acm", R"({"margin_db": 2})")).status == 409);
    CHECK(api.handle(req("POST", "/acm", "[2]")).status == 400);
    CHECK(api.handle(req("GET", "/acm")).status == 405);
}

TEST_CASE("control API: hostile requests get a 4xx JSON answer, never an exception", "[modemd][api]")
{
    FakeModem m;
    modemd::ControlApi api(m, "");
    auto is_json_error = [](const modemd::HttpResponse& r) {
        auto j = nlohmann::json::parse(r.body); // the body itself must be valid UTF-8 JSON
        return j.contains("error") && j["error"].is_string();
    };
    // Invalid UTF-8 in the path: 404 naming the path with U+FFFD for the bad byte.
    modemd::HttpResponse r;
    REQUIRE_NOTHROW(r = api.handle(req("GET", "/\xff")));
    CHECK(r.status == 404);
    CHECK(is_json_error(r));
    CHECK(contains(r.body, "\xEF\xBF\xBD"));
    REQUIRE_NOTHROW(r = api.handle(req("POST", "/\xc3\x28/x?\xff")));
    CHECK(r.status == 404);
    // Invalid UTF-8 inside a JSON string of a body.
    REQUIRE_NOTHROW(r = api.handle(req("POST", "/modcod", "{\"modcod\":\"8PSK \xff 3/5\"}")));
    CHECK(r.status == 400);
    CHECK(is_json_error(r));
    CHECK(contains(r.body, "UTF-8"));
    // Numbers beyond double range, as JSON numbers and as strings.
    REQUIRE_NOTHROW(r = api.handle(req("POST", "/frequency", R"({"freq_hz": 1e400})")));
    CHECK(r.status == 400);
    CHECK(is_json_error(r));
    CHECK(contains(r.body, "out of range"));
    REQUIRE_NOTHROW(r = api.handle(req("POST", "/gain", R"({"gain_db": -1e400})")));
    CHECK(r.status == 400);
    CHECK(api.handle(req("POST", "/gain", R"({"gain_db": "1e400"})")).status == 400);
    CHECK(m.last_freq == 0);
    CHECK(m.last_gain == 0);
    // Invalid UTF-8 in a method and in the token header.
    CHECK(api.handle(req("\xff", "/status")).status == 405);
    modemd::ControlApi secured(m, "0123456789abcdef0123");
    REQUIRE_NOTHROW(r = secured.handle(req("GET", "/\xff", "", "Bearer \xff\xfe")));
    CHECK(r.status == 401);
    CHECK(is_json_error(r));
}

TEST_CASE("control API: bearer token", "[modemd][api]")
{
    FakeModem m;
    const std::string token = "0123456789abcdef0123";
    modemd::ControlApi api(m, token);
    auto r = api.handle(req("GET", "/status"));
    CHECK(r.status == 401);
    CHECK(r.headers.at(0).first == "WWW-Authenticate");
    CHECK_FALSE(contains(r.body, token));
    CHECK(api.handle(req("GET", "/status", "", "Bearer wrong")).status == 401);
    CHECK(api.handle(req("GET", "/status", "", "Bearer " + token + "x")).status == 401);
    CHECK(api.handle(req("GET", "/status", "", "Basic " + token)).status == 401);
    CHECK(api.handle(req("GET", "/status", "", token)).status == 401);
    // Refused before anything acts: the modem is untouched.
    CHECK(api.handle(req("POST", "/modcod", R"({"modcod":"8PSK 3/5"})", "Bearer nope")).status == 401);
    CHECK(m.last_modcod.empty());
    CHECK(api.handle(req("GET", "/status", "", "Bearer " + token)).status == 200);
    CHECK(api.handle(req("GET", "/status", "", "bearer " + token)).status == 200);
    CHECK(api.unauthorized() == 6);
    CHECK(api.requests() == 8);

    CHECK(modemd::secrets_equal("abc", "abc"));
    CHECK_FALSE(modemd::secrets_equal("abc", "abd"));
    CHECK_FALSE(modemd::secrets_equal("abc", "abcd"));
    CHECK_FALSE(modemd::secrets_equal("", "a"));
}

TEST_CASE("Prometheus text: HELP/TYPE once per family, samples grouped, labels escaped", "[modemd][api]")
{
    modemd::PrometheusText p;
    p.add("a_total", "counter", "first", 3, { { "k", "x" } });
    p.add("b", "gauge", "second", 0.5);
    p.add("a_total", "counter", "first", 4, { { "k", "q\"\\\n" } });
    p.add("c", "gauge", "nan", std::nan(""));
    const std::string t = p.text();
    CHECK(t == "# HELP a_total first\n# TYPE a_total counter\na_total{k=\"x\"} 3\n"
               "a_total{k=\"q\\\"\\\\\\n\"} 4\n"
               "# HELP b second\n# TYPE b gauge\nb 0.5\n"
               "# HELP c nan\n# TYPE c gauge\nc NaN\n");
    CHECK_THROWS(p.add("bad name", "gauge", "", 1));
    CHECK_THROWS(p.add("0x", "gauge", "", 1));
    CHECK_THROWS(p.add("b", "counter", "", 1));
    CHECK_THROWS(p.add("d", "histogram", "", 1));
}

TEST_CASE("SigMF: write, read back, and reject what does not match", "[modemd][sigmf]")
{
    TempDir dir;
    CHECK(modemd::sigmf_meta_path("/a/b.sigmf-data") == "/a/b.sigmf-meta");
    CHECK(modemd::sigmf_meta_path("/a/b.cf32") == "/a/b.cf32.sigmf-meta");

    const std::string data = dir.write("rec.sigmf-data", std::string(8 * 100, '\0'), 0644);
    modemd::SigmfInfo info;
    info.sample_rate = 2e6;
    info.frequency = 1.2e9;
    info.modcod = "8PSK 3/5";
    info.frame = "normal";
    info.pilots = true;
    info.symbol_rate = 1e6;
    info.rolloff = 0.2;
    modemd::write_sigmf_meta(data, info);
    auto back = modemd::read_sigmf_meta(data, 2e6);
    CHECK(back.sample_rate == 2e6);
    CHECK(back.frequency == 1.2e9);
    CHECK(back.modcod == "8PSK 3/5");
    CHECK(back.pilots);
    CHECK(back.sample_count == 100);
    // Independent check of the JSON itself (not through our reader).
    std::ifstream in(dir.path + "/rec.sigmf-meta");
    auto j = nlohmann::json::parse(in);
    CHECK(j["global"]["core:datatype"] == "cf32_le");
    CHECK(j["global"]["core:version"] == "1.0.0");
    CHECK(j["captures"][0]["core:sample_start"] == 0);

    CHECK_THROWS_WITH(modemd::read_sigmf_meta(data, 4e6),
                      Catch::Contains("core:sample_rate is 2e+06 but radio.sample_rate is 4e+06"));
    dir.write("odd.sigmf-data", std::string(12, '\0'), 0644);
    modemd::write_sigmf_meta(dir.path + "/odd.sigmf-data", info);
    CHECK_THROWS_WITH(modemd::read_sigmf_meta(dir.path + "/odd.sigmf-data", 0),
                      Catch::Contains("whole number"));
    dir.write("x.sigmf-data", "", 0644);
    CHECK_THROWS_WITH(modemd::read_sigmf_meta(dir.path + "/x.sigmf-data", 0), Catch::Contains("missing"));
    dir.write("x.sigmf-meta", R"({"global":{"core:datatype":"ci16_le","core:sample_rate":1}})", 0644);
    CHECK_THROWS_WITH(modemd::read_sigmf_meta(dir.path + "/x.sigmf-data", 0), Catch::Contains("ci16_le"));
    dir.write("x.sigmf-meta", "{", 0644);
    CHECK_THROWS_WITH(modemd::read_sigmf_meta(dir.path + "/x.sigmf-data", 0), Catch::Contains("JSON"));
}

namespace {

// Well-formed IP packets of `size` bytes (header length fields set), content `fill`.
std::vector<uint8_t> ipv4_packet(size_t size, uint8_t fill = 1)
{
    std::vector<uint8_t> p(size, fill);
    p[0] = 0x45;
    p[2] = static_cast<uint8_t>(size >> 8);
    p[3] = static_cast<uint8_t>(size);
    return p;
}

std::vector<uint8_t> ipv6_packet(size_t size, uint8_t fill = 2)
{
    std::vector<uint8_t> p(size, fill);
    p[0] = 0x60;
    p[4] = static_cast<uint8_t>((size - 40) >> 8);
    p[5] = static_cast<uint8_t>(size - 40);
    return p;
}

} // namespace

TEST_CASE("TX input: IP headers are checked, malformed packets counted as rejected", "[modemd][txinput]")
{
    modemd::TxInput input(modemd::StreamInput::Gse, 1 << 20);
    size_t handed = 0;
    input.set_pdu_sink([&](const uint8_t*, size_t, uint16_t) { ++handed; });
    auto push = [&](const std::vector<uint8_t>& p, uint16_t et = 0) { return input.push_ip(p.data(), p.size(), et); };
    CHECK(push(ipv4_packet(20)));
    CHECK(push(ipv4_packet(1500)));
    CHECK(push(ipv6_packet(40)));
    CHECK(push(ipv6_packet(1280)));
    CHECK(push(ipv4_packet(100), 0x0800)); // explicit EtherType: checked the same way
    const std::string hello = "hello";     // 'h' = 0x68: version nibble 6, but no IPv6 packet
    CHECK_FALSE(input.push_ip(reinterpret_cast<const uint8_t*>(hello.data()), hello.size(), 0));
    auto v4 = ipv4_packet(100);
    v4[0] = 0x44; // IHL 4 words < 5
    CHECK_FALSE(push(v4));
    v4[0] = 0x4F; // IHL 60 bytes: fits, fine
    CHECK(push(v4));
    v4 = ipv4_packet(100);
    v4[3] = 99; // total length one short of the datagram
    CHECK_FALSE(push(v4));
    v4[3] = 101; // longer than the datagram
    CHECK_FALSE(push(v4));
    v4 = ipv4_packet(19);
    CHECK_FALSE(push(v4)); // shorter than a header
    v4 = ipv4_packet(40);
    v4[0] = 0x4F; // IHL 60 > total length 40
    CHECK_FALSE(push(v4));
    CHECK_FALSE(push(ipv6_packet(100), 0x0800)); // EtherType IPv4, content IPv6
    auto v6 = ipv6_packet(100);
    v6[5] = 61; // payload length does not match
    CHECK_FALSE(push(v6));
    v6 = ipv6_packet(39 + 40);
    v6.resize(39);
    CHECK_FALSE(push(v6)); // shorter than the fixed header
    auto other = ipv4_packet(10);
    CHECK(push(other, 0x88B6)); // another EtherType: carried as given
    auto s = input.stats();
    CHECK(s.packets_in == 7);
    CHECK(handed == 7);
    CHECK(s.packets_rejected == 9);
}

TEST_CASE("TX input: IP packets checked, admitted, handed on in order", "[modemd][txinput]")
{
    modemd::TxInput input(modemd::StreamInput::Gse, 10000);
    std::vector<std::pair<std::vector<uint8_t>, uint16_t>> handed;
    input.set_pdu_sink([&](const uint8_t* p, size_t n, uint16_t et) { handed.emplace_back(std::vector<uint8_t>(p, p + n), et); });
    std::vector<uint8_t> v4 = ipv4_packet(1000), v6 = ipv6_packet(500), other(20, 3);
    other[0] = 0x15;
    CHECK(input.push_ip(v4.data(), v4.size(), 0));
    CHECK(input.push_ip(v6.data(), v6.size(), 0));
    CHECK_FALSE(input.push_ip(other.data(), other.size(), 0)); // auto EtherType: not IP
    CHECK(input.push_ip(other.data(), other.size(), 0x88B6));  // explicit EtherType: anything
    CHECK_FALSE(input.push_ip(other.data(), other.size(), 0x88B5)); // but the ACM reports'
    CHECK_FALSE(input.push_ip(v4.data(), 0, 0));                // empty
    std::vector<uint8_t> huge(0xFFFF, 0x45);
    CHECK_FALSE(input.push_ip(huge.data(), huge.size(), 0));    // too long for GSE Total_Length
    REQUIRE(handed.size() == 3);
    CHECK(handed[0].first == v4);
    CHECK(handed[0].second == 0x0800);
    CHECK(handed[1].first == v6);
    CHECK(handed[1].second == 0x86DD);
    CHECK(handed[2].second == 0x88B6);
    // 1520 bytes queued of 10000: eight more 1000-byte packets fit, the ninth does not.
    int accepted = 0;
    for (int i = 0; i < 9; ++i)
        accepted += input.push_ip(v4.data(), v4.size(), 0);
    CHECK(accepted == 8);
    auto s = input.stats();
    CHECK(s.packets_in == 11);
    CHECK(s.bytes_in == 1000 + 500 + 20 + 8000);
    CHECK(s.packets_rejected == 4);
    CHECK(s.packets_dropped_full == 1);
    CHECK(s.queued_packets == 11);
    CHECK(s.queued_bytes == 9520);
    CHECK_FALSE(input.idle());
}

TEST_CASE("TX input: GSE packets are confirmed by the PDU counts the frames report", "[modemd][txinput]")
{
    modemd::TxInput input(modemd::StreamInput::Gse, 1 << 20);
    input.set_pdu_sink([](const uint8_t*, size_t, uint16_t) {});
    std::vector<uint8_t> pkt;
    for (int i = 0; i < 10; ++i) {
        pkt = ipv4_packet(100 + static_cast<size_t>(i));
        REQUIRE(input.push_ip(pkt.data(), pkt.size(), 0));
    }
    const dualsat::FrameFormat f{ dualsat::parse_modcod("QPSK 1/2"), dualsat::FrameSize::Short, true };
    const size_t room = static_cast<size_t>(f.code().kbch) - 80;
    modemd::TxFrameRecord full{ false, f, room, 8370, 0, false, std::nullopt };        // only a fragment ends here
    modemd::TxFrameRecord three{ false, f, room, 8370, 3, false, std::nullopt };
    modemd::TxFrameRecord padded{ false, f, room - 8 * 8, 8370, 5, false, std::nullopt };
    modemd::TxFrameRecord dummy{ true, f, 0, 3330, 0, false, std::nullopt };

    input.frame_sent(full);
    CHECK(input.stats().packets_sent == 0);
    input.frame_sent(three); // the oldest three PDUs ended in this frame
    auto s = input.stats();
    CHECK(s.packets_sent == 3);
    CHECK(s.payload_bytes_sent == 100 + 101 + 102);
    input.frame_sent(dummy); // a dummy frame carries nothing
    CHECK(input.stats().packets_sent == 3);
    input.frame_sent(padded);
    s = input.stats();
    CHECK(s.packets_sent == 8);
    CHECK(s.payload_bytes_sent == 100 + 101 + 102 + 103 + 104 + 105 + 106 + 107);
    CHECK(s.queued_packets == 2);
    CHECK(s.frames == 4);
    CHECK(s.frames_dummy == 1);
    CHECK(s.frames_padded == 1);
    CHECK(s.frames_by_modcod.at(0) == 1);
    CHECK(s.frames_by_modcod.at(dualsat::modcod_number(f.modcod)) == 3);
    CHECK(s.symbols == 3 * 8370 + 3330);
    CHECK(s.data_field_bytes == (3 * room - 8 * 8) / 8);
    REQUIRE(s.last_data_format);
    CHECK(*s.last_data_format == f);
    // Shutdown: the two unconfirmed count as dropped; nothing enters after.
    CHECK(input.drop_queued() == 2);
    s = input.stats();
    CHECK(s.packets_dropped_shutdown == 2);
    CHECK(s.packets_sent + s.packets_dropped_shutdown == s.packets_in);
    CHECK_FALSE(input.push_ip(pkt.data(), pkt.size(), 0));
    CHECK(input.idle());
}

TEST_CASE("TX input: ACM reports go ahead of waiting IP packets, accounted apart", "[modemd][txinput][acm]")
{
    modemd::TxInput input(modemd::StreamInput::Gse, 1 << 20);
    std::vector<uint16_t> handed;
    input.set_pdu_sink([&](const uint8_t*, size_t, uint16_t et) { handed.push_back(et); });
    const dualsat::FrameFormat f{ dualsat::parse_modcod("QPSK 1/2"), dualsat::FrameSize::Short, true };
    input.set_format(f);
    // Far more than the window (what the transmitter's buffer holds plus two frames).
    const std::vector<uint8_t> pkt = ipv4_packet(1000);
    for (int i = 0; i < 200; ++i)
        REQUIRE(input.push_ip(pkt.data(), pkt.size(), 0));
    const size_t released = handed.size();
    CHECK(released > 0);
    CHECK(released < 200);
    CHECK(input.stats().held_packets == 200 - released);
    // A report is handed on at once, ahead of the 200 - released still waiting.
    const uint8_t report[35] = { 0xAC };
    CHECK(input.push_report(report, sizeof report));
    REQUIRE(handed.size() == released + 1);
    CHECK(handed.back() == modemd::kAcmReportEtherType);
    // Frames confirm in the order handed on: the released packets, then the report; more
    // packets follow as the window opens.
    const size_t room = static_cast<size_t>(f.code().kbch) - 80;
    input.frame_sent({ false, f, room, 8370, released, false, std::nullopt });
    auto s = input.stats();
    CHECK(s.packets_sent == released);
    CHECK(s.reports_sent == 0);
    CHECK(handed.size() > released + 1); // the window moved on
    input.frame_sent({ false, f, room, 8370, 1, false, std::nullopt });
    s = input.stats();
    CHECK(s.reports_sent == 1);
    CHECK(s.reports_queued == 0);
    CHECK(s.packets_sent == released); // the report is not a packet
    CHECK(s.packets_in == s.packets_sent + s.queued_packets + s.packets_dropped_shutdown);
    // A stalled transmitter: reports beyond the backlog limit are counted dropped.
    for (size_t i = 0; i < modemd::TxInput::kMaxReportsInFlight; ++i)
        CHECK(input.push_report(report, sizeof report));
    CHECK_FALSE(input.push_report(report, sizeof report));
    CHECK(input.stats().reports_dropped == 1);
    // Shutdown: waiting packets and reports in flight counted dropped, each in its own.
    const uint64_t queued = input.stats().queued_packets;
    CHECK(input.drop_queued() == queued);
    s = input.stats();
    CHECK(s.packets_in == s.packets_sent + s.packets_dropped_shutdown);
    CHECK(s.reports_in == s.reports_sent + s.reports_dropped);
    CHECK_FALSE(input.push_report(report, sizeof report));
}

TEST_CASE("TX input: TS datagrams checked, queued in order, null packets only when asked", "[modemd][txinput]")
{
    modemd::TxInput input(modemd::StreamInput::Ts, 20 * 188);
    std::vector<uint8_t> dgram(7 * 188);
    for (size_t i = 0; i < dgram.size(); ++i)
        dgram[i] = static_cast<uint8_t>(i * 7);
    for (int p = 0; p < 7; ++p)
        dgram[static_cast<size_t>(p) * 188] = 0x47;
    CHECK(input.push_ts(dgram.data(), dgram.size()) == 7);
    CHECK(input.push_ts(dgram.data(), 100) == 0);       // not whole packets
    auto bad = dgram;
    bad[188 * 3] = 0x00;
    CHECK(input.push_ts(bad.data(), bad.size()) == 0);  // lost sync
    uint8_t ip[20] = { 0x45 };
    CHECK_FALSE(input.push_ip(ip, sizeof ip, 0));        // wrong stream type
    CHECK(input.push_ts(dgram.data(), dgram.size()) == 7);
    CHECK(input.push_ts(dgram.data(), dgram.size()) == 6); // queue of 20 packets
    auto s = input.stats();
    CHECK(s.packets_in == 20);
    CHECK(s.packets_rejected == 1 + 7 + 1);
    CHECK(s.packets_dropped_full == 1);

    // Taken in pieces, in order, across the ring's wrap.
    std::vector<uint8_t> taken(20 * 188 + 188);
    size_t got = input.take_ts(taken.data(), 1000, std::chrono::milliseconds(0), true);
    got += input.take_ts(taken.data() + got, taken.size() - got, std::chrono::milliseconds(0), true);
    REQUIRE(got == 20 * 188);
    for (int d = 0; d < 3; ++d)
        for (size_t i = 0; i < (d < 2 ? 7u : 6u) * 188; ++i)
            REQUIRE(taken[static_cast<size_t>(d) * 7 * 188 + i] == dgram[i]);
    // Empty: nothing unless stuffing is asked for, then one null packet.
    CHECK(input.take_ts(taken.data(), 188, std::chrono::milliseconds(0), false) == 0);
    REQUIRE(input.take_ts(taken.data(), 500, std::chrono::milliseconds(0), true) == 188);
    CHECK(taken[0] == 0x47);
    CHECK(((taken[1] & 0x1F) << 8 | taken[2]) == 0x1FFF); // PID of a null packet
    CHECK(input.push_ts(dgram.data(), 188) == 0); // the queue counts what is not yet sent

    // Data fields carry the bytes in the order taken: 20 user packets, a null packet, one
    // user packet. A field of 10.5 packets, then the rest.
    const dualsat::FrameFormat f{ dualsat::parse_modcod("QPSK 1/2"), dualsat::FrameSize::Normal, false };
    input.frame_sent({ false, f, 1974 * 8, 33282, 0, false, std::nullopt });
    s = input.stats();
    CHECK(s.packets_sent == 10);
    CHECK(s.payload_bytes_sent == 10 * 188);
    CHECK(input.push_ts(dgram.data(), 188) == 1);
    CHECK(input.take_ts(taken.data(), 188, std::chrono::milliseconds(0), true) == 188);
    CHECK(taken[1] == dgram[1]);
    input.frame_sent({ false, f, (22 * 188 - 1974) * 8, 33282, 0, false, std::nullopt });
    s = input.stats();
    CHECK(s.packets_sent == 21); // the null packet is not a user packet
    CHECK(s.payload_bytes_sent == 21 * 188);
    CHECK(s.queued_packets == 0);
    CHECK(input.idle());
}

namespace {

// A UDP socket on 127.0.0.1, ephemeral port, for what the data plane forwards.
struct UdpReceiver {
    int fd = -1;
    uint16_t port = 0;
    UdpReceiver()
    {
        fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~UdpReceiver() { ::close(fd); }
    // Size of the next datagram, -1 if none within timeout_ms.
    long receive(int timeout_ms)
    {
        pollfd p{ fd, POLLIN, 0 };
        if (::poll(&p, 1, timeout_ms) != 1)
            return -1;
        std::vector<uint8_t> buf(65536);
        return static_cast<long>(::recv(fd, buf.data(), buf.size(), 0));
    }
};

} // namespace

TEST_CASE("data plane: a partly filled TS datagram goes out after flush_timeout, counted then", "[modemd][dataplane]")
{
    UdpReceiver rx;
    Config c = parse_config("modem: {stream: ts}\ndata: {ts: {forward: '127.0.0.1:" + std::to_string(rx.port) +
                                "', packets_per_datagram: 7, flush_timeout: 0.5}}\n",
                            "t", "/tmp");
    CHECK(parse_config("modem: {}\n", "t", "/tmp").data.ts_flush_timeout == 0.01);
    modemd::DataPlane dp(c, nullptr);
    dp.start();
    std::vector<uint8_t> ts(188, 0x11);
    ts[0] = 0x47;
    ts[1] = 0x01; // PID 0x100: not a null packet
    ts[2] = 0x00;
    // A full datagram goes at once.
    for (int i = 0; i < 7; ++i)
        dp.forward_ts(ts.data());
    CHECK(rx.receive(2000) == 7 * 188);
    CHECK(dp.stats().packets_out == 7);
    // Three packets: not yet sent, not yet counted; sent within the flush timeout.
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i)
        dp.forward_ts(ts.data());
    CHECK(dp.stats().packets_out == 7);
    CHECK(rx.receive(3000) == 3 * 188);
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(waited >= 0.45);
    CHECK(waited < 2.5);
    auto s = dp.stats();
    CHECK(s.packets_out == 10);
    CHECK(s.datagrams_out == 2);
    CHECK(s.payload_bytes_out == 10 * 188);
    // Null packets are never forwarded, and never start a datagram.
    ts[1] = 0x1F;
    ts[2] = 0xFF;
    dp.forward_ts(ts.data());
    CHECK(rx.receive(800) == -1);
    CHECK(dp.stats().null_packets == 1);
    dp.stop();
}

namespace {

// One HTTP/1.1 exchange with 127.0.0.1:port; returns the whole answer.
std::string http_exchange(uint16_t port, const std::string& request)
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    std::string out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
        char buf[4096];
        pollfd p{ fd, POLLIN, 0 };
        while (::poll(&p, 1, 5000) == 1) {
            ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0)
                break;
            out.append(buf, static_cast<size_t>(n));
        }
    }
    ::close(fd);
    return out;
}

// A modem whose MODCOD change takes a while (a transmitter slow to take it).
class SlowModem : public FakeModem
{
public:
    modemd::ControlResult set_modcod(const std::string& m,
                                     const std::optional<std::string>& f,
                                     const std::optional<bool>& p) override
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        return FakeModem::set_modcod(m, f, p);
    }
};

} // namespace

TEST_CASE("HTTP server: a slow POST /modcod does not hold up GET /status", "[modemd][http]")
{
    SlowModem m;
    modemd::ControlApi api(m, "");
    modemd::HttpServer server(api, "127.0.0.1", 0);
    server.start();
    const std::string body = R"({"modcod":"8PSK 3/5"})";
    auto post = std::async(std::launch::async, [&] {
        return http_exchange(server.port(), "POST /modcod HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                                std::to_string(body.size()) + "\r\n\r\n" + body);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // the POST is being handled
    const auto t0 = std::chrono::steady_clock::now();
    const std::string status = http_exchange(server.port(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n");
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(status.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(took < 0.5);
    const std::string answer = post.get();
    CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(contains(answer, "8PSK 3/5"));
    CHECK(m.last_modcod == "8PSK 3/5");
    server.stop();
}

TEST_CASE("HTTP server: full of busy connections, a newcomer gets 503, an idle one makes room", "[modemd][http]")
{
    SlowModem m;
    modemd::ControlApi api(m, "");
    modemd::HttpServer server(api, "127.0.0.1", 0, 1);
    server.start();
    const std::string body = R"({"modcod":"8PSK 3/5"})";
    auto post = std::async(std::launch::async, [&] {
        return http_exchange(server.port(), "POST /modcod HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                                std::to_string(body.size()) + "\r\n\r\n" + body);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // the one slot is busy
    const std::string busy = http_exchange(server.port(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(busy.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(contains(busy, "Retry-After"));
    CHECK(post.get().rfind("HTTP/1.1 200", 0) == 0);
    CHECK(server.counters().connections_refused == 1);

    // A silent connection holds the only slot; a real request closes it and is answered.
    int idle = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(server.port());
    REQUIRE(::connect(idle, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(http_exchange(server.port(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0) == 0);
    CHECK(server.counters().connections_evicted == 1);
    char c;
    pollfd p{ idle, POLLIN, 0 };
    CHECK(::poll(&p, 1, 2000) == 1);
    CHECK(::recv(idle, &c, 1, 0) == 0); // closed by the server
    ::close(idle);
    server.stop();
}

TEST_CASE("stream watch: a counter that stops is a stall, one that moves again a resume",
          "[modemd][faults]")
{
    using modemd::StreamWatch;
    using std::chrono::milliseconds;
    StreamWatch w(2.0);
    const auto t0 = StreamWatch::Clock::now();
    CHECK(w.update(0, t0) == StreamWatch::Event::None);
    CHECK(w.update(100, t0 + milliseconds(1000)) == StreamWatch::Event::None);
    // 1.9 s without progress: not yet; 2 s: a stall, reported once.
    CHECK(w.update(100, t0 + milliseconds(2900)) == StreamWatch::Event::None);
    CHECK_FALSE(w.stalled());
    CHECK(w.update(100, t0 + milliseconds(3000)) == StreamWatch::Event::Stalled);
    CHECK(w.stalled());
    CHECK(w.update(100, t0 + milliseconds(9000)) == StreamWatch::Event::None);
    CHECK(w.idle_seconds(t0 + milliseconds(9000)) == Approx(8.0));
    CHECK(w.stalls() == 1);
    // The peer is back: progress ends the stall; a second outage counts again.
    CHECK(w.update(101, t0 + milliseconds(10000)) == StreamWatch::Event::Resumed);
    CHECK_FALSE(w.stalled());
    CHECK(w.update(101, t0 + milliseconds(12000)) == StreamWatch::Event::Stalled);
    CHECK(w.stalls() == 2);
    // A stream that never started (a receiver whose peer is not there yet) stalls too.
    StreamWatch never(1.0);
    CHECK(never.update(0, t0) == StreamWatch::Event::None);
    CHECK(never.update(0, t0 + milliseconds(1000)) == StreamWatch::Event::Stalled);
    CHECK_THROWS(StreamWatch(0.0));
}

TEST_CASE("test pattern: generated packets check clean, bit errors, losses and other PIDs are told apart",
          "[modemd][test_pattern]")
{
    modemd::TestPattern tx, rx;
    std::vector<uint8_t> buf(188 * 40 + 100);
    REQUIRE(tx.generate(buf.data(), buf.size()) == 188 * 40); // whole packets only
    for (size_t p = 0; p < 40; ++p) {
        const uint8_t* pk = &buf[p * 188];
        CHECK(pk[0] == 0x47);
        CHECK((((pk[1] & 0x1F) << 8) | pk[2]) == modemd::TestPattern::kPid);
    }
    // Packets 0..9 clean; packet 10 with 3 bits flipped in its payload; 11..14 lost;
    // 15..39 clean.
    buf[10 * 188 + 100] ^= 0x01;
    buf[10 * 188 + 150] ^= 0x81;
    for (size_t p = 0; p < 40; ++p)
        if (p < 11 || p > 14)
            CHECK(rx.check(&buf[p * 188]));
    // A user packet (another PID) is not the pattern's.
    uint8_t user[188] = { 0x47, 0x01, 0x00, 0x10 };
    CHECK_FALSE(rx.check(user));
    const modemd::TestPatternCounters c = rx.counters();
    CHECK(c.rx_packets == 36);
    CHECK(c.rx_errored == 1);
    CHECK(c.rx_bit_errors == 3);
    CHECK(c.rx_bits == 36u * 180 * 8);
    CHECK(c.rx_lost == 4);
    CHECK(c.rx_out_of_order == 0);
    CHECK(tx.counters().tx_packets == 40);
    // The sequence goes on across calls; a repeated packet counts as out of order.
    REQUIRE(tx.generate(buf.data(), 188) == 188);
    CHECK(rx.check(buf.data()));
    CHECK(rx.check(buf.data()));
    CHECK(rx.counters().rx_lost == 4);
    CHECK(rx.counters().rx_out_of_order == 1);
}

TEST_CASE("test pattern: TxInput fills spare capacity with it, user packets first", "[modemd][test_pattern]")
{
    modemd::TestPattern pattern, checker;
    modemd::TxInput input(modemd::StreamInput::Ts, 1 << 20);
    input.set_test_pattern(&pattern);
    uint8_t user[188 * 2] = {};
    user[0] = user[188] = 0x47;
    user[1] = user[189] = 0x01; // PID 0x100
    REQUIRE(input.push_ts(user, sizeof user) == 2);
    std::vector<uint8_t> out(188 * 10);
    // The queued user packets come out first, then the pattern fills the next take.
    size_t n = input.take_ts(out.data(), out.size(), std::chrono::milliseconds(0), false);
    CHECK(n == sizeof user);
    CHECK(std::memcmp(out.data(), user, sizeof user) == 0);
    n = input.take_ts(out.data(), out.size(), std::chrono::milliseconds(0), false);
    CHECK(n == out.size());
    for (size_t p = 0; p < 10; ++p)
        CHECK(checker.check(&out[p * 188]));
    CHECK(checker.counters().rx_errored == 0);
    CHECK(pattern.counters().tx_packets == 10);
}
