// SPDX-License-Identifier: GPL-3.0-or-later
// Radio backends: where the TX samples go and the RX samples come from. The daemon builds
// one from radio.backend; each carries its own controls (gain, frequency) and status.
#pragma once

#include "config.h"
#include "control_api.h"
#include "realtime.h"

#include <dualsat/core/error.h>
#include <gnuradio/top_block.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace modemd {

// A block of the flowgraph with the name the daemon reports it under (/status realtime).
struct NamedBlock {
    std::string name;
    gr::basic_block_sptr block;
};

// What the radio said about its streams: UHD's overflows (RX) and underflows (TX); null
// for backends that have no such notion (their shortfalls show as the real-time ratio).
struct RadioStreamCounts {
    std::optional<UhdRxCounts> rx;
    std::optional<UhdTxCounts> tx;
};

// The radio cannot be used: no device, device refused a setting, file I/O. Exit code 3.
class RadioError : public dualsat::Error
{
public:
    using dualsat::Error::Error;
};

class RadioBackend
{
public:
    virtual ~RadioBackend() = default;
    virtual std::string name() const = 0;
    // Connects the TX samples (output port 0 of tx_samples, complex at radio.sample_rate;
    // null without TX) and the RX path (into rx_input port 0; null without RX).
    virtual void connect(gr::top_block_sptr tb,
                         gr::basic_block_sptr tx_samples,
                         gr::basic_block_sptr rx_input) = 0;
    virtual ControlResult set_gain(double gain_db, Direction direction) = 0;
    virtual ControlResult set_frequency(double freq_hz, Direction direction) = 0;
    virtual nlohmann::json status() const = 0;
    // After the flowgraph has stopped (e.g. final SigMF metadata).
    virtual void finish() {}
    // True when the RX input has run out (a replayed file without repeat), given the
    // samples the receiver has taken in.
    virtual bool exhausted(uint64_t /*rx_samples*/) const { return false; }
    // A fault the backend cannot recover from (a recording that can no longer be written
    // or was deleted): non-empty, the daemon logs it, stops and exits 3. Polled about once
    // a second from the main thread.
    virtual std::string fault() const { return {}; }
    // Whether a stream that stopped moving (see StreamWatch) is fatal: a USRP that stops
    // streaming does not come back within this process (gr-uhd's block thread has ended),
    // while a ZeroMQ peer may return and a replay simply ends.
    virtual bool stall_is_fatal() const { return false; }
    // The emulated channel (loopback: TX -> RX; zmq with a channel section: the samples
    // received): its Es/N0 at run time, a lab/test seam. 409 without a channel.
    virtual ControlResult set_channel_esn0(double /*esn0_db*/)
    {
        return ControlResult::fail(409, "no emulated channel (the channel section applies to the "
                                        "loopback backend, or to zmq's received samples when given)");
    }
    virtual bool has_channel() const { return false; }

    // Real-time monitoring. The backend's blocks in stream order (TX: from the samples it
    // is given on; RX: up to the receiver), what sets each stream's pace, and the radio's
    // own loss counts.
    virtual std::vector<NamedBlock> tx_blocks() const { return {}; }
    virtual std::vector<NamedBlock> rx_blocks() const { return {}; }
    virtual Pacing tx_pacing() const = 0;
    virtual Pacing rx_pacing() const = 0;
    virtual RadioStreamCounts stream_counts() const { return {}; }

    // Analog hopping (antijam.hopping.mode analog, uhd only). The radio's time now in
    // seconds (nullopt: the backend has no clock); before the flowgraph starts, the radio
    // time at which the RX stream starts (a slot boundary: its sample 0 is that slot's
    // first); the block whose message port "command" takes UHD commands for the receiver.
    virtual std::optional<double> time_now() { return std::nullopt; }
    virtual void set_rx_start_time(double /*seconds*/) {}
    virtual gr::basic_block_sptr rx_command_block() const { return nullptr; }
};

// Throws RadioError (no UHD device, ...) or ConfigError.
std::unique_ptr<RadioBackend> make_radio(const Config& config);

} // namespace modemd
