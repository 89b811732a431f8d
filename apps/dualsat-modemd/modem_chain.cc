// SPDX-License-Identifier: GPL-3.0-or-later
#include "modem_chain.h"

#include <dualsat/core/error.h>
#include <dualsat/framing/ts_adaptation.h>
#include <gnuradio/block.h>
#include <gnuradio/blocks/multiply_const.h>
#include <gnuradio/dualsat/pulse_shaper_cc.h>
#include <gnuradio/dualsat/rx_cb.h>
#include <gnuradio/dualsat/tx_bc.h>
#include <gnuradio/hier_block2.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/sync_block.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <vector>

namespace modemd {

namespace {

// tx_bc's TS input. tx_bc runs only while its input has bytes, so when no user packets
// are queued and tx_bc has taken everything, one null packet goes in: the carrier never
// stops (tx_bc sends it in a padded frame), and only when the transmitter is hungry, so
// user packets never wait behind a backlog of stuffing.
class TsSource : public gr::sync_block
{
public:
    explicit TsSource(TxInput& input)
        : gr::sync_block("ts_source",
                         gr::io_signature::make(0, 0, 0),
                         gr::io_signature::make(1, 1, sizeof(uint8_t))),
          m_input(input)
    {
        // Space for whole packets only: the test pattern writes whole packets, and with
        // less than one packet of space take_ts would wait for user packets instead.
        set_output_multiple(static_cast<int>(dualsat::kTsPacketBytes));
    }

    int work(int noutput_items, gr_vector_const_void_star&, gr_vector_void_star& output_items) override
    {
        // The largest space ever offered is the empty buffer: tx_bc has taken everything.
        m_empty_space = std::max(m_empty_space, noutput_items);
        const bool hungry = noutput_items >= m_empty_space;
        return static_cast<int>(m_input.take_ts(static_cast<uint8_t*>(output_items[0]),
                                                static_cast<size_t>(noutput_items),
                                                std::chrono::milliseconds(10), hungry));
    }

private:
    TxInput& m_input;
    int m_empty_space = 0;
};

// Reports each PLFRAME tx_bc writes out to the TxInput, including how many GSE PDUs ended
// in it (tx_bc's frame observer: the frame's "plframe" tag without a block copying every
// symbol to read it).
TxFrameRecord frame_record(const dualsat::PlFrameInfo& info)
{
    TxFrameRecord rec;
    rec.dummy = info.dummy;
    rec.fill = info.fill;
    rec.padded = info.padded;
    rec.symbols = static_cast<uint64_t>(info.symbols);
    rec.dfl_bits = static_cast<size_t>(info.dfl);
    rec.pdus_completed = static_cast<uint64_t>(info.packets);
    if (!rec.dummy)
        rec.format = info.format;
    return rec;
}

// The whole-chain transmitter. GSE: IP packets go to tx_bc's "pdus" port as messages;
// TS: a TsSource feeds its byte input. A MODCOD change is a message to its "modcod"
// port: the transmitter applies it to the next PLFRAME it starts, nothing is rebuilt and
// no frame is lost.
class TxBcChain : public TxChain
{
public:
    TxBcChain(const Config& config, TxInput& input)
        : m_gse(config.modem.stream == StreamInput::Gse), m_input(input)
    {
        m_input.set_format(config.modem.format);
        const auto& f = config.modem.format;
        const auto mode = m_gse ? dualsat::TxInputMode::Gse : dualsat::TxInputMode::TransportStream;
        const bool ccm = config.acm.mode == "fixed";
        if (config.protect.enabled) {
            // Idle is sealed fill (never a dummy PLFRAME): the carrier looks full at any load.
            try {
                m_tx = gr::dualsat::tx_bc::make_protected(
                    mode, f.frame, f.modcod.rate, f.modcod.mod, f.pilots, config.modem.rolloff,
                    config.modem.gold_code, ccm, -1, protection_settings(config, true));
            } catch (const dualsat::ConfigError& e) {
                throw dualsat::ConfigError(std::string("protected transmitter: ") + e.what());
            }
            m_protected = true;
        } else {
            m_tx = gr::dualsat::tx_bc::make(mode, f.frame, f.modcod.rate, f.modcod.mod, f.pilots,
                                            config.modem.rolloff, config.modem.gold_code, ccm,
                                            dualsat::IdlePolicy::Dummy);
        }
        auto tx = m_tx;
        TxInput* in = &input; // outlives the flowgraph (the daemon's, like this chain)
        m_tx->set_frame_observer([in](const dualsat::PlFrameInfo& info) { in->frame_sent(frame_record(info)); });
        if (m_gse) {
            const pmt::pmt_t port = pmt::mp("pdus");
            const pmt::pmt_t key = pmt::intern("protocol_type");
            input.set_pdu_sink([tx, port, key](const uint8_t* pdu, size_t len, uint16_t ethertype) {
                const pmt::pmt_t meta = pmt::dict_add(pmt::make_dict(), key, pmt::from_long(ethertype));
                tx->_post(port, pmt::cons(meta, pmt::init_u8vector(len, pdu)));
            });
        } else {
            m_source = gnuradio::get_initial_sptr(new TsSource(input));
            // TS bytes: about a symbol's worth of bytes per symbol at most (32APSK 9/10
            // carries 4.5 bits); the byte rate is below the symbol rate.
            size_stream_buffer(m_source, config.modem.symbol_rate);
        }
    }

    std::string name() const override
    {
        return std::string(m_protected ? "tx_protected_bc" : "tx_bc") + (m_gse ? " (GSE)" : " (TS)");
    }
    bool hitless_modcod() const override { return true; }

    std::vector<NamedBlock> blocks() const override
    {
        std::vector<NamedBlock> b;
        if (m_source)
            b.push_back({ "ts_source", m_source });
        b.push_back({ m_protected ? "tx_protected_bc" : "tx_bc", m_tx });
        return b;
    }

    void connect(gr::top_block_sptr tb, gr::basic_block_sptr next) override
    {
        if (m_source)
            tb->connect(m_source, 0, m_tx, 0);
        tb->connect(m_tx, 0, next, 0);
    }

    void request_format(const dualsat::FrameFormat& f) override
    {
        pmt::pmt_t d = pmt::make_dict();
        d = pmt::dict_add(d, pmt::intern("modcod"), pmt::from_long(dualsat::modcod_number(f.modcod)));
        d = pmt::dict_add(d, pmt::intern("frame"), pmt::intern(dualsat::to_string(f.frame)));
        d = pmt::dict_add(d, pmt::intern("pilots"), pmt::from_bool(f.pilots));
        m_tx->_post(pmt::mp("modcod"), d);
        m_input.set_format(f);
    }

    dualsat::FrameFormat format() const override { return m_tx->format(); }

    TxChainCounters counters() const override
    {
        const auto s = m_tx->stats();
        TxChainCounters c;
        c.pdus_refused = s.rejected_pdus;
        c.bad_messages = m_tx->bad_pdu_messages() + m_tx->bad_modcod_messages();
        c.format_changes = s.format_changes;
        c.work_errors = m_tx->work_errors();
        return c;
    }

    std::optional<gr::dualsat::protection_status> protection() const override
    {
        if (!m_protected)
            return std::nullopt;
        return m_tx->protection();
    }
    bool reload_keys(const dualsat::KeyMaterial& material) override
    {
        if (!m_protected)
            return TxChain::reload_keys(material);
        return m_tx->reload_keys(material);
    }
    void set_epoch(int64_t epoch) override
    {
        if (!m_protected)
            return TxChain::set_epoch(epoch);
        m_tx->set_epoch(epoch);
    }

private:
    const bool m_gse;
    bool m_protected = false;
    TxInput& m_input;
    gr::dualsat::tx_bc::sptr m_tx;
    gr::basic_block_sptr m_source;
};

// The receiver's input, seen through rx_cb's input tap on the receiver's thread (no block
// copying every sample): counts the samples and measures their mean power (the receiver
// normalises its input, so the level is only visible here), and feeds the console's
// sample capture.
class RxInputMeter
{
    static constexpr size_t kMeteredSamples = 4096;

public:
    void offer(const gr_complex* x, size_t n)
    {
        if (m_capture)
            m_capture->offer(x, n);
        // The level shown is a mean over ~2^16 samples: the first kMeteredSamples of each
        // call represent it (a call is up to 2^16 samples), and the rest would cost the
        // receiver's busiest GNU Radio thread a pass over every sample (~1 % of the daemon's
        // CPU at 60 MS/s, issue 14). Eight float partial sums, so that the compiler can
        // vectorise the sum; a block's sum is then taken in double.
        const size_t m = std::min(n, kMeteredSamples);
        float part[8] = {};
        size_t i = 0;
        for (; i + 8 <= m; i += 8)
            for (size_t j = 0; j < 8; ++j)
                part[j] += x[i + j].real() * x[i + j].real() + x[i + j].imag() * x[i + j].imag();
        double e = 0;
        for (float p : part)
            e += p;
        for (; i < m; ++i)
            e += static_cast<double>(std::norm(x[i]));
        std::lock_guard<std::mutex> lock(m_mutex);
        m_samples += static_cast<uint64_t>(n);
        // Exponentially weighted mean power over roughly the last 2^16 samples.
        const double w = std::min(1.0, static_cast<double>(n) / 65536.0);
        if (m > 0)
            m_power = m_power_init ? (1 - w) * m_power + w * (e / static_cast<double>(m)) : e / static_cast<double>(m);
        m_power_init = m_power_init || m > 0;
    }
    void read(uint64_t& samples, std::optional<double>& power_db) const
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        samples = m_samples;
        if (m_power_init)
            power_db = m_power > 0 ? 10 * std::log10(m_power) : -300.0;
    }
    void set_capture(SampleCapture* c) { m_capture = c; } // before the flowgraph starts

private:
    SampleCapture* m_capture = nullptr;
    mutable std::mutex m_mutex;
    uint64_t m_samples = 0;
    double m_power = 0;
    bool m_power_init = false;
};

// rx_cb's outputs: TS bytes (whole 188-byte packets, in order) on the stream, GSE PDUs on
// its message port, the frames from its frame observer (on_frames). Packets go to the
// packet sink in the order received.
class RxOutputSink : public gr::block
{
public:
    RxOutputSink()
        : gr::block("rx_output",
                    gr::io_signature::make(1, 1, sizeof(uint8_t)),
                    gr::io_signature::make(0, 0, 0)),
          m_key_protocol(pmt::intern("protocol_type"))
    {
        message_port_register_in(pmt::mp("pdus"));
        set_msg_handler(pmt::mp("pdus"), [this](const pmt::pmt_t& m) { on_pdu(m); });
    }

    void set_packet_sink(RxPacketSink sink)
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_sink = std::move(sink);
    }

    // Set before the flowgraph starts, read on its message thread.
    void set_report_sink(RxPacketSink sink) { m_report_sink = std::move(sink); }
    void set_frame_observer(RxFrameObserver observer) { m_observer = std::move(observer); }

    std::map<std::string, uint64_t> frames_by_modcod() const
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_by_modcod;
    }

    // The receiver's frames (rx_cb::set_frame_observer, on its thread): per-MODCOD counts,
    // and each frame's measurement to the ACM loop's link reporter.
    void on_frames(const std::vector<dualsat::ReceiverFrameStats>& frames,
                   const std::vector<dualsat::ReceiverDummyFrame>& dummy_frames)
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            for (const dualsat::ReceiverFrameStats& f : frames)
                ++m_by_modcod[dualsat::to_string(f.fec.format.modcod)];
        }
        if (!m_observer)
            return;
        dualsat::LinkObservation o;
        o.time_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now().time_since_epoch())
                        .count();
        for (const dualsat::ReceiverFrameStats& f : frames) {
            o.dummy = false;
            o.decoded = f.fec.status == dualsat::FecFrameStatus::Ok;
            o.esn0_db = f.esn0_db;
            o.esn0_var_db2 = f.esn0_var_db2;
            o.format = f.fec.format;
            m_observer(o);
        }
        for (const dualsat::ReceiverDummyFrame& f : dummy_frames) {
            o.dummy = true;
            o.decoded = false;
            o.format = dualsat::FrameFormat{};
            o.esn0_db = f.esn0_db;
            o.esn0_var_db2 = f.esn0_var_db2;
            m_observer(o);
        }
    }

    int general_work(int, gr_vector_int& ninput_items, gr_vector_const_void_star& input_items,
                     gr_vector_void_star&) override
    {
        const auto* in = static_cast<const uint8_t*>(input_items[0]);
        const size_t n = static_cast<size_t>(ninput_items[0]);
        std::lock_guard<std::mutex> lock(m_mutex);
        size_t i = 0;
        // Complete a packet split over calls, then whole packets straight from the buffer.
        while (i < n && !m_partial.empty() && m_partial.size() < dualsat::kTsPacketBytes)
            m_partial.push_back(in[i++]);
        if (m_partial.size() == dualsat::kTsPacketBytes) {
            deliver(m_partial.data(), m_partial.size());
            m_partial.clear();
        }
        for (; i + dualsat::kTsPacketBytes <= n; i += dualsat::kTsPacketBytes)
            deliver(in + i, dualsat::kTsPacketBytes);
        m_partial.insert(m_partial.end(), in + i, in + n);
        consume_each(static_cast<int>(n));
        return 0;
    }

private:
    void deliver(const uint8_t* p, size_t n)
    {
        if (m_sink)
            m_sink(p, n);
    }

    void on_pdu(const pmt::pmt_t& msg)
    {
        if (!pmt::is_pair(msg) || !pmt::is_u8vector(pmt::cdr(msg)))
            return;
        size_t len = 0;
        const uint8_t* data = pmt::u8vector_elements(pmt::cdr(msg), len);
        const pmt::pmt_t meta = pmt::car(msg);
        if (pmt::is_dict(meta)) {
            const pmt::pmt_t p = pmt::dict_ref(meta, m_key_protocol, pmt::PMT_NIL);
            // A link report for the ACM controller: never to the user side.
            if (pmt::is_integer(p) && pmt::to_long(p) == kAcmReportEtherType) {
                if (m_report_sink)
                    m_report_sink(data, len);
                return;
            }
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        deliver(data, len);
    }

    mutable std::mutex m_mutex;
    RxPacketSink m_sink;
    RxPacketSink m_report_sink;
    RxFrameObserver m_observer;
    std::vector<uint8_t> m_partial;
    std::map<std::string, uint64_t> m_by_modcod;
    const pmt::pmt_t m_key_protocol;
};

// The whole civil receiver.
class RxBcChain : public RxChain
{
public:
    explicit RxBcChain(const Config& c)
        : m_meter(std::make_shared<RxInputMeter>()),
          m_rx(make_receiver(c)),
          m_out(gnuradio::get_initial_sptr(new RxOutputSink())),
          m_protected(c.protect.enabled)
    {
        m_rx->set_input_tap([meter = m_meter](const gr_complex* x, size_t n) { meter->offer(x, n); });
    }
    std::string name() const override { return m_protected ? "rx_protected_cb" : "rx_cb"; }
    std::optional<gr::dualsat::protection_status> protection() const override
    {
        if (!m_protected)
            return std::nullopt;
        return m_rx->protection();
    }
    bool reload_keys(const dualsat::KeyMaterial& material) override
    {
        if (!m_protected)
            return RxChain::reload_keys(material);
        return m_rx->reload_keys(material);
    }
    void set_epoch(int64_t epoch) override
    {
        if (!m_protected)
            return RxChain::set_epoch(epoch);
        m_rx->set_epoch(epoch);
    }
    gr::basic_block_sptr input() override { return m_rx; }
    std::vector<NamedBlock> blocks() const override { return { { name(), m_rx }, { "rx_output", m_out } }; }
    void connect(gr::top_block_sptr tb) override
    {
        tb->connect(m_rx, 0, m_out, 0);
        tb->msg_connect(m_rx, "pdus", m_out, "pdus");
        // Frames by the receiver's observer, not its stats messages: no pmt dict and no
        // hand-off to this block's thread per frame (rx_cb::set_frame_observer).
        RxOutputSink* out = m_out.get();
        m_rx->set_frame_observer([out](const std::vector<dualsat::ReceiverFrameStats>& frames,
                                       const std::vector<dualsat::ReceiverDummyFrame>& dummy) {
            out->on_frames(frames, dummy);
        });
    }
    void set_packet_sink(RxPacketSink sink) override { m_out->set_packet_sink(std::move(sink)); }
    void set_report_sink(RxPacketSink sink) override { m_out->set_report_sink(std::move(sink)); }
    void set_frame_observer(RxFrameObserver o) override { m_out->set_frame_observer(std::move(o)); }
    void attach_console(ConsoleTaps& taps) override
    {
        m_meter->set_capture(&taps.samples());
        SymbolCapture* symbols = &taps.symbols();
        m_rx->set_symbol_tap([symbols](const dualsat::FrameFormat& f, const std::complex<float>* s,
                                       size_t n) { symbols->offer(f, s, n); });
    }
    RxStatus status() const override
    {
        RxStatus s;
        m_meter->read(s.samples, s.power_db);
        const dualsat::ReceiverStatus r = m_rx->status();
        s.lock = r.locked;
        if (r.format_valid)
            s.format = r.format;
        // Estimates exist once a frame has been received; until then they are unknown.
        if (r.format_valid || r.locked) {
            s.esn0_db = r.esn0_db;
            s.freq_offset_hz = r.cfo_hz;
            s.clock_offset_ppm = r.clock_offset_ppm;
        }
        if (r.frames > 0)
            s.fer = r.fer;
        s.frames = r.frames;
        s.frames_ok = r.frames_ok;
        s.frames_bad = r.fec_failures + r.bad_headers + r.open_failures + r.bad_frames;
        s.dummy_frames = r.dummy_frames;
        s.frames_by_modcod = m_out->frames_by_modcod();
        s.acquisitions = r.acquisitions;
        s.lock_losses = r.lock_losses;
        s.ts_packets = r.ts_packets;
        s.gse_pdus = r.gse_pdus;
        s.crc_errors = r.ts_crc_errors + r.gse_crc_errors;
        s.work_errors = m_rx->work_errors();
        return s;
    }

private:
    static gr::dualsat::rx_cb::sptr make_receiver(const Config& c)
    {
        const double rolloff = dualsat::rolloff_value(c.modem.rolloff);
        if (!c.protect.enabled)
            return gr::dualsat::rx_cb::make(c.modem.symbol_rate, c.receiver_sample_rate(), rolloff,
                                            c.modem.gold_code, c.modem.rx_fec_threads, true);
        try {
            return gr::dualsat::rx_cb::make_protected(c.modem.symbol_rate, c.receiver_sample_rate(),
                                                      rolloff, c.modem.gold_code,
                                                      c.modem.rx_fec_threads, true,
                                                      protection_settings(c, false));
        } catch (const dualsat::ConfigError& e) {
            throw dualsat::ConfigError(std::string("protected receiver: ") + e.what());
        }
    }

    std::shared_ptr<RxInputMeter> m_meter;
    gr::dualsat::rx_cb::sptr m_rx;
    std::shared_ptr<RxOutputSink> m_out;
    const bool m_protected;
};

} // namespace

gr::dualsat::protection_config protection_settings(const Config& config, bool transmitter)
{
    const ProtectConfig& p = config.protect;
    gr::dualsat::protection_config c;
    c.key_file = p.key_file;
    c.link_id = p.link_id;
    const auto ours = p.hub ? dualsat::LinkDirection::Forward : dualsat::LinkDirection::Return;
    const auto theirs = p.hub ? dualsat::LinkDirection::Return : dualsat::LinkDirection::Forward;
    // A loopback daemon receives its own carrier.
    c.direction = transmitter || config.radio.backend == Backend::Loopback ? ours : theirs;
    c.utc_epochs = p.utc_epochs;
    c.epoch = p.initial_epoch;
    c.slot_seconds = p.slot_seconds;
    c.overlap_seconds = p.overlap_seconds;
    c.nonce_state_file = transmitter ? p.nonce_state_file : std::string();
    c.transec = p.transec;
    c.comsec = p.comsec;
    c.pl_period = p.pl_period;
    c.pl_time_base = p.pl_time_base;
    c.symbol_rate = config.modem.symbol_rate;
    c.pl_frame_symbols = config.modem.format.plframe_symbols();
    c.pl_path_delay_s = p.pl_path_delay_s;
    c.pl_search_window = p.pl_search_window;
    c.fixed_format = p.fixed_modcod;
    c.replay_window = p.replay_window;
    c.codeword_interleaving = config.antijam.codeword_interleaving;
    return c;
}

std::unique_ptr<TxChain> make_tx_chain(const Config& config, TxInput& input)
{
    // Profile and chain are builder selections.
    if (config.modem.profile != "civil" && config.modem.profile != "protected")
        throw dualsat::ConfigError("modem.profile: '" + config.modem.profile +
                                   "' has no transmitter in this build");
    if (config.modem.chain != "auto" && config.modem.chain != "tx_bc")
        throw dualsat::ConfigError("modem.chain: '" + config.modem.chain +
                                   "' is not available in this build");
    return std::make_unique<TxBcChain>(config, input);
}

std::unique_ptr<RxChain> make_rx_chain(const Config& config)
{
    if (config.modem.profile != "civil" && config.modem.profile != "protected")
        throw dualsat::ConfigError("modem.profile: '" + config.modem.profile +
                                   "' has no receiver in this build");
    return std::make_unique<RxBcChain>(config);
}

namespace {

class TxShaper : public gr::hier_block2
{
public:
    TxShaper(double symbol_rate, double sample_rate, double rolloff, double rms)
        : gr::hier_block2("dualsat_modemd_tx_shaper",
                          gr::io_signature::make(1, 1, sizeof(gr_complex)),
                          gr::io_signature::make(1, 1, sizeof(gr_complex)))
    {
        const double r = sample_rate / symbol_rate;
        const long whole = std::lround(r);
        const bool integer = std::abs(r - static_cast<double>(whole)) < 1e-9;
        const int sps = integer ? static_cast<int>(whole) : 2;
        const int span_symbols = 12;
        auto shaper = gr::dualsat::pulse_shaper_cc::make(rolloff, sps, span_symbols, integer ? 1.0 : r / 2.0);
        size_stream_buffer(shaper, sample_rate);
        connect(self(), 0, shaper, 0);
        if (rms == 1.0) { // the radio scales (its digital gain): no block for a unit gain
            connect(shaper, 0, self(), 0);
            m_blocks = { { "pulse_shaper", shaper } };
            return;
        }
        // pulse_shaper_cc puts unit-energy symbols out at unit mean sample power.
        auto gain = gr::blocks::multiply_const_cc::make(gr_complex(static_cast<float>(rms), 0.0f));
        size_stream_buffer(gain, sample_rate);
        connect(shaper, 0, gain, 0);
        connect(gain, 0, self(), 0);
        m_blocks = { { "pulse_shaper", shaper }, { "tx_rms", gain } };
    }
    std::vector<NamedBlock> m_blocks;
};

} // namespace

gr::basic_block_sptr make_pulse_shaper(double symbol_rate, double sample_rate, double rolloff, double rms)
{
    return gnuradio::get_initial_sptr(new TxShaper(symbol_rate, sample_rate, rolloff, rms));
}

std::vector<NamedBlock> pulse_shaper_blocks(const gr::basic_block_sptr& shaper)
{
    if (auto s = std::dynamic_pointer_cast<TxShaper>(shaper))
        return s->m_blocks;
    return {};
}

} // namespace modemd
