// SPDX-License-Identifier: GPL-3.0-or-later
// The modem chain behind interfaces, so the daemon does not care which blocks implement
// it. TX: tx_bc, the whole-chain transmitter (GSE PDUs by message, or a TS byte stream;
// MODCOD by message, hitless at a frame boundary), with a monitor reading its per-frame
// "plframe" tags. RX: rx_cb, the whole receiver (IQ in, TS bytes out, GSE PDUs and
// per-frame stats as messages). The builder picks each from the config (modem.profile /
// modem.chain).
#pragma once

#include "stream_buffers.h"

#include "config.h"
#include "console.h"
#include "radio.h"
#include "tx_input.h"

#include <dualsat/protect/key_file.h>
#include <dualsat/acm/link_reporter.h>
#include <dualsat/modcod/modcod.h>
#include <gnuradio/dualsat/protection.h>
#include <gnuradio/top_block.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace modemd {

// The transmitter's own counters (the per-frame ones go to the TxInput).
struct TxChainCounters {
    uint64_t pdus_refused = 0;        // refused by the transmitter (queue full, invalid)
    uint64_t bad_messages = 0;        // malformed PDU / MODCOD messages
    uint64_t format_changes = 0;      // data frames whose format differs from the previous
    uint64_t work_errors = 0;         // errors inside the block (logged)
};

// A transmitter: user data from the TxInput in, PLFRAME symbols out (complex, one sample
// per symbol, unit average symbol energy). Pulse shaping and the radio come after it.
class TxChain
{
public:
    virtual ~TxChain() = default;
    virtual std::string name() const = 0;
    // True if a MODCOD change takes effect at a frame boundary without losing frames.
    virtual bool hitless_modcod() const = 0;
    // Adds the chain's blocks to tb and connects its output to port 0 of `next`.
    virtual void connect(gr::top_block_sptr tb, gr::basic_block_sptr next) = 0;
    // Asks for the format of the frames to come (the caller validated it). Takes effect
    // at the next PLFRAME the transmitter starts after it has handled the request.
    virtual void request_format(const dualsat::FrameFormat& format) = 0;
    // The format the transmitter will use for its next data frame.
    virtual dualsat::FrameFormat format() const = 0;
    virtual TxChainCounters counters() const = 0;
    // Its blocks in stream order (real-time monitoring: thread CPU, buffer fill).
    virtual std::vector<NamedBlock> blocks() const { return {}; }
    // Protected profile (modem.profile: protected): key id, epoch, counters (never key
    // bytes); nullopt for the civil chain.
    virtual std::optional<gr::dualsat::protection_status> protection() const { return std::nullopt; }
    // Reads the key file again: false when unchanged; ConfigError for the civil chain or a
    // refused file (the key in use stays). See tx_bc / rx_cb reload_keys(): the key
    // the daemon read once for both directions.
    virtual bool reload_keys(const dualsat::KeyMaterial&)
    {
        throw dualsat::ConfigError("the civil profile has no keys");
    }
    // Command-mode epochs only (ConfigError otherwise).
    virtual void set_epoch(int64_t) { throw dualsat::ConfigError("the civil profile has no epochs"); }
};

// What the receiver reports. Optional fields are null (JSON) while unknown (no lock yet,
// no data frame yet); counters are zero.
struct RxStatus {
    std::optional<bool> lock;
    std::optional<dualsat::FrameFormat> format; // of the last data frame received
    std::optional<double> esn0_db;
    std::optional<double> freq_offset_hz;
    std::optional<double> fer;                  // over the receiver's recent window
    std::optional<double> clock_offset_ppm;
    uint64_t frames = 0;       // data frames handed to the FEC
    uint64_t frames_ok = 0;
    uint64_t frames_bad = 0;   // FEC failures, bad BBHEADERs, unusable frames
    uint64_t dummy_frames = 0;
    std::map<std::string, uint64_t> frames_by_modcod; // data frames received, by MODCOD
    uint64_t acquisitions = 0;
    uint64_t lock_losses = 0;
    uint64_t ts_packets = 0;
    uint64_t gse_pdus = 0;
    uint64_t crc_errors = 0;   // TS packet CRC-8 / GSE CRC-32 errors
    uint64_t work_errors = 0;
    uint64_t samples = 0;
    std::optional<double> power_db; // mean |x|^2 of the input in dB (full scale 0 dB)
};

// Where a receiver delivers what it decoded (IP PDUs or TS packets); the data plane
// forwards them over UDP/TUN.
using RxPacketSink = std::function<void(const uint8_t* data, size_t len)>;
// Each PLFRAME the receiver measured (data or dummy), for the ACM link reporter.
using RxFrameObserver = std::function<void(const dualsat::LinkObservation& frame)>;

// A receiver: complex samples at the radio sample rate in.
class RxChain
{
public:
    virtual ~RxChain() = default;
    virtual std::string name() const = 0;
    // The block the radio's samples go into (input port 0).
    virtual gr::basic_block_sptr input() = 0;
    virtual void connect(gr::top_block_sptr tb) = 0;
    virtual void set_packet_sink(RxPacketSink sink) = 0;
    // GSE PDUs of EtherType kAcmReportEtherType go here, never to the packet sink.
    virtual void set_report_sink(RxPacketSink sink) = 0;
    virtual void set_frame_observer(RxFrameObserver observer) = 0;
    virtual RxStatus status() const = 0;
    // Its blocks in stream order, input() first (real-time monitoring).
    virtual std::vector<NamedBlock> blocks() const { return {}; }
    // Feeds the operator console (input samples, symbols after carrier recovery). Called
    // before the flowgraph starts; `taps` outlives it.
    virtual void attach_console(ConsoleTaps& /*taps*/) {}
    // Protected profile (modem.profile: protected): key id, epoch, counters (never key
    // bytes); nullopt for the civil chain.
    virtual std::optional<gr::dualsat::protection_status> protection() const { return std::nullopt; }
    // Reads the key file again: false when unchanged; ConfigError for the civil chain or a
    // refused file (the key in use stays). See tx_bc / rx_cb reload_keys(): the key
    // the daemon read once for both directions.
    virtual bool reload_keys(const dualsat::KeyMaterial&)
    {
        throw dualsat::ConfigError("the civil profile has no keys");
    }
    // Command-mode epochs only (ConfigError otherwise).
    virtual void set_epoch(int64_t) { throw dualsat::ConfigError("the civil profile has no epochs"); }
};

// The blocks' protection settings from the keys/comsec/transec sections, for our
// transmitter (direction by keys.role) or receiver (the other direction; loopback and
// zmq/file recordings of our own carrier: see the README).
gr::dualsat::protection_config protection_settings(const Config& config, bool transmitter);

// modem.chain auto|tx_bc: tx_bc in GSE or TS mode (modem.stream), fed by `input`;
// tx_protected_bc with modem.profile protected.
std::unique_ptr<TxChain> make_tx_chain(const Config& config, TxInput& input);
// rx_cb, the whole receiver: TS packets / GSE PDUs to the packet sink.
std::unique_ptr<RxChain> make_rx_chain(const Config& config);

// Root-raised-cosine pulse shaping (pulse_shaper_cc) from one sample per symbol to the
// radio sample rate, output RMS amplitude `rms` for unit-energy symbols. An integer ratio
// shapes at that many samples per symbol; any other shapes at 2 and resamples.
gr::basic_block_sptr make_pulse_shaper(double symbol_rate, double sample_rate, double rolloff, double rms);
// The blocks inside a shaper from make_pulse_shaper (pulse shaper, RMS gain).
std::vector<NamedBlock> pulse_shaper_blocks(const gr::basic_block_sptr& shaper);

} // namespace modemd
