#include "modem_chain.h"

#include <dualsat/error.h>
#include <gnuradio/blocks/multiply_const.h>
#include <gnuradio/dualsat/bb_scrambler_bb.h>
#include <gnuradio/dualsat/bch_encoder_bb.h>
#include <gnuradio/dualsat/bit_interleaver_bb.h>
#include <gnuradio/dualsat/ldpc_encoder_bb.h>
#include <gnuradio/dualsat/modulator_bc.h>
#include <gnuradio/dualsat/physical_cc.h>
#include <gnuradio/filter/firdes.h>
#include <gnuradio/filter/interp_fir_filter.h>
#include <gnuradio/filter/pfb_arb_resampler_ccf.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/sync_block.h>

#include <array>
#include <atomic>
#include <cstring>
#include <cmath>
#include <mutex>
#include <vector>

namespace modemd {

namespace {

// Byte -> its eight bits, MSB first, one per byte: unpacking is one 8-byte copy per byte.
const std::array<std::array<uint8_t, 8>, 256>& unpack_table()
{
    static const auto table = [] {
        std::array<std::array<uint8_t, 8>, 256> t{};
        for (int v = 0; v < 256; ++v)
            for (int k = 0; k < 8; ++k)
                t[static_cast<size_t>(v)][static_cast<size_t>(k)] = static_cast<uint8_t>((v >> (7 - k)) & 1);
        return t;
    }();
    return table;
}

// BBFRAME source: pulls whole BBFRAMEs from the TxFeeder, emits them as gr-dtv's
// one-bit-per-byte stream (MSB of each packed byte first), K_bch items per frame. It never
// waits for data: an empty queue gives an empty data field, so the symbol stream (and the
// receiver's lock) continues when the user side is quiet.
class BbframeSource : public gr::sync_block
{
public:
    BbframeSource(TxFeeder& feeder, const dualsat::FrameFormat& format)
        : gr::sync_block("dualsat_modemd_bbframe_source",
                         gr::io_signature::make(0, 0, 0),
                         gr::io_signature::make(1, 1, sizeof(uint8_t))),
          m_feeder(feeder),
          m_format(format),
          m_kbch(format.code().kbch),
          m_packed(static_cast<size_t>(m_kbch) / 8)
    {
        set_output_multiple(m_kbch);
    }

    int work(int noutput_items, gr_vector_const_void_star&, gr_vector_void_star& output_items) override
    {
        auto* out = static_cast<uint8_t*>(output_items[0]);
        const int frames = noutput_items / m_kbch;
        for (int f = 0; f < frames; ++f) {
            m_feeder.build(m_format, m_packed.data());
            uint8_t* o = out + static_cast<size_t>(f) * static_cast<size_t>(m_kbch);
            const auto& table = unpack_table();
            for (size_t i = 0; i < m_packed.size(); ++i)
                std::memcpy(o + i * 8, table[m_packed[i]].data(), 8);
        }
        return frames * m_kbch;
    }

private:
    TxFeeder& m_feeder;
    const dualsat::FrameFormat m_format;
    const int m_kbch;
    std::vector<uint8_t> m_packed;
};

// Counts items passing through (symbols at the chain output).
class ItemCounter : public gr::sync_block
{
public:
    explicit ItemCounter(std::atomic<uint64_t>& counter)
        : gr::sync_block("dualsat_modemd_item_counter",
                         gr::io_signature::make(1, 1, sizeof(gr_complex)),
                         gr::io_signature::make(1, 1, sizeof(gr_complex))),
          m_counter(counter)
    {
    }
    int work(int n, gr_vector_const_void_star& in, gr_vector_void_star& out) override
    {
        std::copy_n(static_cast<const gr_complex*>(in[0]), n, static_cast<gr_complex*>(out[0]));
        m_counter += static_cast<uint64_t>(n);
        return n;
    }

private:
    std::atomic<uint64_t>& m_counter;
};

// The transmitter from the per-stage blocks of main. Each stage block is built for one
// frame format, so a MODCOD change rebuilds the stages inside lock()/unlock(): the
// BBFRAME source is new but the adaptation state stays in the TxFeeder; frames in flight
// inside the old stages are lost. tx_bc will replace this with a message-port change at a
// frame boundary.
class StageTxChain : public TxChain
{
public:
    StageTxChain(const Config& config, TxFeeder& feeder)
        : m_feeder(feeder), m_gold_code(config.modem.gold_code), m_format(config.modem.format)
    {
        m_counter = gnuradio::get_initial_sptr(new ItemCounter(m_symbols));
    }

    std::string name() const override { return "stage-blocks"; }
    bool hitless_modcod() const override { return false; }

    void connect(gr::top_block_sptr tb, gr::basic_block_sptr next) override
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_tb = tb;
        m_stages = make_stages(m_format);
        connect_stages();
        tb->connect(m_counter, 0, next, 0);
    }

    void set_format(const dualsat::FrameFormat& format) override
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (format == m_format)
            return;
        auto stages = make_stages(format); // throws before anything is torn down
        if (!m_tb) {
            m_format = format;
            return;
        }
        m_tb->lock();
        try {
            disconnect_stages();
            m_stages = std::move(stages);
            connect_stages();
            m_format = format;
        } catch (...) {
            m_tb->unlock();
            throw;
        }
        m_tb->unlock();
    }

    dualsat::FrameFormat format() const override
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_format;
    }

    uint64_t symbols_out() const override { return m_symbols.load(); }

private:
    std::vector<gr::basic_block_sptr> make_stages(const dualsat::FrameFormat& f)
    {
        namespace gd = gr::dualsat;
        const auto frame = f.frame;
        const auto rate = f.modcod.rate;
        const auto mod = f.modcod.mod;
        return {
            gnuradio::get_initial_sptr(new BbframeSource(m_feeder, f)),
            gd::bb_scrambler_bb::make(frame, rate, false),
            gd::bch_encoder_bb::make(frame, rate),
            gd::ldpc_encoder_bb::make(frame, rate),
            gd::bit_interleaver_bb::make(frame, rate, mod),
            gd::modulator_bc::make(mod, rate, frame, dualsat::MapperInput::Labels),
            gd::physical_cc::make(frame, rate, mod, f.pilots, m_gold_code, false),
        };
    }

    void connect_stages()
    {
        for (size_t i = 0; i + 1 < m_stages.size(); ++i)
            m_tb->connect(m_stages[i], 0, m_stages[i + 1], 0);
        m_tb->connect(m_stages.back(), 0, m_counter, 0);
    }

    void disconnect_stages()
    {
        for (size_t i = 0; i + 1 < m_stages.size(); ++i)
            m_tb->disconnect(m_stages[i], 0, m_stages[i + 1], 0);
        m_tb->disconnect(m_stages.back(), 0, m_counter, 0);
    }

    TxFeeder& m_feeder;
    const int m_gold_code;
    mutable std::mutex m_mutex;
    dualsat::FrameFormat m_format;
    gr::top_block_sptr m_tb;
    std::vector<gr::basic_block_sptr> m_stages;
    std::atomic<uint64_t> m_symbols{ 0 };
    gr::basic_block_sptr m_counter;
};

// Receiver placeholder: counts samples and measures input power. The real receiver
// (timing/carrier recovery, PL deframing, LDPC/BCH decoding, GSE/TS out) replaces it.
class SampleCounterSink : public gr::sync_block
{
public:
    SampleCounterSink()
        : gr::sync_block("dualsat_modemd_rx_placeholder",
                         gr::io_signature::make(1, 1, sizeof(gr_complex)),
                         gr::io_signature::make(0, 0, 0))
    {
    }
    int work(int n, gr_vector_const_void_star& in, gr_vector_void_star&) override
    {
        const auto* x = static_cast<const gr_complex*>(in[0]);
        double e = 0;
        for (int i = 0; i < n; ++i)
            e += static_cast<double>(std::norm(x[i]));
        std::lock_guard<std::mutex> lock(m_mutex);
        m_samples += static_cast<uint64_t>(n);
        // Exponentially weighted mean power over roughly the last 2^16 samples.
        const double w = std::min(1.0, n / 65536.0);
        m_power = n ? (m_power_init ? (1 - w) * m_power + w * (e / n) : e / n) : m_power;
        m_power_init = m_power_init || n > 0;
        return n;
    }
    void read(uint64_t& samples, double& power) const
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        samples = m_samples;
        power = m_power;
    }

private:
    mutable std::mutex m_mutex;
    uint64_t m_samples = 0;
    double m_power = 0;
    bool m_power_init = false;
};

class PlaceholderRxChain : public RxChain
{
public:
    PlaceholderRxChain() : m_sink(gnuradio::get_initial_sptr(new SampleCounterSink())) {}
    std::string name() const override { return "placeholder (sample counter; no receiver yet)"; }
    gr::basic_block_sptr input() override { return m_sink; }
    void connect(gr::top_block_sptr) override {}
    void set_packet_sink(RxPacketSink sink) override { m_packet_sink = std::move(sink); }
    RxStatus status() const override
    {
        RxStatus s;
        double p;
        m_sink->read(s.samples, p);
        if (s.samples > 0)
            s.power_db = p > 0 ? 10 * std::log10(p) : -300.0;
        return s;
    }

private:
    std::shared_ptr<SampleCounterSink> m_sink;
    RxPacketSink m_packet_sink;
};

} // namespace

std::unique_ptr<TxChain> make_tx_chain(const Config& config, TxFeeder& feeder)
{
    // Profile and chain are builder selections. Only the civil stage-block chain exists
    // on main; tx_bc and the protected profile add cases here.
    if (config.modem.profile != "civil")
        throw dualsat::ConfigError("modem.profile: '" + config.modem.profile +
                                   "' has no transmitter in this build");
    if (config.modem.chain != "auto" && config.modem.chain != "stages")
        throw dualsat::ConfigError("modem.chain: '" + config.modem.chain +
                                   "' is not available in this build");
    return std::make_unique<StageTxChain>(config, feeder);
}

std::unique_ptr<RxChain> make_rx_chain(const Config&)
{
    return std::make_unique<PlaceholderRxChain>();
}

gr::basic_block_sptr make_pulse_shaper(double symbol_rate, double sample_rate, double rolloff, double rms)
{
    const double sps = sample_rate / symbol_rate;
    const int span_symbols = 12;
    const long rounded = std::lround(sps);
    if (std::abs(sps - static_cast<double>(rounded)) < 1e-9) {
        const int L = static_cast<int>(rounded);
        auto taps = gr::filter::firdes::root_raised_cosine(1.0, L, 1.0, rolloff, span_symbols * L + 1);
        // Per output sample one polyphase branch is active: mean power = sum(h^2) / L for
        // unit-energy symbols. Scale so the output RMS is `rms`.
        double e = 0;
        for (float t : taps)
            e += static_cast<double>(t) * t;
        const float scale = static_cast<float>(rms * std::sqrt(L / e));
        for (auto& t : taps)
            t *= scale;
        return gr::filter::interp_fir_filter_ccf::make(static_cast<unsigned>(L), taps);
    }
    const int nfilts = 32;
    auto taps = gr::filter::firdes::root_raised_cosine(
        1.0, nfilts, 1.0, rolloff, span_symbols * nfilts + 1);
    double e = 0;
    for (float t : taps)
        e += static_cast<double>(t) * t;
    const float scale = static_cast<float>(rms * std::sqrt(nfilts / e));
    for (auto& t : taps)
        t *= scale;
    return gr::filter::pfb_arb_resampler_ccf::make(static_cast<float>(sps), taps, nfilts);
}

} // namespace modemd
