// SPDX-License-Identifier: GPL-3.0-or-later
// dualsat-modemd configuration: the YAML schema as C++ values, and a loader that validates
// everything up front. Every error names the offending key (dotted path) and its value, so
// an operator can fix the file without reading code. No GNU Radio headers here: the
// validator is unit-tested on its own.
#pragma once

#include <dualsat/protect/pl_time_index.h>
#include <dualsat/acm/acm_controller.h>
#include <dualsat/acm/acm_thresholds.h>
#include <dualsat/framing/bbheader.h>
#include <dualsat/framing/gse.h>
#include <dualsat/core/error.h>
#include <dualsat/modcod/modcod.h>

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace modemd {

// A host:port pair ("127.0.0.1:5000", "[::1]:5000"); port 0 asks the OS for a free one.
struct Endpoint {
    std::string host;
    uint16_t port = 0;
    std::string text() const;
};
// Throws ConfigError naming `key` if `text` is not host:port.
Endpoint parse_endpoint(const std::string& key, const std::string& text);

// True for 127.0.0.0/8, ::1 and "localhost": addresses no other machine can reach.
bool is_loopback_address(const std::string& host);

enum class Backend { Loopback, Uhd, File, Zmq };
enum class Direction { Tx, Rx, Both };
enum class StreamInput { Gse, Ts };
enum class ZmqPattern { PushPull, PubSub };

std::string to_string(Backend b);
std::string to_string(Direction d);
std::string to_string(StreamInput s);

// modem: what goes on air. profile and chain are selectors for flowgraph-builder parts.
struct ModemConfig {
    std::string profile = "civil";   // civil | protected (the keys/comsec/transec sections)
    std::string chain = "tx_bc";     // tx_bc (= auto): the whole-chain transmitter block
    StreamInput stream = StreamInput::Gse;
    dualsat::FrameFormat format{ { dualsat::Modulation::QPSK, dualsat::CodeRate::R1_2 },
                                 dualsat::FrameSize::Normal,
                                 true };
    dualsat::RollOff rolloff = dualsat::RollOff::R020;
    double symbol_rate = 1e6; // symbols per second
    int gold_code = 0;        // PL scrambling sequence index n, 0..262141
    int rx_fec_threads = 1;   // receiver LDPC/BCH threads (1: on the receiver's own thread)
    // The daemon's threads under SCHED_BATCH (dualsat/core/thread_scheduling.h): "batch"
    // (default) or "normal".
    bool batch_scheduling = true;
};

struct UhdChannelConfig {
    bool present = false;
    double freq = 0;      // Hz
    double gain = 0;      // dB
    std::string antenna;  // empty: device default
    double lo_offset = 0; // Hz
    double bandwidth = 0; // Hz, 0: device default
};

struct UhdConfig {
    std::string args;         // device args, e.g. "type=b200" or "addr=192.168.10.2"
    std::string clock_source; // empty: device default ("internal", "external", "gpsdo")
    std::string time_source;
    std::string subdev;       // empty: device default
    UhdChannelConfig tx, rx;
};

struct FileConfig {
    std::string tx_path; // recording (complex float32) + .sigmf-meta beside it
    std::string rx_path; // replay; its .sigmf-meta must exist and match
    bool throttle = true;  // pace at the sample rate (false: as fast as the CPU goes)
    bool repeat = false;   // replay in a loop
    std::string description; // SigMF core:description
};

struct ZmqConfig {
    ZmqPattern pattern = ZmqPattern::PushPull;
    std::string tx_address; // TX binds here, e.g. tcp://127.0.0.1:5555
    std::string rx_address; // RX connects here
    int timeout_ms = 100;
    int hwm = -1;
    bool throttle = true; // pace the TX at the sample rate (a ZeroMQ sink does not)
};

struct RadioConfig {
    Backend backend = Backend::Loopback;
    Direction direction = Direction::Both;
    double sample_rate = 2e6; // Hz, at least 2x the symbol rate
    double tx_rms = 0.3;      // RMS amplitude of the TX samples (full scale is 1.0)
    UhdConfig uhd;
    FileConfig file;
    ZmqConfig zmq;
};

// The simulated channel: loopback's TX -> RX path, or (zmq) the samples received, i.e.
// the emulated channel of the direction into this daemon. A lab/test seam.
struct ChannelConfig {
    bool present = false; // the section was given (zmq: only then is there a channel)
    bool enabled = true;
    double esn0_db = 20.0;
    double cfo_hz = 0.0;        // carrier frequency offset
    double timing_offset = 1.0; // sample-clock ratio (1.0 = none)
    uint32_t seed = 0;          // noise seed; 0 picks a fixed default
    // Es/N0 over time: (time_s, esn0_db) points from a CSV, linear in between; the last
    // value holds after the end unless trace_loop.
    std::vector<std::pair<double, double>> trace;
    std::string trace_path;
    bool trace_loop = false;
    // Optional jammer added to the channel (loopback only; jammer_cc / lib/channel
    // jammer.h): J/S is the jammer's mean power over the TX signal's (tx_rms^2) across the
    // whole sample band the channel carries (with digital hopping: the hop band).
    struct Jammer {
        bool present = false;
        std::string kind = "partial"; // cw | broadband | partial | pulsed | swept
        double js_db = 20.0;
        double cw_offset_hz = 0.0;
        double band_low_hz = 0.0;     // partial: band [band_low, band_low + fraction x rate)
        double band_fraction = 0.25;
        double duty = 0.1;            // pulsed
        double period_s = 1e-3;       // pulsed, swept
        double sweep_low_hz = 0.0, sweep_high_hz = 0.0;
        uint64_t seed = 1;
    } jammer;
};

struct DataConfig {
    std::optional<Endpoint> ip_listen;  // UDP in: one IP packet per datagram -> GSE
    std::optional<Endpoint> ip_forward; // UDP out: received IP packets
    uint16_t ethertype = 0;             // 0 = auto from the IP version nibble
    std::string tun;                    // optional TUN interface name
    std::optional<Endpoint> ts_listen;  // UDP in: N x 188-byte TS packets per datagram
    std::optional<Endpoint> ts_forward; // UDP out
    int ts_packets_per_datagram = 7;
    double ts_flush_timeout = 0.01;     // seconds a partly filled TS datagram may wait
    size_t queue_bytes = 4u << 20;      // packet bytes that may wait for the TX
    double drain_timeout = 0.5;         // seconds at shutdown to send what is queued
    // Built-in test pattern (test_pattern.h): numbered TS test packets fill the capacity
    // user traffic leaves; the receiver checks and counts them. modem.stream: ts only.
    bool test_pattern = false;
};

struct ControlConfig {
    bool enabled = true;
    std::string bind = "127.0.0.1";
    uint16_t port = 8080;  // 0: an ephemeral port (printed at start)
    int max_connections = 64; // concurrent HTTP connections (see http_server.h)
    std::string token;     // secret: never logged or shown in status
    std::string token_origin; // "control.token_file '/etc/..'" or "control.token" (for messages)
    // Optional second token that may only read (GET: status, metrics, the console's data),
    // e.g. for a wall display; POSTs with it are refused (403). Secret like the token.
    std::string read_token;
};

// The EtherType of link-quality reports carried in-band as GSE PDUs: IEEE Std 802's
// Local Experimental EtherType 1 (0x88B5), reserved for private and experimental
// protocols, so never a user's IP packet. Refused as data.ip.ethertype.
constexpr uint16_t kAcmReportEtherType = 0x88B5;

enum class AcmFeedback { None, InBand, Udp };
std::string to_string(AcmFeedback f);

// acm: the MODCOD policy (fixed, or closed-loop ACM driven by the far end's reports) and
// the return channel this daemon's own receiver reports over.
struct AcmConfig {
    std::string mode = "fixed"; // fixed | acm
    uint16_t link_id = 0;       // carried in our reports; the controller accepts only it
    double report_interval_s = 0.25;
    AcmFeedback feedback = AcmFeedback::None;
    std::optional<Endpoint> udp_listen;  // reports in (feedback udp)
    std::optional<Endpoint> udp_send_to; // our reports out (feedback udp)
    dualsat::AcmConfig controller;       // margin, hysteresis, hold, allowed set, ...
    std::string thresholds_source = "table13"; // table13 | fer_sweep
    std::string thresholds_path;
    double implementation_loss_db = 0.5;
    double short_frame_loss_db = 0.3;
    std::optional<dualsat::AcmThresholds> thresholds; // loaded when mode is acm

    bool enabled() const { return mode == "acm"; }
    // Settings a SIGHUP can apply through AcmController::reconfigure.
    bool same_controller_settings(const AcmConfig& o) const;
};

// The protected profile (modem.profile: protected): sections keys, comsec and transec.
// Both ends of a link share the key file, link id, epoch settings and pl_period.
struct ProtectConfig {
    bool enabled = false; // modem.profile is protected
    // keys
    std::string key_file;      // dualsat-key-file 1, mode 0600/0400, owned by the daemon's user
    uint16_t link_id = 0;      // unique per key file
    bool hub = true;           // role hub: transmits the forward direction, receives the
                               // return one; terminal: the reverse (loopback: its own)
    bool utc_epochs = true;    // epochs: utc (time slots) | command (POST /protect/epoch)
    int64_t slot_seconds = 3600;
    int64_t overlap_seconds = 60;
    uint32_t initial_epoch = 0; // command mode: the epoch until the first command
    // comsec
    bool comsec = true;
    std::string nonce_state_file; // required with COMSEC and a transmitter
    int replay_window = 1024;     // frames per epoch
    // transec
    bool transec = true;
    // 0: keyed PL sequences that never repeat (needs fixed_modcod), acquired by predicting
    // the frame counter from pl_time_base; P >= 1: repeat every P frames (default with
    // fixed_modcod false), frames P apart then look alike to an observer.
    int pl_period = 0;
    dualsat::PlTimeBase pl_time_base = dualsat::PlTimeBase::SampleCounter; // loopback/file;
                                  // utc for zmq/uhd (both ends' clocks synchronised)
    double pl_path_delay_s = 0.0; // receiver, utc: the path delay it predicts frames with
    int pl_search_window = 4;     // receiver: frame counters tried around the predicted one
    bool fixed_modcod = true;     // no MODCOD change at all (API, SIGHUP, ACM): the frame
                                  // length and modulation order never follow the link state
};

// antijam (modem.profile protected only): keyed frequency hopping with the protected
// profile's keys (the key file's HOPPING key, keys.link_id, the direction by keys.role, the
// epoch: keys.initial_epoch in command mode, the UTC epoch at start otherwise). Digital
// hopping: the modem runs at radio.sample_rate / interpolation and hopper_cc / dehopper_cc
// put it on its keyed channel inside radio.sample_rate (any backend).
enum class HopMode { Digital, Analog };
struct AntijamConfig {
    bool hopping = false;         // antijam.hopping.enabled
    HopMode mode = HopMode::Digital;
    int channels = 8;
    double channel_spacing_hz = 0;
    int interpolation = 8;        // digital: wide rate = interpolation x the modem's rate
    int64_t slot_samples = 0;     // a dwell (slot) at the modem's rate, guard included
    int64_t guard_samples = 0;    // the transmitter's pause at the start of each slot
    bool erase_jammed = true;
    double threshold_db = 3.0;
    int filter_semi_length = 8;
    double settling_s = 300e-6;   // analog: the synthesiser's retune time
    double lead_s = 0.01;         // analog: tune commands this far ahead
    std::string time_source = "sample_counter"; // sample_counter | uhd
    // antijam.codeword_interleaving (default: on with hopping): not DVB-S2, every LDPC
    // codeword's bits permuted (lib/coding codeword_interleaver.h) so that an erased dwell
    // becomes erasures spread over the codeword. Both ends must agree.
    bool codeword_interleaving = false;
    // antijam.dsss: keyed direct-sequence spreading (the key file's ANTI-JAM key, the same
    // link, direction and epoch as hopping). dsss_spreader_cc replaces the TX pulse shaper
    // (sf chips per PL symbol, RRC at the chip rate, samples_per_chip samples per chip);
    // dsss_despreader_cc before the receiver, its despread symbols re-shaped to 2 samples
    // per symbol for rx_cb. The spread stream runs at the modem's rate (modem_sample_rate),
    // which must be exactly modem.symbol_rate x sf x samples_per_chip.
    bool dsss = false;            // antijam.dsss.enabled
    int sf = 64;                  // chips per PL symbol, 4..1024
    int samples_per_chip = 2;     // even, >= 2
    int span_chips = 16;          // RRC length (both ends)
    double code_window_chips = 64; // the despreader's +- search window around the time base
    double max_cfo_hz = 0;        // carrier offset range the acquisition searches, +-
    int acquisition_symbols = 64; // non-coherently summed per search
    double false_alarm_probability = 1e-6; // per search
    double chip_rate(double symbol_rate) const { return symbol_rate * sf; }
};

struct LoggingConfig {
    std::string level = "info"; // trace debug info warn error critical off
};

struct Config {
    std::string path; // the file it came from ("" for text)
    ModemConfig modem;
    RadioConfig radio;
    ChannelConfig channel;
    DataConfig data;
    ControlConfig control;
    AcmConfig acm;
    ProtectConfig protect;
    AntijamConfig antijam;
    LoggingConfig logging;

    bool has_tx() const { return radio.direction != Direction::Rx; }
    bool has_rx() const { return radio.direction != Direction::Tx; }
    // The modem's own sample rate (pulse shaper, receiver): radio.sample_rate, or with
    // digital hopping radio.sample_rate / antijam interpolation (the radio carries the band).
    // With DSSS it is the spread stream's: modem.symbol_rate x sf x samples_per_chip.
    double modem_sample_rate() const
    {
        return antijam.hopping && antijam.mode == HopMode::Digital ? radio.sample_rate / antijam.interpolation
                                                                   : radio.sample_rate;
    }
    // The rate rx_cb (and the receiver's input meter and console) run at: the modem's, or
    // with DSSS 2 samples per symbol (the despread symbols, re-shaped).
    double receiver_sample_rate() const
    {
        return antijam.dsss ? 2.0 * modem.symbol_rate : modem_sample_rate();
    }
};

// Parses and validates. `origin` names the source in messages; relative paths in the
// config are resolved against `base_dir`. `config_file_private` tells whether the file
// holding the text is unreadable by group/others (an inline control.token needs that).
// Throws dualsat::ConfigError("<origin>: <key>: <what is wrong>").
Config parse_config(const std::string& yaml_text,
                    const std::string& origin,
                    const std::string& base_dir,
                    bool config_file_private = true);

// Largest config file load_config() reads.
constexpr size_t kMaxConfigBytes = 1u << 20;

// Reads the file and parse_config()s it. Missing, unreadable, not a regular file (FIFO,
// device, directory) or larger than kMaxConfigBytes -> ConfigError, without blocking.
Config load_config(const std::string& path);

// Throws ConfigError unless `path` exists, is a regular file, is owned by the effective
// user or root, and has no group/other permission bits (for secrets: tokens, keys).
void check_private_file(const std::string& key, const std::string& path);
// The same checks on a stat() result already taken.
void check_private_stat(const std::string& key, const std::string& path, const struct stat& st);

} // namespace modemd
