// SPDX-License-Identifier: GPL-3.0-or-later
#include "radio.h"
#include "stream_buffers.h"

#include "sigmf.h"

#include <gnuradio/blocks/file_source.h>
#include <gnuradio/blocks/multiply_const.h>
#include <gnuradio/blocks/throttle.h>
#include <dualsat/channel/channel_emulator.h>
#include <gnuradio/dualsat/channel_emulator_cc.h>
#include <gnuradio/dualsat/jammer_cc.h>
#include <gnuradio/block.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/sync_block.h>
#include <gnuradio/uhd/usrp_sink.h>
#include <gnuradio/uhd/usrp_source.h>
#include <gnuradio/zeromq/pub_sink.h>
#include <gnuradio/zeromq/pull_source.h>
#include <gnuradio/zeromq/push_sink.h>
#include <gnuradio/zeromq/sub_source.h>
#include <uhd/device.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <vector>

namespace modemd {

using nlohmann::json;

namespace {

gr_complex db_to_amplitude(double db) { return gr_complex(static_cast<float>(std::pow(10.0, db / 20.0)), 0.0f); }

ControlResult no_tuning(const std::string& backend)
{
    return ControlResult::fail(409, "radio backend '" + backend + "' has no tunable frequency");
}

// Digital TX gain for backends without an RF gain control: a multiply_const. Set from the
// HTTP worker, read by status() on the main and HTTP threads: the value is atomic.
// set_k() is called from that thread as GNU Radio's own callbacks do; the block reads its
// constant in work() without a lock (GNU Radio's design, not ours to change here).
class DigitalGain
{
public:
    DigitalGain() : m_block(gr::blocks::multiply_const_cc::make(gr_complex(1, 0))) {}
    gr::blocks::multiply_const_cc::sptr block() const { return m_block; }
    // The TX level (radio.tx_rms) rides on this multiply too, so the shaped samples are
    // scaled once, not by a second block (modem.cc makes the pulse shaper at unit level for
    // the backends with a digital gain). Before the flowgraph starts.
    void set_level(double rms)
    {
        m_rms = rms;
        m_block->set_k(gr_complex(static_cast<float>(m_rms) * db_to_amplitude(m_db.load()).real(), 0.0f));
    }
    static ControlResult check(double db, Direction d)
    {
        if (d != Direction::Tx)
            return ControlResult::fail(409, "this backend has no RX gain (the receiver "
                                            "normalises its input)");
        if (db < -100 || db > 40)
            return ControlResult::fail(400, "gain_db must be in -100..40 for a digital gain");
        return ControlResult::ok({});
    }
    ControlResult set(double db, Direction d)
    {
        const ControlResult c = check(db, d);
        if (c.status != 200)
            return c;
        m_block->set_k(gr_complex(static_cast<float>(m_rms) * db_to_amplitude(db).real(), 0.0f));
        m_db.store(db);
        return ControlResult::ok({ { "tx_gain_db", db } });
    }
    double db() const { return m_db.load(); }

private:
    gr::blocks::multiply_const_cc::sptr m_block;
    double m_rms = 1.0;
    std::atomic<double> m_db{ 0.0 };
};

// The emulated channel (loopback, or the samples a zmq daemon receives): carrier offset,
// timing offset and AWGN in one block, channel_emulator_cc in its fast_noise mode, the
// TX level and digital gain as its signal gain (issue 14: GNU Radio's channel_model is
// five blocks and threads — noise source, adder, signal source, multiplier, FIR and an
// MMSE resampler run even at a timing ratio of 1 — and cost more than the receiver at
// 5 Msym/s). Es/N0 convention: the noise is set
// for a transmitter at radio.tx_rms with 0 dB TX gain (symbol energy tx_rms^2 x samples per
// symbol), so a digital TX gain change moves the effective Es/N0.
gr::dualsat::channel_emulator_cc::sptr make_channel(const Config& c)
{
    const double sps = c.radio.sample_rate / c.modem.symbol_rate;
    const bool on = c.channel.enabled;
    // channel.timing_offset is a ratio of sample rates (GNU Radio channel_model's epsilon:
    // 1 = none); the emulator's clock offset gives (1 + ppm 1e-6) output samples per input
    // sample.
    auto b = gr::dualsat::channel_emulator_cc::make(
        on ? c.channel.esn0_db : std::numeric_limits<double>::infinity(), sps,
        c.radio.tx_rms * c.radio.tx_rms * sps, c.radio.sample_rate, on ? c.channel.cfo_hz : 0.0,
        0.0, false, on ? (1.0 / c.channel.timing_offset - 1.0) * 1e6 : 0.0, 0.0,
        c.channel.seed ? c.channel.seed : 1, true);
    size_stream_buffer(b, c.radio.sample_rate);
    return b;
}

ControlResult check_esn0(double esn0_db)
{
    if (!(esn0_db >= -20 && esn0_db <= 100))
        return ControlResult::fail(400, "esn0_db must be in -20..100");
    return ControlResult::ok({});
}

// Reads what gr-uhd (3.10) says about its streams and counts it. RX: a sink beside the
// receiver on usrp_source's output (fan-out: no copy), looking only at the rx_time tags
// that mark the first sample after a gap, plus the source's async_msgs ("overflows"
// counts). TX: usrp_sink's async_msgs (event codes: underflow, seq_error, time_error).
// The message format: (uhd_async_msg . dict); gr-uhd usrp_source_impl.cc / usrp_sink_impl.cc.
class UhdEventTap : public gr::sync_block
{
public:
    using sptr = std::shared_ptr<UhdEventTap>;
    static sptr make(bool rx, double sample_rate) { return gnuradio::make_block_sptr<UhdEventTap>(rx, sample_rate); }

    UhdEventTap(bool rx, double sample_rate)
        : gr::sync_block(rx ? "uhd_rx_events" : "uhd_tx_events",
                         rx ? gr::io_signature::make(1, 1, sizeof(gr_complex)) : gr::io_signature::make(0, 0, 0),
                         gr::io_signature::make(0, 0, 0)),
          m_overflows(sample_rate),
          m_time_key(pmt::intern("rx_time")),
          m_overflows_key(pmt::intern("overflows")),
          m_event_code_key(pmt::intern("event_code"))
    {
        message_port_register_in(pmt::mp("async"));
        set_msg_handler(pmt::mp("async"), [this](const pmt::pmt_t& m) { on_async(m); });
    }

    int work(int n, gr_vector_const_void_star&, gr_vector_void_star&) override
    {
        const uint64_t start = nitems_read(0);
        get_tags_in_range(m_tags, 0, start, start + static_cast<uint64_t>(n), m_time_key);
        for (const auto& t : m_tags) {
            // (full seconds as uint64, fractional seconds as double)
            if (!pmt::is_tuple(t.value) || pmt::length(t.value) < 2)
                continue;
            const pmt::pmt_t full = pmt::tuple_ref(t.value, 0), frac = pmt::tuple_ref(t.value, 1);
            if (!pmt::is_number(full) || !pmt::is_real(frac))
                continue;
            const double secs = (pmt::is_uint64(full) ? static_cast<double>(pmt::to_uint64(full))
                                                       : pmt::to_double(full)) +
                                pmt::to_double(frac);
            m_overflows.on_time_tag(t.offset, secs);
        }
        return n;
    }

    UhdOverflowCounter& rx_counter() { return m_overflows; }
    UhdAsyncCounter& tx_counter() { return m_async; }

private:
    void on_async(const pmt::pmt_t& msg)
    {
        if (!pmt::is_pair(msg) || !pmt::is_dict(pmt::cdr(msg)))
            return;
        const pmt::pmt_t d = pmt::cdr(msg);
        const pmt::pmt_t ov = pmt::dict_ref(d, m_overflows_key, pmt::PMT_NIL);
        if (pmt::is_uint64(ov))
            m_overflows.on_overflow_report(pmt::to_uint64(ov));
        else if (pmt::is_integer(ov) && pmt::to_long(ov) > 0)
            m_overflows.on_overflow_report(static_cast<uint64_t>(pmt::to_long(ov)));
        pmt::pmt_t codes = pmt::dict_ref(d, m_event_code_key, pmt::PMT_NIL);
        if (pmt::is_null(codes))
            return;
        std::vector<std::string> names;
        for (int guard = 0; pmt::is_pair(codes) && guard < 16; ++guard, codes = pmt::cdr(codes))
            if (pmt::is_symbol(pmt::car(codes)))
                names.push_back(pmt::symbol_to_string(pmt::car(codes)));
        m_async.on_events(names);
    }

    UhdOverflowCounter m_overflows;
    UhdAsyncCounter m_async;
    std::vector<gr::tag_t> m_tags;
    const pmt::pmt_t m_time_key, m_overflows_key, m_event_code_key;
};

// TX -> (throttle) -> AWGN / CFO / timing channel (with the TX level and digital gain) ->
// RX, in one process.
class LoopbackRadio : public RadioBackend
{
public:
    explicit LoopbackRadio(const Config& c) : m_cfg(c), m_esn0_db(c.channel.esn0_db)
    {
        // Noise for the configured Es/N0 at 0 dB TX gain (the TX has mean power tx_rms^2).
        m_channel = make_channel(c);
        m_channel->set_signal_gain(c.radio.tx_rms);
        // The channel runs on at least a quarter of its buffer (~1 ms) at a time: the
        // throttle before it passes samples on as they fall due, and a fast receiver after
        // it takes whatever arrives, so each stage woke for a few hundred samples — more
        // often on an idle link, where the receiver is faster (issue 14). The loopback
        // never ends, so no tail is held back.
        std::dynamic_pointer_cast<gr::block>(m_channel)->set_min_noutput_items(
            stream_buffer_items(c.radio.sample_rate, sizeof(gr_complex)) / 4);
        m_throttle = gr::blocks::throttle::make(sizeof(gr_complex), c.radio.sample_rate);
        size_stream_buffer(m_throttle, c.radio.sample_rate);
        if (c.channel.jammer.present) {
            const auto& j = c.channel.jammer;
            // J/S over the TX signal at 0 dB TX gain (mean power tx_rms^2).
            m_jammer = gr::dualsat::jammer_cc::make(j.kind, j.js_db, c.radio.tx_rms * c.radio.tx_rms,
                                                    c.radio.sample_rate, j.cw_offset_hz, j.band_low_hz,
                                                    j.band_fraction, j.duty, j.period_s, j.sweep_low_hz,
                                                    j.sweep_high_hz, j.seed);
            size_stream_buffer(m_jammer, c.radio.sample_rate);
        }
    }
    std::string name() const override { return "loopback"; }
    void connect(gr::top_block_sptr tb, gr::basic_block_sptr tx, gr::basic_block_sptr rx) override
    {
        tb->connect(tx, 0, m_throttle, 0);
        tb->connect(m_throttle, 0, m_channel, 0);
        if (m_jammer) {
            tb->connect(m_channel, 0, m_jammer, 0);
            tb->connect(m_jammer, 0, rx, 0);
        } else {
            tb->connect(m_channel, 0, rx, 0);
        }
    }
    ControlResult set_gain(double db, Direction d) override
    {
        auto r = DigitalGain::check(db, d);
        if (r.status != 200)
            return r;
        std::lock_guard<std::mutex> lock(m_mutex);
        m_channel->set_signal_gain(m_cfg.radio.tx_rms * std::pow(10.0, db / 20.0));
        m_gain_db = db;
        return ControlResult::ok({ { "tx_gain_db", db }, { "effective_esn0_db", m_esn0_db + db } });
    }
    ControlResult set_frequency(double, Direction) override { return no_tuning("loopback"); }
    std::vector<NamedBlock> tx_blocks() const override
    {
        std::vector<NamedBlock> b = { { "throttle", m_throttle }, { "channel", m_channel } };
        if (m_jammer)
            b.push_back({ "jammer", m_jammer });
        return b;
    }
    Pacing tx_pacing() const override { return Pacing::Throttle; }
    Pacing rx_pacing() const override { return Pacing::Throttle; }
    bool has_channel() const override { return true; }
    ControlResult set_channel_esn0(double esn0_db) override
    {
        auto r = check_esn0(esn0_db);
        if (r.status != 200)
            return r;
        std::lock_guard<std::mutex> lock(m_mutex);
        m_channel->set_esn0_db(esn0_db);
        m_esn0_db = esn0_db;
        return ControlResult::ok({ { "esn0_db", esn0_db }, { "effective_esn0_db", esn0_db + m_gain_db } });
    }
    json status() const override
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        json j = { { "backend", "loopback" },
                   { "sample_rate", m_cfg.radio.sample_rate },
                   { "tx_gain_db", m_gain_db },
                   { "channel",
                     { { "enabled", m_cfg.channel.enabled },
                       { "esn0_db", m_esn0_db + m_gain_db },
                       { "cfo_hz", m_cfg.channel.cfo_hz },
                       { "timing_offset", m_cfg.channel.timing_offset } } } };
        if (m_jammer) {
            const auto& jc = m_cfg.channel.jammer;
            j["channel"]["jammer"] = { { "kind", jc.kind }, { "js_db", m_jammer->js_db() } };
        }
        return j;
    }

private:
    const Config m_cfg;
    mutable std::mutex m_mutex;
    double m_gain_db = 0.0; // digital TX gain
    double m_esn0_db; // at 0 dB TX gain
    gr::dualsat::jammer_cc::sptr m_jammer; // channel.jammer: after the channel's noise
    gr::dualsat::channel_emulator_cc::sptr m_channel;
    gr::blocks::throttle::sptr m_throttle;
};

class UhdRadio : public RadioBackend
{
public:
    explicit UhdRadio(const Config& c) : m_cfg(c)
    {
        const auto& u = c.radio.uhd;
        // Look before building blocks: gr-uhd would also throw, but with a less useful
        // message. Callers restrict discovery with args (e.g. type=b200, addr=...).
        ::uhd::device_addrs_t found;
        try {
            found = ::uhd::device::find(::uhd::device_addr_t(u.args));
        } catch (const std::exception& e) {
            throw RadioError("UHD device search with args '" + u.args + "' failed: " + e.what());
        }
        if (found.empty())
            throw RadioError("no UHD device found for radio.uhd.args '" + u.args +
                             "' (is the USRP connected and powered? uhd_find_devices lists "
                             "what UHD can see)");
        try {
            ::uhd::stream_args_t sa("fc32", "sc16");
            sa.channels = { 0 };
            if (c.has_tx()) {
                m_sink = gr::uhd::usrp_sink::make(u.args, sa);
                if (!u.subdev.empty())
                    m_sink->set_subdev_spec(u.subdev);
                setup(m_sink, u.tx);
            }
            if (c.has_rx()) {
                m_source = gr::uhd::usrp_source::make(u.args, sa);
                size_stream_buffer(m_source, c.radio.sample_rate);
                if (!u.subdev.empty())
                    m_source->set_subdev_spec(u.subdev);
                setup(m_source, u.rx);
            }
        } catch (const RadioError&) {
            throw;
        } catch (const std::exception& e) {
            throw RadioError(std::string("UHD device setup failed: ") + e.what());
        }
    }
    std::string name() const override { return "uhd"; }
    bool stall_is_fatal() const override { return true; }
    std::optional<double> time_now() override
    {
        if (m_source)
            return m_source->get_time_now().get_real_secs();
        if (m_sink)
            return m_sink->get_time_now().get_real_secs();
        return std::nullopt;
    }
    void set_rx_start_time(double t) override
    {
        if (m_source)
            m_source->set_start_time(::uhd::time_spec_t(t));
    }
    gr::basic_block_sptr rx_command_block() const override { return m_source; }
    void connect(gr::top_block_sptr tb, gr::basic_block_sptr tx, gr::basic_block_sptr rx) override
    {
        if (tx) {
            tb->connect(tx, 0, m_sink, 0);
            m_tx_events = UhdEventTap::make(false, m_cfg.radio.sample_rate);
            tb->msg_connect(m_sink, "async_msgs", m_tx_events, "async");
        }
        if (rx) {
            tb->connect(m_source, 0, rx, 0);
            m_rx_events = UhdEventTap::make(true, m_cfg.radio.sample_rate);
            tb->connect(m_source, 0, m_rx_events, 0);
            tb->msg_connect(m_source, "async_msgs", m_rx_events, "async");
        }
    }
    std::vector<NamedBlock> tx_blocks() const override
    {
        if (!m_sink)
            return {};
        return { { "uhd_sink", m_sink } };
    }
    std::vector<NamedBlock> rx_blocks() const override
    {
        if (!m_source)
            return {};
        return { { "uhd_source", m_source } };
    }
    Pacing tx_pacing() const override { return Pacing::Device; }
    Pacing rx_pacing() const override { return Pacing::Device; }
    RadioStreamCounts stream_counts() const override
    {
        RadioStreamCounts c;
        if (m_rx_events)
            c.rx = m_rx_events->rx_counter().counts();
        if (m_tx_events)
            c.tx = m_tx_events->tx_counter().counts();
        return c;
    }
    ControlResult set_gain(double db, Direction d) override
    {
        try {
            if (d == Direction::Tx && m_sink) {
                m_sink->set_gain(db, 0);
                return ControlResult::ok({ { "tx_gain_db", m_sink->get_gain(0) } });
            }
            if (d == Direction::Rx && m_source) {
                m_source->set_gain(db, 0);
                return ControlResult::ok({ { "rx_gain_db", m_source->get_gain(0) } });
            }
        } catch (const std::exception& e) {
            return ControlResult::fail(400, std::string("UHD refused the gain: ") + e.what());
        }
        return ControlResult::fail(409, "no " + to_string(d) + " path in this daemon");
    }
    ControlResult set_frequency(double hz, Direction d) override
    {
        try {
            if (d == Direction::Tx && m_sink) {
                m_sink->set_center_freq(::uhd::tune_request_t(hz, m_cfg.radio.uhd.tx.lo_offset), 0);
                return ControlResult::ok({ { "tx_freq_hz", m_sink->get_center_freq(0) } });
            }
            if (d == Direction::Rx && m_source) {
                m_source->set_center_freq(::uhd::tune_request_t(hz, m_cfg.radio.uhd.rx.lo_offset), 0);
                return ControlResult::ok({ { "rx_freq_hz", m_source->get_center_freq(0) } });
            }
        } catch (const std::exception& e) {
            return ControlResult::fail(400, std::string("UHD refused the frequency: ") + e.what());
        }
        return ControlResult::fail(409, "no " + to_string(d) + " path in this daemon");
    }
    json status() const override
    {
        json j = { { "backend", "uhd" }, { "sample_rate", m_cfg.radio.sample_rate } };
        if (m_sink)
            j["tx"] = { { "freq_hz", m_sink->get_center_freq(0) }, { "gain_db", m_sink->get_gain(0) } };
        if (m_source)
            j["rx"] = { { "freq_hz", m_source->get_center_freq(0) },
                        { "gain_db", m_source->get_gain(0) } };
        return j;
    }

private:
    template <typename Usrp>
    void setup(Usrp& dev, const UhdChannelConfig& ch)
    {
        const auto& u = m_cfg.radio.uhd;
        if (!u.clock_source.empty())
            dev->set_clock_source(u.clock_source, 0);
        if (!u.time_source.empty())
            dev->set_time_source(u.time_source, 0);
        dev->set_samp_rate(m_cfg.radio.sample_rate);
        const double actual = dev->get_samp_rate();
        if (std::abs(actual - m_cfg.radio.sample_rate) > 1e-6 * m_cfg.radio.sample_rate)
            throw RadioError("radio.sample_rate " + std::to_string(m_cfg.radio.sample_rate) +
                             " is not possible on this device (it offers " +
                             std::to_string(actual) + ")");
        dev->set_center_freq(::uhd::tune_request_t(ch.freq, ch.lo_offset), 0);
        dev->set_gain(ch.gain, 0);
        if (!ch.antenna.empty())
            dev->set_antenna(ch.antenna, 0);
        if (ch.bandwidth > 0)
            dev->set_bandwidth(ch.bandwidth, 0);
    }

    const Config m_cfg;
    gr::uhd::usrp_sink::sptr m_sink;
    gr::uhd::usrp_source::sptr m_source;
    UhdEventTap::sptr m_rx_events, m_tx_events;
};

// Writes the TX samples to the recording. Not gr::blocks::file_sink: on a full disk that
// block's fwrite() comes back short without a stream error, so it silently stops writing
// and goes on consuming (seen: a 2 MiB tmpfs, exit 0, nothing logged). Here a failed
// write() is kept with its errno, the samples from then on are counted as not recorded,
// and the flowgraph keeps running so the daemon can stop cleanly (FileRadio::fault()).
class RecordingSink : public gr::sync_block
{
public:
    using sptr = std::shared_ptr<RecordingSink>;
    static sptr make(const std::string& path) { return gnuradio::make_block_sptr<RecordingSink>(path); }

    explicit RecordingSink(const std::string& path)
        : gr::sync_block("recording_sink",
                         gr::io_signature::make(1, 1, sizeof(gr_complex)),
                         gr::io_signature::make(0, 0, 0))
    {
        m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (m_fd < 0)
            throw RadioError("cannot open '" + path + "': " + std::strerror(errno));
        struct stat st {};
        ::fstat(m_fd, &st);
        m_dev = st.st_dev;
        m_ino = st.st_ino;
    }
    ~RecordingSink() override { close(); }

    int work(int n, gr_vector_const_void_star& in, gr_vector_void_star&) override
    {
        const size_t bytes = static_cast<size_t>(n) * sizeof(gr_complex);
        size_t left = bytes;
        if (m_errno.load() == 0) {
            const char* p = static_cast<const char*>(in[0]);
            while (left > 0) {
                const ssize_t w = ::write(m_fd, p, left);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0) {
                    m_errno = w < 0 ? errno : ENOSPC;
                    break;
                }
                p += w;
                left -= static_cast<size_t>(w);
            }
        }
        m_bytes += bytes - left;
        m_lost += left / sizeof(gr_complex);
        return n; // consumed either way: the TX chain must not stall behind a dead file
    }

    void close()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }
    int error() const { return m_errno.load(); }
    uint64_t samples_written() const { return m_bytes.load() / sizeof(gr_complex); }
    uint64_t samples_lost() const { return m_lost.load(); }
    // The path no longer names the file being written (deleted, or replaced by another).
    bool detached(const std::string& path) const
    {
        struct stat st {};
        return ::stat(path.c_str(), &st) != 0 || st.st_dev != m_dev || st.st_ino != m_ino;
    }

private:
    int m_fd = -1;
    dev_t m_dev = 0;
    ino_t m_ino = 0;
    std::atomic<int> m_errno{ 0 };
    std::atomic<uint64_t> m_bytes{ 0 }, m_lost{ 0 };
};

// Test seam for "the USRP is gone mid-run" without hardware: radio.uhd.args
// "type=dualsat-fake,fail_after=N" builds this instead of UhdRadio. Its device blocks
// stream (zeros in, samples out to nowhere) and, after N samples, throw from work() as
// gr-uhd does when UHD's recv()/send() raises on a vanished device; GNU Radio then logs the
// exception and ends that block's thread, and the stream stops moving.
// "events_every=M" (tests only) makes them report what gr-uhd 3.10 reports for UHD's
// overflows and underflows, in its format, every M samples: the source skips M/8 samples
// of device time, tags the next sample with rx_time and publishes {overflows: 1} on
// async_msgs (as usrp_source does; it also tags the first sample); the sink publishes
// {event_code: (underflow), channel: 0} on async_msgs (as usrp_sink does).
class FakeUhdDevice : public gr::sync_block
{
public:
    using sptr = std::shared_ptr<FakeUhdDevice>;
    static sptr make(bool source, uint64_t fail_after, uint64_t events_every, double rate)
    {
        return gnuradio::make_block_sptr<FakeUhdDevice>(source, fail_after, events_every, rate);
    }
    FakeUhdDevice(bool source, uint64_t fail_after, uint64_t events_every, double rate)
        : gr::sync_block(source ? "fake_uhd_source" : "fake_uhd_sink",
                         source ? gr::io_signature::make(0, 0, 0)
                                : gr::io_signature::make(1, 1, sizeof(gr_complex)),
                         source ? gr::io_signature::make(1, 1, sizeof(gr_complex))
                                : gr::io_signature::make(0, 0, 0)),
          m_source(source),
          m_fail_after(fail_after),
          m_events_every(events_every),
          m_next_event(events_every),
          m_rate(rate),
          m_port(pmt::mp("async_msgs"))
    {
        message_port_register_out(m_port);
        // UHD commands as usrp_source / usrp_sink take them: on port "command" and (sink)
        // as "tx_command" stream tags. Recorded for the tests (analog hopping).
        message_port_register_in(pmt::mp("command"));
        set_msg_handler(pmt::mp("command"), [this](const pmt::pmt_t& m) { record(m); });
        set_tag_propagation_policy(TPP_DONT);
    }
    // Commands received (freq Hz, time s), in order of arrival.
    struct Command {
        double freq = 0, time = -1;
    };
    std::vector<Command> commands() const
    {
        std::lock_guard<std::mutex> lock(m_cmd_mutex);
        return m_commands;
    }
    uint64_t malformed_commands() const
    {
        std::lock_guard<std::mutex> lock(m_cmd_mutex);
        return m_malformed;
    }
    // A timed start (usrp_source::set_start_time): sample 0 is at this radio time.
    void set_start_time(double t) { m_start_time = t; }
    int work(int n, gr_vector_const_void_star&, gr_vector_void_star& out) override
    {
        if (m_samples >= m_fail_after)
            throw std::runtime_error("fake UHD device: no longer present (after " +
                                     std::to_string(m_samples) + " samples)");
        n = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(n), m_fail_after - m_samples));
        if (!m_source) {
            std::vector<gr::tag_t> tags;
            get_tags_in_range(tags, 0, nitems_read(0), nitems_read(0) + static_cast<uint64_t>(n),
                              pmt::intern("tx_command"));
            for (const auto& t : tags)
                record(t.value);
        } else if (m_start_time > 0 && m_samples == 0 && !m_events_every) {
            tag_time();
        }
        if (m_events_every) {
            if (m_source && m_samples == 0)
                tag_time();
            if (m_samples == m_next_event) {
                m_next_event += m_events_every;
                if (m_source) {
                    m_skipped += m_events_every / 8;
                    tag_time();
                    message_port_pub(m_port, pmt::cons(pmt::intern("uhd_async_msg"),
                                                       pmt::dict_add(pmt::make_dict(), pmt::intern("overflows"),
                                                                     pmt::from_uint64(1))));
                } else {
                    pmt::pmt_t d = pmt::dict_add(pmt::make_dict(), pmt::intern("event_code"),
                                                 pmt::list1(pmt::intern("underflow")));
                    d = pmt::dict_add(d, pmt::intern("channel"), pmt::from_uint64(0));
                    message_port_pub(m_port, pmt::cons(pmt::intern("uhd_async_msg"), d));
                }
            }
            n = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(n), m_next_event - m_samples));
        }
        if (m_source)
            std::fill_n(static_cast<gr_complex*>(out[0]), n, gr_complex(0, 0));
        m_samples += static_cast<uint64_t>(n);
        return n;
    }

private:
    void record(const pmt::pmt_t& cmd)
    {
        std::lock_guard<std::mutex> lock(m_cmd_mutex);
        const pmt::pmt_t freq = pmt::is_dict(cmd) ? pmt::dict_ref(cmd, pmt::intern("freq"), pmt::PMT_NIL) : pmt::PMT_NIL;
        const pmt::pmt_t time = pmt::is_dict(cmd) ? pmt::dict_ref(cmd, pmt::intern("time"), pmt::PMT_NIL) : pmt::PMT_NIL;
        if (!pmt::is_real(freq) || !pmt::is_pair(time) || !pmt::is_uint64(pmt::car(time)) ||
            !pmt::is_real(pmt::cdr(time))) {
            ++m_malformed;
            return;
        }
        if (m_commands.size() < 100000)
            m_commands.push_back({ pmt::to_double(freq),
                                   static_cast<double>(pmt::to_uint64(pmt::car(time))) + pmt::to_double(pmt::cdr(time)) });
    }

    void tag_time()
    {
        const double t = m_start_time + static_cast<double>(m_samples + m_skipped) / m_rate;
        const double full = std::floor(t);
        add_item_tag(0, nitems_written(0), pmt::intern("rx_time"),
                     pmt::make_tuple(pmt::from_uint64(static_cast<uint64_t>(full)), pmt::from_double(t - full)));
    }

    const bool m_source;
    const uint64_t m_fail_after;
    const uint64_t m_events_every;
    uint64_t m_next_event;
    const double m_rate;
    const pmt::pmt_t m_port;
    uint64_t m_samples = 0;
    uint64_t m_skipped = 0;
    double m_start_time = 0;
    mutable std::mutex m_cmd_mutex;
    std::vector<Command> m_commands;
    uint64_t m_malformed = 0;
};

class FakeUhdRadio : public RadioBackend
{
public:
    FakeUhdRadio(const Config& c, uint64_t fail_after, uint64_t events_every) : m_cfg(c)
    {
        if (c.has_tx())
            m_sink = FakeUhdDevice::make(false, fail_after, events_every, c.radio.sample_rate);
        if (c.has_rx())
            m_source = FakeUhdDevice::make(true, fail_after, events_every, c.radio.sample_rate);
        m_tx_throttle = gr::blocks::throttle::make(sizeof(gr_complex), c.radio.sample_rate);
        m_rx_throttle = gr::blocks::throttle::make(sizeof(gr_complex), c.radio.sample_rate);
    }
    std::string name() const override { return "uhd"; }
    void connect(gr::top_block_sptr tb, gr::basic_block_sptr tx, gr::basic_block_sptr rx) override
    {
        if (tx) {
            tb->connect(tx, 0, m_tx_throttle, 0);
            tb->connect(m_tx_throttle, 0, m_sink, 0);
            m_tx_events = UhdEventTap::make(false, m_cfg.radio.sample_rate);
            tb->msg_connect(m_sink, "async_msgs", m_tx_events, "async");
        }
        if (rx) {
            tb->connect(m_source, 0, m_rx_throttle, 0);
            tb->connect(m_rx_throttle, 0, rx, 0);
            // As for a real USRP: the tap sits on the device block's output.
            m_rx_events = UhdEventTap::make(true, m_cfg.radio.sample_rate);
            tb->connect(m_source, 0, m_rx_events, 0);
            tb->msg_connect(m_source, "async_msgs", m_rx_events, "async");
        }
    }
    std::vector<NamedBlock> tx_blocks() const override
    {
        if (!m_sink)
            return {};
        return { { "throttle", m_tx_throttle }, { "uhd_sink", m_sink } };
    }
    std::vector<NamedBlock> rx_blocks() const override
    {
        if (!m_source)
            return {};
        return { { "uhd_source", m_source }, { "rx_throttle", m_rx_throttle } };
    }
    Pacing tx_pacing() const override { return Pacing::Device; }
    Pacing rx_pacing() const override { return Pacing::Device; }
    RadioStreamCounts stream_counts() const override
    {
        RadioStreamCounts c;
        if (m_rx_events)
            c.rx = m_rx_events->rx_counter().counts();
        if (m_tx_events)
            c.tx = m_tx_events->tx_counter().counts();
        return c;
    }
    ControlResult set_gain(double db, Direction d) override
    {
        return ControlResult::ok({ { to_string(d) + "_gain_db", db } });
    }
    ControlResult set_frequency(double hz, Direction d) override
    {
        return ControlResult::ok({ { to_string(d) + "_freq_hz", hz } });
    }
    json status() const override
    {
        json j = { { "backend", "uhd" }, { "fake_device", true }, { "sample_rate", m_cfg.radio.sample_rate } };
        // The UHD commands the fake device got (analog hopping), the first 64 of each side.
        auto commands = [](const FakeUhdDevice::sptr& dev) {
            json c = { { "count", 0 }, { "malformed", dev->malformed_commands() } };
            json freqs = json::array(), times = json::array();
            const auto cmds = dev->commands();
            c["count"] = cmds.size();
            for (size_t i = 0; i < cmds.size() && i < 64; ++i) {
                freqs.push_back(cmds[i].freq);
                times.push_back(cmds[i].time);
            }
            c["freqs"] = freqs;
            c["times"] = times;
            return c;
        };
        if (m_sink)
            j["tune_commands"]["tx"] = commands(m_sink);
        if (m_source)
            j["tune_commands"]["rx"] = commands(m_source);
        return j;
    }
    bool stall_is_fatal() const override { return true; }
    std::optional<double> time_now() override { return 0.0; } // the fake radio's clock starts at 0
    void set_rx_start_time(double t) override
    {
        if (m_source)
            m_source->set_start_time(t);
    }
    gr::basic_block_sptr rx_command_block() const override { return m_source; }

private:
    const Config m_cfg;
    FakeUhdDevice::sptr m_sink, m_source;
    gr::blocks::throttle::sptr m_tx_throttle, m_rx_throttle;
    UhdEventTap::sptr m_rx_events, m_tx_events;
};

SigmfInfo recording_info(const Config& c)
{
    SigmfInfo info;
    info.sample_rate = c.radio.sample_rate;
    info.description = c.radio.file.description.empty()
                           ? "dualsat-modemd DVB-S2 transmission"
                           : c.radio.file.description;
    info.modcod = dualsat::to_string(c.modem.format.modcod);
    info.frame = dualsat::to_string(c.modem.format.frame);
    info.pilots = c.modem.format.pilots;
    info.symbol_rate = c.modem.symbol_rate;
    info.rolloff = dualsat::rolloff_value(c.modem.rolloff);
    return info;
}

// Records TX as complex float32 with SigMF metadata, or replays a recording into the RX.
class FileRadio : public RadioBackend
{
public:
    explicit FileRadio(const Config& c) : m_cfg(c)
    {
        const auto& f = c.radio.file;
        if (c.has_rx()) {
            // Checked before anything runs: a recording at another rate is useless.
            m_replay_info = read_sigmf_meta(f.rx_path, c.radio.sample_rate);
            m_source = gr::blocks::file_source::make(sizeof(gr_complex), f.rx_path.c_str(), f.repeat);
            size_stream_buffer(m_source, c.radio.sample_rate);
        }
        if (c.has_tx()) {
            try {
                write_sigmf_meta(f.tx_path, recording_info(c));
                m_sink = RecordingSink::make(f.tx_path);
            } catch (const std::exception& e) {
                throw RadioError("radio.file.tx_path: " + std::string(e.what()));
            }
        }
        m_throttle = gr::blocks::throttle::make(sizeof(gr_complex), c.radio.sample_rate);
        size_stream_buffer(m_throttle, c.radio.sample_rate);
        size_stream_buffer(m_gain.block(), c.radio.sample_rate);
        m_gain.set_level(c.radio.tx_rms);
    }
    std::string name() const override { return "file"; }
    void connect(gr::top_block_sptr tb, gr::basic_block_sptr tx, gr::basic_block_sptr rx) override
    {
        const bool throttle = m_cfg.radio.file.throttle;
        if (tx) {
            gr::basic_block_sptr from = tx;
            if (throttle) {
                tb->connect(tx, 0, m_throttle, 0);
                from = m_throttle;
            }
            tb->connect(from, 0, m_gain.block(), 0);
            tb->connect(m_gain.block(), 0, m_sink, 0);
        }
        if (rx) {
            if (throttle) {
                tb->connect(m_source, 0, m_throttle, 0);
                tb->connect(m_throttle, 0, rx, 0);
            } else {
                tb->connect(m_source, 0, rx, 0);
            }
        }
    }
    ControlResult set_gain(double db, Direction d) override
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_gain.set(db, d);
    }
    ControlResult set_frequency(double, Direction) override { return no_tuning("file"); }
    std::vector<NamedBlock> tx_blocks() const override
    {
        if (!m_sink)
            return {};
        std::vector<NamedBlock> b;
        if (m_cfg.radio.file.throttle)
            b.push_back({ "throttle", m_throttle });
        b.push_back({ "tx_gain", m_gain.block() });
        b.push_back({ "recording_sink", m_sink });
        return b;
    }
    std::vector<NamedBlock> rx_blocks() const override
    {
        if (!m_source)
            return {};
        std::vector<NamedBlock> b{ { "file_source", m_source } };
        if (m_cfg.radio.file.throttle)
            b.push_back({ "throttle", m_throttle });
        return b;
    }
    Pacing tx_pacing() const override { return m_cfg.radio.file.throttle ? Pacing::Throttle : Pacing::None; }
    Pacing rx_pacing() const override { return m_cfg.radio.file.throttle ? Pacing::Throttle : Pacing::None; }
    json status() const override
    {
        json j = { { "backend", "file" }, { "sample_rate", m_cfg.radio.sample_rate } };
        if (m_sink) {
            j["tx_path"] = m_cfg.radio.file.tx_path;
            j["tx_samples_written"] = m_sink->samples_written();
            j["tx_samples_not_written"] = m_sink->samples_lost();
        }
        if (m_source) {
            j["rx_path"] = m_cfg.radio.file.rx_path;
            j["rx_samples_in_file"] = m_replay_info.sample_count;
            j["rx_recorded_modcod"] = m_replay_info.modcod;
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        j["tx_gain_db"] = m_gain.db();
        return j;
    }
    bool exhausted(uint64_t rx_samples) const override
    {
        return m_source && !m_cfg.radio.file.repeat && rx_samples >= m_replay_info.sample_count;
    }
    std::string fault() const override
    {
        if (!m_sink)
            return {};
        const auto& path = m_cfg.radio.file.tx_path;
        if (int e = m_sink->error())
            return "writing radio.file.tx_path '" + path + "' failed after " +
                   std::to_string(m_sink->samples_written()) + " samples: " + std::strerror(e);
        if (m_sink->detached(path))
            return "radio.file.tx_path '" + path + "' was deleted or replaced while recording";
        return {};
    }
    void finish() override
    {
        if (!m_sink)
            return;
        m_sink->close();
        if (m_sink->detached(m_cfg.radio.file.tx_path))
            return; // no recording to describe: never write metadata beside another file
        SigmfInfo info = recording_info(m_cfg);
        info.sample_count = m_sink->samples_written(); // what is in the file, whole samples
        write_sigmf_meta(m_cfg.radio.file.tx_path, info);
    }

private:
    const Config m_cfg;
    mutable std::mutex m_mutex;
    DigitalGain m_gain;
    SigmfInfo m_replay_info;
    gr::blocks::file_source::sptr m_source;
    RecordingSink::sptr m_sink;
    gr::blocks::throttle::sptr m_throttle;
};

// IQ between processes over ZeroMQ (push/pull or pub/sub). The TX side binds.
class ZmqRadio : public RadioBackend
{
public:
    explicit ZmqRadio(const Config& c) : m_cfg(c)
    {
        const auto& z = c.radio.zmq;
        std::vector<char> tx(z.tx_address.begin(), z.tx_address.end()), rx(z.rx_address.begin(), z.rx_address.end());
        tx.push_back('\0');
        rx.push_back('\0');
        try {
            if (c.has_tx())
                m_sink = z.pattern == ZmqPattern::PubSub
                             ? gr::basic_block_sptr(gr::zeromq::pub_sink::make(
                                   sizeof(gr_complex), 1, tx.data(), z.timeout_ms, false, z.hwm))
                             : gr::basic_block_sptr(gr::zeromq::push_sink::make(
                                   sizeof(gr_complex), 1, tx.data(), z.timeout_ms, false, z.hwm));
            if (c.has_rx())
                m_source = z.pattern == ZmqPattern::PubSub
                               ? gr::basic_block_sptr(gr::zeromq::sub_source::make(
                                     sizeof(gr_complex), 1, rx.data(), z.timeout_ms, false, z.hwm))
                               : gr::basic_block_sptr(gr::zeromq::pull_source::make(
                                     sizeof(gr_complex), 1, rx.data(), z.timeout_ms, false, z.hwm));
        } catch (const std::exception& e) {
            throw RadioError(std::string("ZeroMQ socket setup failed: ") + e.what());
        }
        if (m_source)
            size_stream_buffer(m_source, c.radio.sample_rate);
        m_throttle = gr::blocks::throttle::make(sizeof(gr_complex), c.radio.sample_rate);
        size_stream_buffer(m_throttle, c.radio.sample_rate);
        size_stream_buffer(m_gain.block(), c.radio.sample_rate);
        m_gain.set_level(c.radio.tx_rms);
        // The channel of the direction into this daemon. Its noise assumes the far end
        // sends at our radio.tx_rms with 0 dB TX gain (the usual lab pair of one config).
        if (c.has_rx() && c.channel.present) {
            m_channel = make_channel(c);
            m_esn0_db = c.channel.esn0_db;
        }
    }
    std::string name() const override { return "zmq"; }
    bool has_channel() const override { return m_channel != nullptr; }
    ControlResult set_channel_esn0(double esn0_db) override
    {
        if (!m_channel)
            return RadioBackend::set_channel_esn0(esn0_db);
        auto r = check_esn0(esn0_db);
        if (r.status != 200)
            return r;
        std::lock_guard<std::mutex> lock(m_mutex);
        m_channel->set_esn0_db(esn0_db);
        m_esn0_db = esn0_db;
        return ControlResult::ok({ { "esn0_db", esn0_db } });
    }
    void connect(gr::top_block_sptr tb, gr::basic_block_sptr tx, gr::basic_block_sptr rx) override
    {
        if (tx) {
            gr::basic_block_sptr from = tx;
            if (m_cfg.radio.zmq.throttle) {
                tb->connect(tx, 0, m_throttle, 0);
                from = m_throttle;
            }
            tb->connect(from, 0, m_gain.block(), 0);
            tb->connect(m_gain.block(), 0, m_sink, 0);
        }
        if (rx && m_channel) {
            tb->connect(m_source, 0, m_channel, 0);
            tb->connect(m_channel, 0, rx, 0);
        } else if (rx) {
            tb->connect(m_source, 0, rx, 0);
        }
    }
    ControlResult set_gain(double db, Direction d) override
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_gain.set(db, d);
    }
    ControlResult set_frequency(double, Direction) override { return no_tuning("zmq"); }
    std::vector<NamedBlock> tx_blocks() const override
    {
        if (!m_sink)
            return {};
        std::vector<NamedBlock> b;
        if (m_cfg.radio.zmq.throttle)
            b.push_back({ "throttle", m_throttle });
        b.push_back({ "tx_gain", m_gain.block() });
        b.push_back({ "zmq_sink", m_sink });
        return b;
    }
    std::vector<NamedBlock> rx_blocks() const override
    {
        if (!m_source)
            return {};
        std::vector<NamedBlock> b{ { "zmq_source", m_source } };
        if (m_channel)
            b.push_back({ "channel", m_channel });
        return b;
    }
    // The receiver takes what the peer sends (radio.zmq.throttle applies to TX only); the
    // transmitter is paced by its throttle, or else by how fast the peer takes samples.
    Pacing tx_pacing() const override { return m_cfg.radio.zmq.throttle ? Pacing::Throttle : Pacing::Peer; }
    Pacing rx_pacing() const override { return Pacing::Peer; }
    json status() const override
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        json j = { { "backend", "zmq" },
                   { "sample_rate", m_cfg.radio.sample_rate },
                   { "pattern", m_cfg.radio.zmq.pattern == ZmqPattern::PubSub ? "pubsub" : "pushpull" },
                   { "tx_gain_db", m_gain.db() } };
        if (m_sink)
            j["tx_address"] = m_cfg.radio.zmq.tx_address;
        if (m_source)
            j["rx_address"] = m_cfg.radio.zmq.rx_address;
        if (m_channel)
            j["channel"] = { { "enabled", m_cfg.channel.enabled },
                             { "esn0_db", m_esn0_db },
                             { "cfo_hz", m_cfg.channel.cfo_hz },
                             { "timing_offset", m_cfg.channel.timing_offset } };
        return j;
    }

private:
    const Config m_cfg;
    mutable std::mutex m_mutex;
    DigitalGain m_gain;
    gr::basic_block_sptr m_sink, m_source;
    gr::blocks::throttle::sptr m_throttle;
    gr::dualsat::channel_emulator_cc::sptr m_channel;
    double m_esn0_db = 0;
};

} // namespace

std::unique_ptr<RadioBackend> make_radio(const Config& c)
{
    switch (c.radio.backend) {
    case Backend::Loopback:
        return std::make_unique<LoopbackRadio>(c);
    case Backend::Uhd: {
        const ::uhd::device_addr_t args(c.radio.uhd.args);
        if (args.has_key("type") && args["type"] == "dualsat-fake") // test seam, see FakeUhdRadio
            return std::make_unique<FakeUhdRadio>(
                c, args.has_key("fail_after") ? std::stoull(args["fail_after"]) : UINT64_MAX,
                args.has_key("events_every") ? std::stoull(args["events_every"]) : 0);
        return std::make_unique<UhdRadio>(c);
    }
    case Backend::File:
        return std::make_unique<FileRadio>(c);
    case Backend::Zmq:
        return std::make_unique<ZmqRadio>(c);
    }
    throw dualsat::ConfigError("radio.backend: unknown");
}

} // namespace modemd
