// The modem chain behind interfaces, so the daemon does not care which blocks implement
// it. Today: a transmitter assembled from the stage blocks on main (BBFRAME source ->
// bb_scrambler_bb -> bch_encoder_bb -> ldpc_encoder_bb -> bit_interleaver_bb ->
// modulator_bc -> physical_cc), and a receiver placeholder that only counts samples.
// Later: tx_bc (whole-chain transmitter, MODCOD by message port, hitless) and the real
// receiver slot in as further implementations chosen by make_tx_chain / make_rx_chain
// (config: modem.chain, modem.profile).
#pragma once

#include "config.h"
#include "tx_feeder.h"

#include <dualsat/modcod.h>
#include <gnuradio/top_block.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace modemd {

// A transmitter: user data from the TxFeeder in, PLFRAME symbols out (complex, one sample
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
    // The format of the frames to come. Called while the flowgraph runs (or before).
    virtual void set_format(const dualsat::FrameFormat& format) = 0;
    virtual dualsat::FrameFormat format() const = 0;
    // Symbols produced at the chain output so far.
    virtual uint64_t symbols_out() const = 0;
};

// What the receiver reports. Optional fields are null (JSON) until a receiver that knows
// them exists; counters are zero.
struct RxStatus {
    std::optional<bool> lock;
    std::optional<dualsat::FrameFormat> format; // of the last frame decoded
    std::optional<double> esn0_db;
    std::optional<double> freq_offset_hz;
    std::optional<double> fer;
    uint64_t frames_ok = 0;
    uint64_t frames_bad = 0;
    uint64_t samples = 0;
    std::optional<double> power_db; // mean |x|^2 of the input in dB (full scale 0 dB)
};

// Where a receiver delivers what it decoded (IP PDUs or TS packets); the data plane
// forwards them over UDP/TUN.
using RxPacketSink = std::function<void(const uint8_t* data, size_t len)>;

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
    virtual RxStatus status() const = 0;
};

// modem.chain auto|stages: the stage-block transmitter (the only one on main so far).
std::unique_ptr<TxChain> make_tx_chain(const Config& config, TxFeeder& feeder);
// The receiver placeholder (counts samples, measures power) until the receiver lands.
std::unique_ptr<RxChain> make_rx_chain(const Config& config);

// Root-raised-cosine pulse shaping from one sample per symbol to the radio sample rate:
// an interpolating FIR for an integer ratio, a polyphase arbitrary resampler otherwise.
// Output RMS amplitude is `rms` for unit-energy symbols.
gr::basic_block_sptr make_pulse_shaper(double symbol_rate, double sample_rate, double rolloff, double rms);

} // namespace modemd
