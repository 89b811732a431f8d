// SPDX-License-Identifier: GPL-3.0-or-later
#include "modem.h"

#include "antijam.h"

#include <dualsat/protect/key_file.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace modemd {

using nlohmann::json;

namespace {

json optional_json(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

std::string fmt_rate(double bps)
{
    char buf[32];
    if (bps >= 1e6)
        std::snprintf(buf, sizeof buf, "%.2f Mbit/s", bps / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%.1f kbit/s", bps / 1e3);
    return buf;
}

void add_realtime_metrics(PrometheusText& p, const json& rt)
{
    for (const char* st : { "starting", "ok", "behind", "overflowing" })
        p.add("dualsat_realtime_state", "gauge",
              "1 for the real-time verdict in force: ok, behind (below 0.95 of real time), overflowing "
              "(the radio lost samples), starting",
              rt["state"] == st ? 1 : 0, { { "state", st } });
    p.add("dualsat_realtime_episodes_total", "counter", "Times the verdict went from ok to behind or overflowing",
          rt["episodes"].get<double>());
    for (const char* dir : { "rx", "tx" })
        if (rt[dir].is_object() && !rt[dir]["ratio"].is_null())
            p.add("dualsat_realtime_ratio", "gauge",
                  "Samples processed per second over the sample rate, over the window (1 = real time)",
                  rt[dir]["ratio"].get<double>(), { { "direction", dir } });
    for (const char* dir : { "rx", "tx" })
        if (rt[dir].is_object() && !rt[dir]["samples_per_s"].is_null())
            p.add("dualsat_realtime_samples_per_second", "gauge", "Samples through the radio edge per second (window)",
                  rt[dir]["samples_per_s"].get<double>(), { { "direction", dir } });
    for (const char* dir : { "rx", "tx" })
        if (rt[dir].is_object() && !rt[dir]["edge_fill"].is_null())
            p.add("dualsat_realtime_edge_fill_ratio", "gauge",
                  "Buffer fill at the radio edge (rx: the receiver's input, tx: the radio's input), ~2 s average",
                  rt[dir]["edge_fill"].get<double>(), { { "direction", dir } });
    if (rt["rx"].is_object() && !rt["rx"]["overflows"].is_null()) {
        p.add("dualsat_radio_overflows_total", "counter", "RX overflows (UHD 'O': samples dropped before the host took them)",
              rt["rx"]["overflows"].get<double>(), { { "direction", "rx" } });
        p.add("dualsat_radio_samples_lost_total", "counter", "RX samples missing in overflow gaps (from rx_time tags)",
              rt["rx"]["samples_lost"].get<double>(), { { "direction", "rx" } });
    }
    if (rt["tx"].is_object() && !rt["tx"]["underflows"].is_null()) {
        p.add("dualsat_radio_underflows_total", "counter", "TX underflows (UHD 'U': the device ran out of samples)",
              rt["tx"]["underflows"].get<double>(), { { "direction", "tx" } });
        p.add("dualsat_radio_sequence_errors_total", "counter", "TX sequence errors (UHD 'S')",
              rt["tx"]["sequence_errors"].get<double>(), { { "direction", "tx" } });
        p.add("dualsat_radio_time_errors_total", "counter", "TX time errors (UHD 'L': a timed burst came too late)",
              rt["tx"]["time_errors"].get<double>(), { { "direction", "tx" } });
    }
    const json& q = rt["queues"];
    for (const auto& b : q["gnuradio"])
        p.add("dualsat_queue_fill_ratio", "gauge",
              "GNU Radio input buffer fill of a block (items waiting / buffer size), ~2 s average",
              b["fill"].get<double>(), { { "block", b["block"].get<std::string>() }, { "port", std::to_string(b["port"].get<int>()) } });
    if (q.contains("tx_input"))
        p.add("dualsat_tx_queue_fill_ratio", "gauge", "Bytes waiting for the transmitter over data.queue_bytes",
              q["tx_input"]["fill"].get<double>());
    const json& c = rt["cpu"];
    if (c.is_object()) {
        p.add("dualsat_process_cpu_seconds_total", "counter", "CPU time of the whole daemon", c["process_s"].get<double>());
        for (const auto& st : c["stages"])
            p.add("dualsat_cpu_seconds_total", "counter",
                  "CPU time by stage: a block's thread, a library thread pool, or other (the rest of the process)",
                  st["cpu_s"].get<double>(), { { "stage", st["stage"].get<std::string>() } });
        p.add("dualsat_cpu_seconds_total", "counter",
              "CPU time by stage: a block's thread, a library thread pool, or other (the rest of the process)",
              c["other_s"].get<double>(), { { "stage", "other" } });
        for (const auto& st : c["stages"])
            if (!st["load"].is_null())
                p.add("dualsat_cpu_load_cores", "gauge", "CPU load by stage over the window, in cores",
                      st["load"].get<double>(), { { "stage", st["stage"].get<std::string>() } });
        if (!c["other_load"].is_null())
            p.add("dualsat_cpu_load_cores", "gauge", "CPU load by stage over the window, in cores",
                  c["other_load"].get<double>(), { { "stage", "other" } });
    }
}

} // namespace

Modem::Modem(const Config& config, gr::logger& log) : m_cfg(config), m_log(log)
{
    m_tb = gr::make_top_block("dualsat-modemd");
    m_radio = make_radio(m_cfg); // first: a missing device fails before anything else

    m_acm = std::make_unique<AcmLoop>(m_cfg, [this](const std::string& line) { m_log.info("{}", line); });
    // In acm mode the controller owns the format from the first frame: its fallback
    // until reports arrive.
    Config tx_cfg = m_cfg;
    if (auto f = m_acm->initial_format())
        tx_cfg.modem.format = *f;

    gr::basic_block_sptr tx_out, rx_in;
    if (m_cfg.antijam.hopping || m_cfg.antijam.dsss) {
        double start = 0.0;
        if (m_cfg.antijam.hopping && m_cfg.antijam.mode == HopMode::Analog) {
            // Both streams start at a slot boundary of the radio's time, a second ahead.
            const auto now = m_radio->time_now();
            if (!now)
                throw dualsat::ConfigError("antijam.hopping.mode: 'analog' needs a radio with a clock (uhd)");
            start = AntijamStage::analog_start_time(m_cfg, *now);
            m_radio->set_rx_start_time(start);
        }
        m_antijam = std::make_unique<AntijamStage>(m_cfg, start);
    }
    if (m_cfg.data.test_pattern)
        m_pattern = std::make_unique<TestPattern>();
    if (m_cfg.has_tx()) {
        m_input = std::make_unique<TxInput>(m_cfg.modem.stream, m_cfg.data.queue_bytes);
        m_input->set_test_pattern(m_pattern.get());
        m_tx = make_tx_chain(tx_cfg, *m_input);
        TxInput* input = m_input.get();
        m_acm->set_inband_sender([input](const uint8_t* r, size_t n) { return input->push_report(r, n); });
        TxChain* tx = m_tx.get();
        m_acm->set_format_sink([this, tx](const dualsat::FrameFormat& f) {
            // The same hitless message as POST /modcod, without waiting for it.
            tx->request_format(f);
            ++m_modcod_changes;
        });
        // The backends other than UHD scale by radio.tx_rms in their digital gain block
        // (radio.cc): one multiply instead of two.
        // DSSS: the spreader shapes the chips instead (never on uhd, so level 1).
        const double shaper_level = m_cfg.radio.backend == Backend::Uhd ? m_cfg.radio.tx_rms : 1.0;
        m_shaper = m_antijam && m_antijam->tx_spreader()
                       ? m_antijam->tx_spreader()
                       : make_pulse_shaper(m_cfg.modem.symbol_rate, m_cfg.modem_sample_rate(),
                                           dualsat::rolloff_value(m_cfg.modem.rolloff), shaper_level);
        m_tx->connect(m_tb, m_shaper);
        tx_out = m_shaper;
    }
    if (m_antijam && m_tx) {
        m_antijam->connect_tx(m_tb, m_shaper);
        tx_out = m_antijam->tx_block();
    }
    if (m_cfg.has_rx()) {
        m_rx = make_rx_chain(m_cfg);
        m_rx->connect(m_tb);
        m_console = std::make_unique<ConsoleTaps>(m_cfg.modem.symbol_rate, m_cfg.receiver_sample_rate(),
                                                  dualsat::rolloff_value(m_cfg.modem.rolloff));
        m_rx->attach_console(*m_console);
        m_rx->set_packet_sink([this](const uint8_t* data, size_t len) {
            if (!m_data)
                return;
            if (m_cfg.modem.stream == StreamInput::Gse)
                m_data->forward_ip(data, len);
            else
                for (size_t off = 0; off + dualsat::kTsPacketBytes <= len; off += dualsat::kTsPacketBytes)
                    if (!m_pattern || !m_pattern->check(data + off)) // test packets: counted here
                        m_data->forward_ts(data + off);
        });
        AcmLoop* acm = m_acm.get();
        m_rx->set_report_sink([acm](const uint8_t* r, size_t n) {
            acm->on_report_bytes(r, n, ReportSource::InBand); // never to the data plane
        });
        m_rx->set_frame_observer([acm](const dualsat::LinkObservation& o) { acm->on_frame(o); });
        RxChain* rxc = m_rx.get();
        m_acm->set_lock_probe([rxc]() { return rxc->status().lock; });
        rx_in = m_rx->input();
        if (m_antijam) {
            m_antijam->connect_rx(m_tb, rx_in);
            rx_in = m_antijam->rx_block();
        }
    }
    m_radio->connect(m_tb, tx_out, rx_in);
    if (m_antijam && m_rx)
        m_antijam->connect_commands(m_tb, m_radio->rx_command_block());
    if (m_tx) {
        for (auto& b : m_tx->blocks())
            m_path.push_back(b);
        for (auto& b : pulse_shaper_blocks(m_shaper))
            m_path.push_back(b);
        if (m_antijam)
            for (auto& b : m_antijam->tx_blocks())
                m_path.push_back(b);
        auto radio_tx = m_radio->tx_blocks();
        if (!radio_tx.empty())
            m_tx_edge = radio_tx.front().block;
        for (auto& b : radio_tx)
            m_path.push_back(b);
    }
    if (m_rx) {
        for (auto& b : m_radio->rx_blocks())
            m_path.push_back(b);
        if (m_antijam)
            for (auto& b : m_antijam->rx_blocks())
                m_path.push_back(b);
        for (auto& b : m_rx->blocks())
            m_path.push_back(b);
        m_rx_edge = m_antijam ? m_antijam->rx_block() : m_rx->input();
    }
    m_start = m_rate_time = m_rt_since = std::chrono::steady_clock::now();
    // A stall is 2 s without progress, or three of the longest PLFRAMEs (normal QPSK with
    // pilots: 33 282 symbols, EN 302 307-1 §5.5) at low symbol rates, since the TX side
    // counts symbols a whole frame at a time.
    const double stall_s = std::max(2.0, 3 * 33282.0 / m_cfg.modem.symbol_rate);
    if (m_rx)
        m_rx_watch = std::make_unique<StreamWatch>(stall_s);
    if (m_input)
        m_tx_watch = std::make_unique<StreamWatch>(stall_s);
}

Modem::~Modem()
{
    if (m_running)
        shutdown();
}

void Modem::start()
{
    m_start = m_rate_time = std::chrono::steady_clock::now();
    m_tb->start();
    m_probe = std::make_unique<ChainProbe>(m_path, m_rx_edge, m_tx_edge, m_judge.window_s());
    m_rt_since = std::chrono::steady_clock::now();
    m_running = true;
    m_acm->start();
    m_channel_esn0 = m_cfg.channel.esn0_db;
    if (!m_cfg.channel.trace.empty() && m_radio->has_channel()) {
        m_trace_active = true;
        m_trace_thread = std::thread([this] { trace_loop(); });
    }
    m_log.info("running: {} {}, {} {} {}, {:.6g} sym/s, sample rate {:.6g} Hz, backend {} ({})",
               m_cfg.modem.profile, to_string(m_cfg.modem.stream),
               dualsat::to_string(m_cfg.modem.format.modcod),
               dualsat::to_string(m_cfg.modem.format.frame),
               m_cfg.modem.format.pilots ? "pilots" : "no pilots", m_cfg.modem.symbol_rate,
               m_cfg.radio.sample_rate, to_string(m_cfg.radio.backend),
               to_string(m_cfg.radio.direction));
    m_log.info("tx chain: {}; rx chain: {}", m_tx ? m_tx->name() : "none",
               m_rx ? m_rx->name() : "none");
}

bool Modem::finished() const
{
    if (!m_rx)
        return false;
    // The radio's samples: with digital hopping or DSSS the receiver's input runs at
    // another rate than the radio's (the modem's, 2 samples per symbol).
    uint64_t radio_samples = m_rx->status().samples;
    if (m_antijam)
        if (const gr::block_sptr edge = gr::cast_to_block_sptr(m_rx_edge))
            radio_samples = edge->nitems_read(0);
    return m_radio->exhausted(radio_samples);
}

void Modem::shutdown()
{
    // Serialised with control actions: no MODCOD change (lock/unlock) during stop/wait.
    std::lock_guard<std::mutex> control(m_control_mutex);
    if (!m_running.exchange(false))
        return;
    // Give queued packets a chance to go out while the flowgraph still runs.
    if (m_input && !finished()) {
        const auto deadline = std::chrono::steady_clock::now() +
                              std::chrono::duration<double>(m_cfg.data.drain_timeout);
        while (!m_input->idle() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    m_trace_active = false;
    if (m_trace_thread.joinable())
        m_trace_thread.join();
    m_acm->stop(); // no report or format change into a stopping flowgraph
    uint64_t dropped = m_input ? m_input->drop_queued() : 0;
    m_tb->stop();
    m_tb->wait();
    if (m_data)
        m_data->flush_ts();
    try {
        m_radio->finish();
    } catch (const std::exception& e) {
        m_log.error("radio: {}", e.what());
    }
    if (dropped)
        m_log.warn("{} queued packets were not confirmed sent before shutdown: counted as dropped",
                   dropped);
}

double Modem::uptime() const
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
}

void Modem::tick()
{
    const auto now = std::chrono::steady_clock::now();
    const uint64_t tx_bytes = m_input ? m_input->stats().data_field_bytes : 0;
    const uint64_t rx_bytes = m_data ? m_data->stats().payload_bytes_out : 0;
    std::lock_guard<std::mutex> lock(m_rate_mutex);
    const double dt = std::chrono::duration<double>(now - m_rate_time).count();
    if (dt < 0.5)
        return;
    m_tx_rate_bps = static_cast<double>(tx_bytes - m_rate_tx_bytes) * 8.0 / dt;
    m_rx_goodput_bps = static_cast<double>(rx_bytes - m_rate_rx_bytes) * 8.0 / dt;
    m_rate_tx_bytes = tx_bytes;
    m_rate_rx_bytes = rx_bytes;
    m_rate_time = now;
    if (!m_running)
        return;
    auto watch = [&](StreamWatch* w, uint64_t counter, const char* what) {
        if (!w)
            return;
        switch (w->update(counter, now)) {
        case StreamWatch::Event::Stalled:
            m_log.warn("radio: no {} for {:.1f} s (backend {}: peer or device gone?); "
                       "reported in /status and dualsat_radio_stalled until it moves again",
                       what, w->stall_seconds(), m_radio->name());
            break;
        case StreamWatch::Event::Resumed:
            m_log.info("radio: {} flowing again", what);
            break;
        case StreamWatch::Event::None:
            break;
        }
    };
    const uint64_t rx_samples = m_rx ? m_rx->status().samples : 0;
    watch(m_rx_watch.get(), rx_samples, "RX samples");
    watch(m_tx_watch.get(), m_input ? m_input->stats().symbols : 0, "TX samples taken");
    update_realtime(now, rx_samples);
}

void Modem::sample()
{
    if (m_running && m_probe)
        m_probe->sample();
}

// Under m_rate_mutex (from tick()).
void Modem::update_realtime(std::chrono::steady_clock::time_point now, uint64_t rx_samples)
{
    if (!m_probe)
        return;
    m_probe->update_cpu(now);
    const RadioStreamCounts counts = m_radio->stream_counts();
    std::optional<RtDirectionSample> rx, tx;
    if (m_rx) {
        RtDirectionSample d;
        d.items = rx_samples;
        // Counted at the receiver's input: with digital hopping, after the dehopper; with
        // DSSS, the despread symbols re-shaped at 2 samples per symbol.
        d.nominal_rate = m_cfg.receiver_sample_rate();
        d.pacing = m_radio->rx_pacing();
        d.edge_fill = m_probe->rx_edge_fill();
        d.losses = counts.rx ? counts.rx->overflows() : 0;
        d.stalled = m_rx_watch && m_rx_watch->stalled();
        rx = d;
    }
    if (m_tx && m_tx_edge) {
        RtDirectionSample d;
        d.items = m_probe->tx_samples();
        d.nominal_rate = m_cfg.radio.sample_rate;
        d.pacing = m_radio->tx_pacing();
        d.edge_fill = m_probe->tx_edge_fill();
        d.losses = counts.tx ? counts.tx->underflows : 0;
        d.stalled = m_tx_watch && m_tx_watch->stalled();
        tx = d;
    }
    const RtState before = m_verdict.state;
    m_verdict = m_judge.update(now, rx, tx, m_probe->busiest());
    const bool bad = m_verdict.state == RtState::Behind || m_verdict.state == RtState::Overflowing;
    const bool was_bad = before == RtState::Behind || before == RtState::Overflowing;
    if (bad != was_bad || (m_verdict.state != before && (before == RtState::Starting)))
        m_rt_since = now;
    if (bad) {
        if (!was_bad)
            ++m_rt_episodes;
        if (m_rt_warn.warn(now))
            m_log.warn("real time: {}: {} (shown in /status realtime; this warning at most every 30 s)",
                       to_string(m_verdict.state), m_verdict.reason);
    } else if (was_bad && m_verdict.state == RtState::Ok && m_rt_warn.recovered()) {
        m_log.info("real time: keeping up again: {}", m_verdict.reason);
    }
}

std::string Modem::fatal_fault()
{
    std::lock_guard<std::mutex> lock(m_rate_mutex);
    if (!m_fault.empty())
        return m_fault;
    std::string f = m_radio->fault();
    if (f.empty() && m_radio->stall_is_fatal()) {
        if (m_rx_watch && m_rx_watch->stalled())
            f = "the RX stream stopped (no samples for " +
                std::to_string(static_cast<int>(m_rx_watch->stall_seconds())) + " s)";
        else if (m_tx_watch && m_tx_watch->stalled())
            f = "the TX stream stopped (no samples taken for " +
                std::to_string(static_cast<int>(m_tx_watch->stall_seconds())) + " s)";
    }
    if (!f.empty()) {
        m_fault = f;
        m_log.error("radio fault: {}", f);
    }
    return f;
}

ControlResult Modem::apply_format(const dualsat::FrameFormat& f)
{
    if (!m_tx)
        return ControlResult::fail(409, "this daemon has no transmitter (radio.direction is rx)");
    const auto before = m_tx->format();
    if (before == f)
        return ControlResult::ok({ { "modcod", dualsat::to_string(f.modcod) },
                                   { "frame", dualsat::to_string(f.frame) },
                                   { "pilots", f.pilots },
                                   { "changed", false } });
    // A message to the transmitter; it takes the new format at its next PLFRAME. Wait
    // until it has (milliseconds), so the answer and /status agree.
    m_tx->request_format(f);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (m_tx->format() != f && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (m_tx->format() != f) {
        m_log.error("MODCOD change to {}: the transmitter did not take it within 2 s",
                    dualsat::to_string(f));
        return ControlResult::fail(504, "the transmitter did not take the new format within 2 s "
                                        "(is the flowgraph running?)");
    }
    ++m_modcod_changes;
    m_log.info("MODCOD {} -> {} (from the next PLFRAME)", dualsat::to_string(before),
               dualsat::to_string(f));
    return ControlResult::ok({ { "modcod", dualsat::to_string(f.modcod) },
                               { "modcod_number", dualsat::modcod_number(f.modcod) },
                               { "frame", dualsat::to_string(f.frame) },
                               { "pilots", f.pilots },
                               { "previous", dualsat::to_string(before) },
                               { "hitless", m_tx->hitless_modcod() },
                               { "changed", true } });
}

ControlResult Modem::set_modcod(const std::string& modcod,
                                const std::optional<std::string>& frame,
                                const std::optional<bool>& pilots)
{
    std::lock_guard<std::mutex> lock(m_control_mutex);
    if (!m_running)
        return ControlResult::fail(503, "the modem is not running");
    if (!m_tx)
        return ControlResult::fail(409, "this daemon has no transmitter (radio.direction is rx)");
    if (m_cfg.acm.mode != "fixed")
        return ControlResult::fail(409, "acm.mode is not fixed: the ACM policy owns the MODCOD");
    if (m_cfg.protect.enabled && m_cfg.protect.fixed_modcod)
        return ControlResult::fail(409, "transec.fixed_modcod: the protected carrier never changes "
                                        "its MODCOD (it would show the link state)");
    dualsat::FrameFormat f = m_tx->format();
    try {
        f.modcod = dualsat::parse_modcod(modcod);
        if (frame)
            f.frame = dualsat::parse_frame_size(*frame);
    } catch (const dualsat::Error& e) {
        return ControlResult::fail(400, e.what());
    }
    if (pilots)
        f.pilots = *pilots;
    if (!dualsat::code_exists(f.frame, f.modcod.rate))
        return ControlResult::fail(400, dualsat::to_string(f.modcod) + " does not exist with " +
                                            dualsat::to_string(f.frame) + " frames");
    return apply_format(f);
}

ControlResult Modem::set_gain(double gain_db, const std::string& direction)
{
    std::lock_guard<std::mutex> lock(m_control_mutex);
    auto r = m_radio->set_gain(gain_db, direction == "rx" ? Direction::Rx : Direction::Tx);
    if (r.status == 200)
        m_log.info("{} gain -> {} dB", direction, gain_db);
    return r;
}

ControlResult Modem::set_frequency(double freq_hz, const std::string& direction)
{
    std::lock_guard<std::mutex> lock(m_control_mutex);
    auto r = m_radio->set_frequency(freq_hz, direction == "rx" ? Direction::Rx : Direction::Tx);
    if (r.status == 200)
        m_log.info("{} frequency -> {} Hz", direction, freq_hz);
    return r;
}

ControlResult Modem::acm_report(const std::string& body)
{
    return m_acm->on_report_bytes(reinterpret_cast<const uint8_t*>(body.data()), body.size(),
                                  ReportSource::Http);
}

ControlResult Modem::set_acm(const nlohmann::json& settings)
{
    std::lock_guard<std::mutex> lock(m_control_mutex);
    if (!m_running)
        return ControlResult::fail(503, "the modem is not running");
    return m_acm->set_settings(settings);
}

ControlResult Modem::set_channel(double esn0_db)
{
    std::lock_guard<std::mutex> lock(m_control_mutex);
    const bool tracing = m_trace_active.exchange(false); // a manual setting ends the trace
    auto r = m_radio->set_channel_esn0(esn0_db);
    if (r.status == 200) {
        m_channel_esn0 = esn0_db;
        if (tracing)
            r.body["trace_stopped"] = true;
        m_log.info("channel Es/N0 -> {} dB (POST /channel){}", esn0_db, tracing ? "; trace stopped" : "");
    } else if (tracing) {
        m_trace_active = true;
    }
    return r;
}

// Follows channel.esn0_trace: linear between points, every 50 ms.
void Modem::trace_loop()
{
    const auto& tr = m_cfg.channel.trace;
    const double span = tr.back().first;
    const auto t0 = std::chrono::steady_clock::now();
    while (m_trace_active) {
        double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (m_cfg.channel.trace_loop && span > 0)
            t = std::fmod(t, span);
        double e = tr.back().second;
        if (t <= tr.front().first) {
            e = tr.front().second;
        } else {
            for (size_t i = 1; i < tr.size(); ++i)
                if (t <= tr[i].first) {
                    const double w = (t - tr[i - 1].first) / (tr[i].first - tr[i - 1].first);
                    e = tr[i - 1].second + w * (tr[i].second - tr[i - 1].second);
                    break;
                }
        }
        if (m_radio->set_channel_esn0(e).status == 200)
            m_channel_esn0 = e;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

json Modem::recent_symbols(size_t n)
{
    return m_console ? m_console->recent_symbols(n) : json(nullptr);
}

json Modem::spectrum()
{
    return m_console ? m_console->spectrum() : json(nullptr);
}

std::vector<std::string> Modem::reload(const Config& fresh)
{
    std::vector<std::string> notes;
    if (fresh.logging.level != m_cfg.logging.level) {
        gr::logging::singleton().set_default_level(spdlog::level::from_str(fresh.logging.level));
        m_log.set_level(fresh.logging.level);
        notes.push_back("logging.level -> " + fresh.logging.level);
        m_cfg.logging = fresh.logging;
    }
    // Only what changed in the file since it was last applied: a MODCOD set through the
    // API stays until the file's modem.modcod/frame/pilots change.
    for (const auto& note : m_acm->reconfigure(fresh.acm))
        notes.push_back(note);
    if (m_cfg.acm.enabled() && fresh.modem.format != m_cfg.modem.format) {
        notes.push_back("modem.modcod/frame/pilots not applied: in acm mode the controller owns the format");
        m_cfg.modem.format = fresh.modem.format;
    }
    if (m_cfg.protect.enabled && m_cfg.protect.fixed_modcod && fresh.modem.format != m_cfg.modem.format) {
        notes.push_back("modem.modcod/frame/pilots not applied: transec.fixed_modcod (needs a restart)");
        m_cfg.modem.format = fresh.modem.format;
    }
    if (m_tx && fresh.modem.format != m_cfg.modem.format) {
        std::lock_guard<std::mutex> lock(m_control_mutex);
        auto r = apply_format(fresh.modem.format);
        notes.push_back(r.status == 200 ? "modem format -> " + dualsat::to_string(fresh.modem.format)
                                        : "modem format change failed: " + r.error);
        if (r.status == 200)
            m_cfg.modem.format = fresh.modem.format;
    }
    if (m_cfg.radio.backend == Backend::Uhd && fresh.radio.backend == Backend::Uhd) {
        if (m_cfg.has_tx() && fresh.radio.uhd.tx.gain != m_cfg.radio.uhd.tx.gain) {
            auto r = set_gain(fresh.radio.uhd.tx.gain, "tx");
            notes.push_back(r.status == 200 ? "radio.uhd.tx.gain applied" : "tx gain: " + r.error);
        }
        if (m_cfg.has_rx() && fresh.radio.uhd.rx.gain != m_cfg.radio.uhd.rx.gain) {
            auto r = set_gain(fresh.radio.uhd.rx.gain, "rx");
            notes.push_back(r.status == 200 ? "radio.uhd.rx.gain applied" : "rx gain: " + r.error);
        }
        m_cfg.radio.uhd.tx.gain = fresh.radio.uhd.tx.gain;
        m_cfg.radio.uhd.rx.gain = fresh.radio.uhd.rx.gain;
    }
    // The key file is read again on every SIGHUP: a new key takes effect now (an unchanged
    // one changes nothing); the other protect settings need a restart.
    if (m_cfg.protect.enabled && fresh.protect.enabled && fresh.protect.key_file == m_cfg.protect.key_file) {
        auto r = reload_keys();
        if (r.status != 200)
            notes.push_back("keys: " + r.error);
        else if (r.body.value("changed", false))
            notes.push_back("keys: reloaded, key id " + r.body.value("key_id", std::string()));
    }
    // Everything else is wired into the flowgraph or sockets: say so instead of pretending.
    std::vector<std::string> restart;
    const auto& a = m_cfg;
    const auto& b = fresh;
    {
        const ProtectConfig& pa = a.protect;
        const ProtectConfig& pb = b.protect;
        if (pa.enabled != pb.enabled || pa.key_file != pb.key_file || pa.link_id != pb.link_id ||
            pa.hub != pb.hub || pa.utc_epochs != pb.utc_epochs || pa.slot_seconds != pb.slot_seconds ||
            pa.overlap_seconds != pb.overlap_seconds || pa.initial_epoch != pb.initial_epoch ||
            pa.comsec != pb.comsec || pa.nonce_state_file != pb.nonce_state_file ||
            pa.replay_window != pb.replay_window || pa.transec != pb.transec ||
            pa.pl_period != pb.pl_period || pa.fixed_modcod != pb.fixed_modcod ||
            pa.pl_time_base != pb.pl_time_base || pa.pl_path_delay_s != pb.pl_path_delay_s ||
            pa.pl_search_window != pb.pl_search_window)
            restart.push_back("keys/comsec/transec (the key file itself is reloaded)");
    }
    if (a.modem.profile != b.modem.profile || a.modem.chain != b.modem.chain ||
        a.modem.stream != b.modem.stream || a.modem.rolloff != b.modem.rolloff ||
        a.modem.symbol_rate != b.modem.symbol_rate || a.modem.gold_code != b.modem.gold_code ||
        a.modem.rx_fec_threads != b.modem.rx_fec_threads || a.modem.batch_scheduling != b.modem.batch_scheduling)
        restart.push_back("modem (profile/chain/stream/rolloff/symbol_rate/gold_code/rx_fec_threads/scheduling)");
    if (a.radio.backend != b.radio.backend || a.radio.direction != b.radio.direction ||
        a.radio.sample_rate != b.radio.sample_rate || a.radio.tx_rms != b.radio.tx_rms ||
        a.radio.uhd.args != b.radio.uhd.args || a.radio.uhd.tx.freq != b.radio.uhd.tx.freq ||
        a.radio.uhd.rx.freq != b.radio.uhd.rx.freq || a.radio.file.tx_path != b.radio.file.tx_path ||
        a.radio.file.rx_path != b.radio.file.rx_path || a.radio.zmq.tx_address != b.radio.zmq.tx_address ||
        a.radio.zmq.rx_address != b.radio.zmq.rx_address)
        restart.push_back("radio (use POST /frequency to retune)");
    if (a.channel.esn0_db != b.channel.esn0_db || a.channel.cfo_hz != b.channel.cfo_hz ||
        a.channel.enabled != b.channel.enabled || a.channel.timing_offset != b.channel.timing_offset ||
        a.channel.trace != b.channel.trace || a.channel.trace_loop != b.channel.trace_loop)
        restart.push_back("channel");
    const auto& ja = a.channel.jammer;
    const auto& jb = b.channel.jammer;
    if (ja.present != jb.present || ja.kind != jb.kind || ja.js_db != jb.js_db || ja.band_low_hz != jb.band_low_hz ||
        ja.band_fraction != jb.band_fraction || ja.cw_offset_hz != jb.cw_offset_hz || ja.duty != jb.duty ||
        ja.period_s != jb.period_s || ja.sweep_low_hz != jb.sweep_low_hz || ja.sweep_high_hz != jb.sweep_high_hz ||
        ja.seed != jb.seed)
        restart.push_back("channel.jammer");
    const auto& ha = a.antijam;
    const auto& hb = b.antijam;
    if (ha.hopping != hb.hopping || ha.mode != hb.mode || ha.channels != hb.channels ||
        ha.channel_spacing_hz != hb.channel_spacing_hz || ha.interpolation != hb.interpolation ||
        ha.slot_samples != hb.slot_samples || ha.guard_samples != hb.guard_samples ||
        ha.erase_jammed != hb.erase_jammed || ha.threshold_db != hb.threshold_db ||
        ha.filter_semi_length != hb.filter_semi_length || ha.time_source != hb.time_source ||
        ha.dsss != hb.dsss || ha.sf != hb.sf || ha.samples_per_chip != hb.samples_per_chip ||
        ha.span_chips != hb.span_chips || ha.code_window_chips != hb.code_window_chips ||
        ha.max_cfo_hz != hb.max_cfo_hz || ha.acquisition_symbols != hb.acquisition_symbols ||
        ha.false_alarm_probability != hb.false_alarm_probability || ha.codeword_interleaving != hb.codeword_interleaving)
        restart.push_back("antijam");
    auto ep = [](const std::optional<Endpoint>& e) { return e ? e->text() : std::string(); };
    if (ep(a.data.ip_listen) != ep(b.data.ip_listen) || ep(a.data.ip_forward) != ep(b.data.ip_forward) ||
        ep(a.data.ts_listen) != ep(b.data.ts_listen) || ep(a.data.ts_forward) != ep(b.data.ts_forward) ||
        a.data.tun != b.data.tun || a.data.ethertype != b.data.ethertype)
        restart.push_back("data");
    if (a.control.bind != b.control.bind || a.control.port != b.control.port ||
        a.control.enabled != b.control.enabled || a.control.token != b.control.token ||
        a.control.read_token != b.control.read_token)
        restart.push_back("control");
    for (const auto& r : restart)
        notes.push_back("changed, needs a restart to take effect: " + r);
    if (notes.empty())
        notes.push_back("nothing changed");
    return notes;
}

ControlResult Modem::reload_keys()
{
    if (!m_cfg.protect.enabled)
        return ControlResult::fail(409, "modem.profile is civil: there are no keys");
    std::lock_guard<std::mutex> lock(m_control_mutex);
    bool changed = false;
    try {
        // One read for both directions (the same checks as at start), so that the
        // transmitter and receiver hold the same key even if the file changes meanwhile.
        dualsat::KeyMaterial material;
        try {
            material = dualsat::load_key_file(m_cfg.protect.key_file);
        } catch (const dualsat::ConfigError& e) {
            throw dualsat::ConfigError(std::string("key file refused, the key in use stays: ") + e.what());
        }
        if (m_tx)
            changed = m_tx->reload_keys(material) || changed;
        if (m_rx)
            changed = m_rx->reload_keys(material) || changed;
    } catch (const dualsat::Error& e) {
        m_log.error("key reload refused, the key in use stays: {}", e.what());
        return ControlResult::fail(409, e.what());
    }
    std::string key_id;
    if (auto p = m_tx ? m_tx->protection() : m_rx->protection())
        key_id = p->key_id;
    if (changed)
        m_log.warn("keys reloaded from {}: key id {} (the far end must reload too; its "
                   "frames are dropped as unknown_key until it does)",
                   m_cfg.protect.key_file, key_id);
    else
        m_log.info("keys: {} holds the key in use, nothing changed", m_cfg.protect.key_file);
    return ControlResult::ok({ { "changed", changed }, { "key_id", key_id } });
}

ControlResult Modem::set_epoch(int64_t epoch)
{
    if (!m_cfg.protect.enabled)
        return ControlResult::fail(409, "modem.profile is civil: there are no epochs");
    if (m_cfg.protect.utc_epochs)
        return ControlResult::fail(409, "keys.epochs is utc: epochs follow the clock, they cannot be commanded");
    std::lock_guard<std::mutex> lock(m_control_mutex);
    try {
        if (m_tx)
            m_tx->set_epoch(epoch);
        if (m_rx)
            m_rx->set_epoch(epoch);
    } catch (const dualsat::Error& e) {
        return ControlResult::fail(400, e.what());
    }
    m_log.info("epoch -> {} (by command)", epoch);
    return ControlResult::ok({ { "epoch", epoch } });
}

json Modem::status()
{
    json j;
    j["version"] = "0.1.0";
    j["state"] = !m_running ? "stopped" : finished() ? "finished" : "running";
    j["uptime_s"] = uptime();
    j["profile"] = m_cfg.modem.profile;
    j["stream"] = to_string(m_cfg.modem.stream);
    j["acm_mode"] = m_cfg.acm.mode;
    j["symbol_rate"] = m_cfg.modem.symbol_rate;
    if (m_cfg.protect.enabled)
        j["protect"] = protect_status();
    if (m_antijam)
        j["antijam"] = m_antijam->status();

    RxStatus rx;
    if (m_rx)
        rx = m_rx->status();
    TxInputStats ts;
    if (m_input)
        ts = m_input->stats();
    double tx_rate, rx_goodput;
    {
        std::lock_guard<std::mutex> lock(m_rate_mutex);
        tx_rate = m_tx_rate_bps;
        rx_goodput = m_rx_goodput_bps;
    }
    DataPlaneStats ds;
    if (m_data)
        ds = m_data->stats();
    bool rx_stalled = false, tx_stalled = false;
    uint64_t rx_stalls = 0, tx_stalls = 0;
    std::string fault;
    {
        std::lock_guard<std::mutex> lock(m_rate_mutex);
        if (m_rx_watch) {
            rx_stalled = m_rx_watch->stalled();
            rx_stalls = m_rx_watch->stalls();
        }
        if (m_tx_watch) {
            tx_stalled = m_tx_watch->stalled();
            tx_stalls = m_tx_watch->stalls();
        }
        fault = m_fault;
    }
    // A receiver without input is not locked to anything, whatever it last decided.
    if (rx_stalled && rx.lock)
        rx.lock = false;
    json faults = json::array();
    if (rx_stalled)
        faults.push_back("rx_stalled");
    if (tx_stalled)
        faults.push_back("tx_stalled");
    if (!fault.empty())
        faults.push_back(fault);
    j["faults"] = faults;

    // Summary fields: the receiver's view where there is one.
    j["lock"] = rx.lock ? json(*rx.lock) : json(nullptr);
    if (m_tx)
        j["modcod"] = dualsat::to_string(m_tx->format().modcod);
    else
        j["modcod"] = rx.format ? json(dualsat::to_string(rx.format->modcod)) : json(nullptr);
    j["esn0_db"] = optional_json(rx.esn0_db);
    j["freq_offset_hz"] = optional_json(rx.freq_offset_hz);
    j["fer"] = optional_json(rx.fer);
    j["packets_in"] = ts.packets_in;
    j["packets_out"] = ds.packets_out;
    // Goodput: user bits the receiver delivers; a transmit-only modem reports what it
    // puts into data fields.
    j["throughput_bps"] = m_rx ? rx_goodput : tx_rate;

    if (m_tx) {
        const auto f = m_tx->format();
        const auto c = m_tx->counters();
        json by_modcod = json::object();
        for (const auto& [num, n] : ts.frames_by_modcod)
            by_modcod[num == 0 ? std::string("dummy") : dualsat::to_string(dualsat::modcod_from_number(num))] = n;
        json on_air = nullptr;
        if (ts.last_data_format)
            on_air = { { "modcod", dualsat::to_string(ts.last_data_format->modcod) },
                       { "frame", dualsat::to_string(ts.last_data_format->frame) },
                       { "pilots", ts.last_data_format->pilots } };
        j["tx"] = { { "chain", m_tx->name() },
                    { "hitless_modcod", m_tx->hitless_modcod() },
                    { "modcod", dualsat::to_string(f.modcod) },
                    { "modcod_number", dualsat::modcod_number(f.modcod) },
                    { "frame", dualsat::to_string(f.frame) },
                    { "pilots", f.pilots },
                    { "last_data_frame", on_air },
                    { "modcod_changes", m_modcod_changes.load() },
                    { "format_changes_on_air", c.format_changes },
                    { "frames", ts.frames },
                    { "frames_idle", ts.frames_dummy },
                    { "frames_padded", ts.frames_padded },
                    { "frames_by_modcod", by_modcod },
                    { "symbols", ts.symbols },
                    { "data_field_bytes", ts.data_field_bytes },
                    { "packets_in", ts.packets_in },
                    { "bytes_in", ts.bytes_in },
                    { "packets_sent", ts.packets_sent },
                    { "payload_bytes_sent", ts.payload_bytes_sent },
                    { "packets_dropped_queue_full", ts.packets_dropped_full },
                    { "packets_rejected", ts.packets_rejected },
                    { "packets_dropped_shutdown", ts.packets_dropped_shutdown },
                    { "packets_refused_by_transmitter", c.pdus_refused },
                    { "bad_messages", c.bad_messages },
                    { "work_errors", c.work_errors },
                    { "queued_packets", ts.queued_packets },
                    { "queued_bytes", ts.queued_bytes },
                    { "data_field_bps", tx_rate },
                    { "output_stalled", tx_stalled },
                    { "stalls", tx_stalls } };
    } else {
        j["tx"] = nullptr;
    }
    if (m_rx) {
        j["rx"] = { { "chain", m_rx->name() },
                    { "lock", rx.lock ? json(*rx.lock) : json(nullptr) },
                    { "modcod", rx.format ? json(dualsat::to_string(rx.format->modcod)) : json(nullptr) },
                    { "esn0_db", optional_json(rx.esn0_db) },
                    { "freq_offset_hz", optional_json(rx.freq_offset_hz) },
                    { "fer", optional_json(rx.fer) },
                    { "frame", rx.format ? json(dualsat::to_string(rx.format->frame)) : json(nullptr) },
                    { "pilots", rx.format ? json(rx.format->pilots) : json(nullptr) },
                    { "clock_offset_ppm", optional_json(rx.clock_offset_ppm) },
                    { "frames", rx.frames },
                    { "frames_ok", rx.frames_ok },
                    { "frames_bad", rx.frames_bad },
                    { "frames_idle", rx.dummy_frames },
                    { "frames_by_modcod", rx.frames_by_modcod },
                    { "acquisitions", rx.acquisitions },
                    { "lock_losses", rx.lock_losses },
                    { "ts_packets", rx.ts_packets },
                    { "gse_pdus", rx.gse_pdus },
                    { "crc_errors", rx.crc_errors },
                    { "work_errors", rx.work_errors },
                    { "packets_out", ds.packets_out },
                    { "payload_bytes_out", ds.payload_bytes_out },
                    { "goodput_bps", rx_goodput },
                    { "samples", rx.samples },
                    { "input_stalled", rx_stalled },
                    { "stalls", rx_stalls },
                    { "power_db", optional_json(rx.power_db) } };
    } else {
        j["rx"] = nullptr;
    }
    j["radio"] = m_radio->status();
    j["radio"]["direction"] = to_string(m_cfg.radio.direction);
    j["realtime"] = realtime_status(ts);
    j["data"] = m_data ? m_data->status() : json(nullptr);
    if (m_pattern) {
        const TestPatternCounters c = m_pattern->counters();
        j["test_pattern"] = {
            { "pid", TestPattern::kPid },
            { "tx_packets", c.tx_packets },
            { "rx_packets", c.rx_packets },
            { "rx_errored_packets", c.rx_errored },
            { "rx_bit_errors", c.rx_bit_errors },
            { "rx_bits", c.rx_bits },
            { "rx_ber", c.rx_bits > 0 ? json(static_cast<double>(c.rx_bit_errors) / static_cast<double>(c.rx_bits))
                                      : json(nullptr) },
            { "rx_lost_packets", c.rx_lost },
            { "rx_out_of_order", c.rx_out_of_order },
        };
    } else {
        j["test_pattern"] = nullptr;
    }
    j["acm"] = m_acm->status();
    if (m_input) {
        j["acm"]["tx_reports"] = { { "queued_to_send", ts.reports_in },
                                   { "sent", ts.reports_sent },
                                   { "in_flight", ts.reports_queued },
                                   { "dropped", ts.reports_dropped } };
        j["tx"]["held_packets"] = ts.held_packets;
    }
    if (m_rx) // GSE PDUs of the reports' EtherType, diverted from the data plane
        j["rx"]["acm_reports"] = j["acm"]["reports_in"]["inband"];
    j["channel"] = m_radio->has_channel()
                       ? json{ { "esn0_db", m_channel_esn0.load() }, { "trace", m_trace_active.load() } }
                       : json(nullptr);
    j["control"] = { { "requests", m_api ? m_api->requests() : 0 },
                     { "unauthorized", m_api ? m_api->unauthorized() : 0 } };
    return j;
}

json Modem::realtime_status(const TxInputStats& ts)
{
    RtVerdict v;
    double since;
    uint64_t episodes, suppressed;
    {
        std::lock_guard<std::mutex> lock(m_rate_mutex);
        v = m_verdict;
        since = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_rt_since).count();
        episodes = m_rt_episodes;
        suppressed = m_rt_warn.suppressed();
    }
    const RadioStreamCounts counts = m_radio->stream_counts();
    auto opt = [](const std::optional<double>& x) { return x ? json(*x) : json(nullptr); };
    auto direction = [&](const std::optional<RtDirectionResult>& r, Pacing pacing, const std::optional<double>& fill,
                         double nominal) {
        json d = { { "pacing", to_string(pacing) },
                   { "nominal_samples_per_s", nominal },
                   { "samples_per_s", r ? opt(r->items_per_s) : json(nullptr) },
                   { "ratio", r ? opt(r->ratio) : json(nullptr) },
                   { "limited_by", r && !r->limited_by.empty() ? json(r->limited_by) : json(nullptr) },
                   { "edge_fill", opt(fill) } };
        return d;
    };
    json j = { { "state", to_string(v.state) },
               { "reason", v.reason },
               { "since_s", since },
               { "window_s", m_judge.window_s() },
               { "behind_ratio", RealtimeJudge::kBehindRatio },
               { "episodes", episodes },
               { "warnings_suppressed", suppressed } };
    if (m_rx) {
        json d = direction(v.rx, m_radio->rx_pacing(), m_probe ? m_probe->rx_edge_fill() : std::nullopt,
                           m_cfg.receiver_sample_rate());
        d["samples"] = m_rx->status().samples;
        // Only a radio that reports overflows has these (uhd); elsewhere a shortfall is the ratio.
        d["overflows"] = counts.rx ? json(counts.rx->overflows()) : json(nullptr);
        d["overflow_gaps"] = counts.rx ? json(counts.rx->gaps) : json(nullptr);
        d["overflows_reported"] = counts.rx ? json(counts.rx->overflows_reported) : json(nullptr);
        d["samples_lost"] = counts.rx ? json(counts.rx->samples_lost) : json(nullptr);
        j["rx"] = d;
    } else {
        j["rx"] = nullptr;
    }
    if (m_tx) {
        json d = direction(v.tx, m_radio->tx_pacing(), m_probe ? m_probe->tx_edge_fill() : std::nullopt,
                           m_cfg.radio.sample_rate);
        d["samples"] = m_probe ? m_probe->tx_samples() : 0;
        d["underflows"] = counts.tx ? json(counts.tx->underflows) : json(nullptr);
        d["sequence_errors"] = counts.tx ? json(counts.tx->sequence_errors) : json(nullptr);
        d["time_errors"] = counts.tx ? json(counts.tx->time_errors) : json(nullptr);
        j["tx"] = d;
    } else {
        j["tx"] = nullptr;
    }
    json queues = { { "gnuradio", m_probe ? m_probe->queues_json() : json::array() } };
    if (m_input)
        queues["tx_input"] = { { "queued_bytes", ts.queued_bytes },
                               { "capacity_bytes", m_cfg.data.queue_bytes },
                               { "fill", m_cfg.data.queue_bytes
                                             ? static_cast<double>(ts.queued_bytes) / static_cast<double>(m_cfg.data.queue_bytes)
                                             : 0.0 },
                               { "queued_packets", ts.queued_packets },
                               { "held_packets", ts.held_packets } };
    j["queues"] = queues;
    j["cpu"] = m_probe ? m_probe->cpu_json() : json(nullptr);
    return j;
}

// Public names and counters only: the key id and its on-air tag name the key, never reveal it.
json Modem::protect_status() const
{
    const ProtectConfig& c = m_cfg.protect;
    json j = { { "comsec", c.comsec },
               { "transec", c.transec },
               { "link_id", c.link_id },
               { "role", c.hub ? "hub" : "terminal" },
               { "epochs", c.utc_epochs ? "utc" : "command" },
               { "pl_period", c.transec ? c.pl_period : 0 },
               { "pl_sequence", !c.transec ? "none" : c.pl_period == 0 ? "never_repeats" : "periodic" },
               { "pl_time_base", c.transec && c.pl_period == 0 ? dualsat::to_string(c.pl_time_base) : "" },
               { "fixed_modcod", c.fixed_modcod } };
    if (m_tx) {
        if (auto s = m_tx->protection()) {
            j["key_id"] = s->key_id;
            j["key_tag"] = s->key_tag;
            j["tx"] = { { "epoch", s->epoch },
                        { "frames_sealed", s->frames_sealed },
                        { "next_counter", s->next_counter },
                        { "nonce_reservations", s->nonce_reservations },
                        { "key_changes", s->key_changes },
                        { "key_reloads", s->key_reloads } };
        }
    }
    if (m_rx) {
        if (auto s = m_rx->protection()) {
            j["key_id"] = s->key_id;
            j["key_tag"] = s->key_tag;
            j["rx"] = { { "epoch", s->epoch },
                        { "frames_opened", s->opened },
                        { "frames_dropped",
                          { { "malformed", s->malformed },
                            { "unknown_key", s->unknown_key },
                            { "stale_epoch", s->stale_epoch },
                            { "replayed", s->replayed },
                            { "auth_failed", s->auth_failed } } },
                        { "key_reloads", s->key_reloads } };
        }
    }
    return j;
}

std::string Modem::metrics()
{
    json s = status();
    PrometheusText p;
    if (s.contains("protect") && s["protect"].is_object()) {
        const json& pr = s["protect"];
        p.add("dualsat_protect_info", "gauge", "Protected profile: key id and tag (public names, never key bytes)",
              1, { { "key_id", pr.value("key_id", std::string()) }, { "key_tag", pr.value("key_tag", std::string()) } });
        if (pr.contains("tx")) {
            const json& t = pr["tx"];
            p.add("dualsat_protect_tx_epoch", "gauge", "Key epoch of the frames being sealed", t["epoch"].get<double>());
            p.add("dualsat_protect_tx_frames_sealed_total", "counter", "BBFRAMEs sealed with AES-256-GCM",
                  t["frames_sealed"].get<double>());
            p.add("dualsat_protect_tx_nonce_reservations_total", "counter",
                  "Nonce counter blocks reserved durably (state file written and fsynced)",
                  t["nonce_reservations"].get<double>());
            p.add("dualsat_protect_key_reloads_total", "counter", "Key reloads that changed the key",
                  t["key_reloads"].get<double>(), { { "side", "tx" } });
        }
        if (pr.contains("rx")) {
            const json& r = pr["rx"];
            p.add("dualsat_protect_rx_epoch", "gauge", "Current key epoch of the receiver", r["epoch"].get<double>());
            p.add("dualsat_protect_rx_frames_opened_total", "counter", "Frames authenticated and decrypted",
                  r["frames_opened"].get<double>());
            for (auto it = r["frames_dropped"].begin(); it != r["frames_dropped"].end(); ++it)
                p.add("dualsat_protect_rx_frames_dropped_total", "counter",
                      "Frames refused by the opener, by cause (never delivered)", it.value().get<double>(),
                      { { "reason", it.key() } });
            p.add("dualsat_protect_key_reloads_total", "counter", "Key reloads that changed the key",
                  r["key_reloads"].get<double>(), { { "side", "rx" } });
        }
    }
    if (s.contains("antijam") && s["antijam"].is_object() && s["antijam"]["dsss"].is_object()) {
        const json& d = s["antijam"]["dsss"];
        p.add("dualsat_antijam_dsss_spreading_factor", "gauge", "DSSS chips per PL symbol", d["sf"].get<double>());
        p.add("dualsat_antijam_dsss_chip_rate_hz", "gauge", "DSSS chip rate", d["chip_rate_hz"].get<double>());
        if (d.contains("tx"))
            p.add("dualsat_antijam_dsss_tx_symbols_total", "counter", "PL symbols spread",
                  d["tx"]["symbols"].get<double>());
        if (d.contains("rx")) {
            const json& r = d["rx"];
            p.add("dualsat_antijam_dsss_locked", "gauge", "1 while the despreader tracks the code",
                  r["locked"].get<bool>() ? 1 : 0);
            p.add("dualsat_antijam_dsss_searches_total", "counter", "Acquisition searches run",
                  r["searches"].get<double>());
            p.add("dualsat_antijam_dsss_acquisitions_total", "counter", "Acquisition searches that detected the code",
                  r["acquisitions"].get<double>());
            p.add("dualsat_antijam_dsss_lock_losses_total", "counter", "Times the despreader lost the code",
                  r["lock_losses"].get<double>());
            p.add("dualsat_antijam_dsss_rx_symbols_total", "counter", "PL symbols despread",
                  r["symbols_out"].get<double>());
            if (r["first_lock"].is_object())
                p.add("dualsat_antijam_dsss_acquisition_seconds", "gauge",
                      "Stream time to the end of the first detecting search", r["first_lock"]["acquisition_s"].get<double>());
            if (!r["despread_esn0_db"].is_null())
                p.add("dualsat_antijam_dsss_despread_esn0_db", "gauge", "Es/N0 after despreading (while locked)",
                      r["despread_esn0_db"].get<double>());
        }
    }
    if (s.contains("antijam") && s["antijam"].is_object() && s["antijam"]["hopping"].get<bool>()) {
        const json& a = s["antijam"];
        p.add("dualsat_antijam_info", "gauge", "Keyed frequency hopping: mode, channels, epoch", 1,
              { { "mode", a["mode"].get<std::string>() },
                { "channels", std::to_string(a["channels"].get<int>()) },
                { "epoch", std::to_string(a["epoch"].get<int64_t>()) } });
        p.add("dualsat_antijam_dwell_seconds", "gauge", "Hop dwell (slot) length, guard included",
              a["dwell_s"].get<double>());
        if (a.contains("tx"))
            p.add("dualsat_antijam_tx_slots_total", "counter", "Hop slots the transmitter started",
                  a["tx"]["slots"].get<double>());
        for (const char* side : { "tx", "rx" })
            if (a.contains(side) && a[side].contains("tune_commands"))
                p.add("dualsat_antijam_tune_commands_total", "counter",
                      "Timed UHD tune commands issued (analog hopping)",
                      a[side]["tune_commands"]["issued"].get<double>(), { { "side", side } });
        if (a.contains("rx")) {
            const json& r = a["rx"];
            p.add("dualsat_antijam_rx_dwells_total", "counter", "Dwells the receiver judged",
                  r["dwells"].get<double>());
            p.add("dualsat_antijam_rx_jammed_dwells_total", "counter", "Dwells judged jammed",
                  r["jammed_dwells"].get<double>());
            p.add("dualsat_antijam_rx_erased_samples_total", "counter",
                  "Samples of jammed dwells erased (set to zero) before the receiver",
                  r["erased_samples"].get<double>());
            const json& jc = r["jammed_by_channel"];
            const json& dc = r["dwells_by_channel"];
            for (size_t ch = 0; ch < jc.size(); ++ch)
                p.add("dualsat_antijam_rx_channel_jammed_dwells_total", "counter",
                      "Dwells judged jammed, by hop channel", jc[ch].get<double>(),
                      { { "channel", std::to_string(ch) } });
            for (size_t ch = 0; ch < dc.size(); ++ch)
                p.add("dualsat_antijam_rx_channel_dwells_total", "counter", "Dwells judged, by hop channel",
                      dc[ch].get<double>(), { { "channel", std::to_string(ch) } });
        }
    }
    p.add("dualsat_up", "gauge", "1 while the modem flowgraph runs", s["state"] == "running" ? 1 : 0);
    p.add("dualsat_uptime_seconds", "gauge", "Seconds since the modem started", s["uptime_s"].get<double>());
    if (s["tx"].is_object()) {
        const json& t = s["tx"];
        p.add("dualsat_tx_modcod", "gauge", "MODCOD number (EN 302 307-1 Table 12) of the frames being sent",
              t["modcod_number"].get<double>());
        p.add("dualsat_tx_modcod_changes_total", "counter", "MODCOD changes", t["modcod_changes"].get<double>());
        json by = t["frames_by_modcod"];
        if (!by.contains(t["modcod"].get<std::string>()))
            by[t["modcod"].get<std::string>()] = 0; // the family exists from the start
        for (auto it = by.begin(); it != by.end(); ++it)
            p.add("dualsat_tx_frames_total", "counter", "PLFRAMEs sent, by MODCOD (dummy: idle frames)",
                  it.value().get<double>(), { { "modcod", it.key() } });
        p.add("dualsat_tx_idle_frames_total", "counter", "Dummy PLFRAMEs sent (nothing queued)",
              t["frames_idle"].get<double>());
        p.add("dualsat_tx_padded_frames_total", "counter", "Data frames with a short data field",
              t["frames_padded"].get<double>());
        p.add("dualsat_tx_symbols_total", "counter", "PLFRAME symbols produced", t["symbols"].get<double>());
        p.add("dualsat_tx_packets_in_total", "counter", "Packets accepted for transmission", t["packets_in"].get<double>());
        p.add("dualsat_tx_packets_sent_total", "counter", "Packets confirmed placed in BBFRAMEs",
              t["packets_sent"].get<double>());
        p.add("dualsat_tx_payload_bytes_total", "counter", "User bytes placed in BBFRAMEs",
              t["payload_bytes_sent"].get<double>());
        p.add("dualsat_tx_packets_dropped_total", "counter", "Packets not sent, by reason",
              t["packets_dropped_queue_full"].get<double>(), { { "reason", "queue_full" } });
        p.add("dualsat_tx_packets_dropped_total", "counter", "Packets not sent, by reason",
              t["packets_rejected"].get<double>(), { { "reason", "malformed" } });
        p.add("dualsat_tx_packets_dropped_total", "counter", "Packets not sent, by reason",
              t["packets_dropped_shutdown"].get<double>(), { { "reason", "shutdown" } });
        p.add("dualsat_tx_queue_bytes", "gauge", "Bytes waiting for the transmitter", t["queued_bytes"].get<double>());
        p.add("dualsat_tx_data_field_bits_per_second", "gauge",
              "Bits per second placed in BBFRAME data fields (user data and its encapsulation)",
              t["data_field_bps"].get<double>());
        p.add("dualsat_tx_data_field_bytes_total", "counter", "Bytes placed in BBFRAME data fields",
              t["data_field_bytes"].get<double>());
    }
    if (s["rx"].is_object()) {
        const json& r = s["rx"];
        p.add("dualsat_rx_samples_total", "counter", "Samples into the receiver", r["samples"].get<double>());
        if (!r["power_db"].is_null())
            p.add("dualsat_rx_power_db", "gauge", "Mean receiver input power, dB full scale",
                  r["power_db"].get<double>());
        p.add("dualsat_rx_frames_total", "counter", "Data frames received, by result", r["frames_ok"].get<double>(),
              { { "result", "ok" } });
        p.add("dualsat_rx_frames_total", "counter", "Data frames received, by result", r["frames_bad"].get<double>(),
              { { "result", "bad" } });
        for (auto it = r["frames_by_modcod"].begin(); it != r["frames_by_modcod"].end(); ++it)
            p.add("dualsat_rx_modcod_frames_total", "counter", "Data frames received, by MODCOD",
                  it.value().get<double>(), { { "modcod", it.key() } });
        p.add("dualsat_rx_idle_frames_total", "counter", "Dummy PLFRAMEs received", r["frames_idle"].get<double>());
        p.add("dualsat_rx_acquisitions_total", "counter", "Times the receiver acquired lock",
              r["acquisitions"].get<double>());
        p.add("dualsat_rx_lock_losses_total", "counter", "Times the receiver lost lock", r["lock_losses"].get<double>());
        p.add("dualsat_rx_packets_total", "counter", "Packets out of the deframer, by kind",
              r["gse_pdus"].get<double>(), { { "kind", "gse_pdu" } });
        p.add("dualsat_rx_packets_total", "counter", "Packets out of the deframer, by kind",
              r["ts_packets"].get<double>(), { { "kind", "ts" } });
        p.add("dualsat_rx_crc_errors_total", "counter", "TS CRC-8 / GSE CRC-32 errors", r["crc_errors"].get<double>());
        p.add("dualsat_rx_goodput_bits_per_second", "gauge", "User bits per second delivered by the receiver",
              r["goodput_bps"].get<double>());
        // Only what the receiver knows: absent rather than a made-up number.
        if (!r["lock"].is_null())
            p.add("dualsat_rx_lock", "gauge", "1 when the receiver is locked", r["lock"].get<bool>() ? 1 : 0);
        if (!r["esn0_db"].is_null())
            p.add("dualsat_rx_esn0_db", "gauge", "Estimated Es/N0 in dB", r["esn0_db"].get<double>());
        if (!r["freq_offset_hz"].is_null())
            p.add("dualsat_rx_freq_offset_hz", "gauge", "Estimated carrier offset", r["freq_offset_hz"].get<double>());
        if (!r["fer"].is_null())
            p.add("dualsat_rx_fer", "gauge", "Frame error rate (recent window)", r["fer"].get<double>());
        if (!r["modcod"].is_null())
            p.add("dualsat_rx_modcod", "gauge", "MODCOD number (EN 302 307-1 Table 12) of the last data frame",
                  dualsat::modcod_number(dualsat::parse_modcod(r["modcod"].get<std::string>())));
    }
    if (s["data"].is_object()) {
        const json& d = s["data"];
        p.add("dualsat_data_datagrams_in_total", "counter", "UDP datagrams received", d["datagrams_in"].get<double>());
        p.add("dualsat_data_packets_out_total", "counter", "Packets forwarded from the receiver",
              d["packets_out"].get<double>());
        p.add("dualsat_data_send_errors_total", "counter", "Forwarding errors", d["send_errors"].get<double>());
        for (const char* sock : { "ip_listen", "ts_listen" })
            if (!d[std::string(sock) + "_kernel_drops"].is_null())
                p.add("dualsat_data_udp_receive_drops_total", "counter",
                      "UDP datagrams the kernel dropped for a full receive buffer (SO_RXQ_OVFL)",
                      d[std::string(sock) + "_kernel_drops"].get<double>(), { { "socket", sock } });
    }
    // One loop per family: a family's samples must be contiguous in the exposition.
    for (const char* dir : { "tx", "rx" })
        if (s[dir].is_object())
            p.add("dualsat_radio_stalled", "gauge",
                  "1 while the radio stream has not moved for the stall time (peer/device gone)",
                  s[dir][dir == std::string("tx") ? "output_stalled" : "input_stalled"].get<bool>() ? 1 : 0,
                  { { "direction", dir } });
    for (const char* dir : { "tx", "rx" })
        if (s[dir].is_object())
            p.add("dualsat_radio_stalls_total", "counter", "Times the radio stream stalled",
                  s[dir]["stalls"].get<double>(), { { "direction", dir } });
    p.add("dualsat_radio_faults", "gauge", "Radio faults now (see /status faults)",
          static_cast<double>(s["faults"].size()));
    add_realtime_metrics(p, s["realtime"]);
    if (s["test_pattern"].is_object()) {
        const json& t = s["test_pattern"];
        p.add("dualsat_test_pattern_tx_packets_total", "counter", "Test-pattern packets handed to the transmitter",
              t["tx_packets"].get<double>());
        p.add("dualsat_test_pattern_rx_packets_total", "counter", "Test-pattern packets received, by result",
              t["rx_packets"].get<double>() - t["rx_errored_packets"].get<double>(), { { "result", "ok" } });
        p.add("dualsat_test_pattern_rx_packets_total", "counter", "Test-pattern packets received, by result",
              t["rx_errored_packets"].get<double>(), { { "result", "errored" } });
        p.add("dualsat_test_pattern_rx_bit_errors_total", "counter", "Test-pattern payload bits received wrong",
              t["rx_bit_errors"].get<double>());
        p.add("dualsat_test_pattern_rx_bits_total", "counter", "Test-pattern payload bits checked",
              t["rx_bits"].get<double>());
        p.add("dualsat_test_pattern_rx_lost_packets_total", "counter",
              "Test-pattern packets missing from the numbered sequence", t["rx_lost_packets"].get<double>());
    }
    m_acm->add_metrics(p);
    if (s["acm"].contains("tx_reports")) {
        const json& t = s["acm"]["tx_reports"];
        p.add("dualsat_acm_tx_reports_total", "counter", "In-band link reports at our transmitter, by state",
              t["sent"].get<double>(), { { "state", "sent" } });
        p.add("dualsat_acm_tx_reports_total", "counter", "In-band link reports at our transmitter, by state",
              t["dropped"].get<double>(), { { "state", "dropped" } });
    }
    if (!s["channel"].is_null())
        p.add("dualsat_channel_esn0_db", "gauge", "Es/N0 of the emulated channel (lab/test seam)",
              s["channel"]["esn0_db"].get<double>());
    p.add("dualsat_control_requests_total", "counter", "Control API requests", s["control"]["requests"].get<double>());
    p.add("dualsat_control_unauthorized_total", "counter", "Control API requests refused for a bad token",
          s["control"]["unauthorized"].get<double>());
    return p.text();
}

std::string Modem::status_line()
{
    json s = status();
    auto num_or_dash = [](const json& v, const char* fmt) {
        if (v.is_null())
            return std::string("-");
        char buf[32];
        std::snprintf(buf, sizeof buf, fmt, v.get<double>());
        return std::string(buf);
    };
    std::ostringstream os;
    char up[16];
    std::snprintf(up, sizeof up, "%7.1fs", s["uptime_s"].get<double>());
    os << "[" << up << "] lock " << (s["lock"].is_null() ? "-" : s["lock"].get<bool>() ? "yes" : "no")
       << "  MODCOD " << (s["modcod"].is_null() ? "-" : s["modcod"].get<std::string>());
    // Both directions: what the receiver decodes next to what is being sent.
    if (s["tx"].is_object() && s["rx"].is_object())
        os << " (rx " << (s["rx"]["modcod"].is_null() ? "-" : s["rx"]["modcod"].get<std::string>()) << ")";
    os << "  Es/N0 " << num_or_dash(s["esn0_db"], "%.1f dB")
       << "  goodput " << fmt_rate(s["throughput_bps"].get<double>())
       << "  FER " << num_or_dash(s["fer"], "%.2e")
       << "  pkts in " << s["packets_in"].get<uint64_t>() << " out " << s["packets_out"].get<uint64_t>();
    if (s["tx"].is_object())
        os << "  frames tx " << s["tx"]["frames"].get<uint64_t>();
    if (s["rx"].is_object())
        os << (s["tx"].is_object() ? " rx " : "  frames rx ") << s["rx"]["frames_ok"].get<uint64_t>()
           << " ok " << s["rx"]["frames_bad"].get<uint64_t>() << " bad";
    os << m_acm->status_fields();
    const json& rt = s["realtime"];
    if (rt["state"] == "behind" || rt["state"] == "overflowing")
        os << "  REALTIME " << rt["state"].get<std::string>() << ": " << rt["reason"].get<std::string>();
    for (const auto& f : s["faults"])
        os << "  FAULT " << f.get<std::string>();
    return os.str();
}

std::vector<std::string> Modem::summary()
{
    json s = status();
    std::vector<std::string> lines;
    char buf[512];
    std::snprintf(buf, sizeof buf, "uptime %.1f s, state %s", s["uptime_s"].get<double>(),
                  s["state"].get<std::string>().c_str());
    lines.push_back(buf);
    if (s["tx"].is_object()) {
        const json& t = s["tx"];
        const double secs = std::max(1e-9, s["uptime_s"].get<double>());
        std::snprintf(buf, sizeof buf,
                      "tx: %llu frames (%llu idle), %llu symbols, MODCOD %s, %llu changes; packets "
                      "in %llu, sent %llu, dropped: queue full %llu, malformed %llu, at shutdown "
                      "%llu; payload %llu bytes (%.3f Mbit/s average)",
                      static_cast<unsigned long long>(t["frames"].get<uint64_t>()),
                      static_cast<unsigned long long>(t["frames_idle"].get<uint64_t>()),
                      static_cast<unsigned long long>(t["symbols"].get<uint64_t>()),
                      t["modcod"].get<std::string>().c_str(),
                      static_cast<unsigned long long>(t["modcod_changes"].get<uint64_t>()),
                      static_cast<unsigned long long>(t["packets_in"].get<uint64_t>()),
                      static_cast<unsigned long long>(t["packets_sent"].get<uint64_t>()),
                      static_cast<unsigned long long>(t["packets_dropped_queue_full"].get<uint64_t>()),
                      static_cast<unsigned long long>(t["packets_rejected"].get<uint64_t>()),
                      static_cast<unsigned long long>(t["packets_dropped_shutdown"].get<uint64_t>()),
                      static_cast<unsigned long long>(t["payload_bytes_sent"].get<uint64_t>()),
                      t["payload_bytes_sent"].get<double>() * 8 / secs / 1e6);
        lines.push_back(buf);
        std::string by = "tx frames by MODCOD:";
        for (auto it = t["frames_by_modcod"].begin(); it != t["frames_by_modcod"].end(); ++it)
            by += " " + it.key() + "=" + std::to_string(it.value().get<uint64_t>());
        lines.push_back(by);
    }
    if (s["rx"].is_object()) {
        const json& r = s["rx"];
        std::snprintf(buf, sizeof buf,
                      "rx (%s): %llu samples, power %.1f dB, lock %s (%llu acquisitions, %llu "
                      "losses), frames ok %llu bad %llu idle %llu, packets out %llu, CRC errors %llu",
                      r["chain"].get<std::string>().c_str(),
                      static_cast<unsigned long long>(r["samples"].get<uint64_t>()),
                      r["power_db"].is_null() ? -300.0 : r["power_db"].get<double>(),
                      r["lock"].is_null() ? "-" : r["lock"].get<bool>() ? "yes" : "no",
                      static_cast<unsigned long long>(r["acquisitions"].get<uint64_t>()),
                      static_cast<unsigned long long>(r["lock_losses"].get<uint64_t>()),
                      static_cast<unsigned long long>(r["frames_ok"].get<uint64_t>()),
                      static_cast<unsigned long long>(r["frames_bad"].get<uint64_t>()),
                      static_cast<unsigned long long>(r["frames_idle"].get<uint64_t>()),
                      static_cast<unsigned long long>(r["packets_out"].get<uint64_t>()),
                      static_cast<unsigned long long>(r["crc_errors"].get<uint64_t>()));
        lines.push_back(buf);
        std::string by = "rx frames by MODCOD:";
        for (auto it = r["frames_by_modcod"].begin(); it != r["frames_by_modcod"].end(); ++it)
            by += " " + it.key() + "=" + std::to_string(it.value().get<uint64_t>());
        lines.push_back(by);
    }
    if (s.contains("antijam") && s["antijam"]["dsss"].is_object() && s["antijam"]["dsss"].contains("rx")) {
        const json& d = s["antijam"]["dsss"];
        const json& r = d["rx"];
        std::snprintf(buf, sizeof buf,
                      "dsss: SF %d at %.6g chips/s, lock %s (%llu searches, %llu acquisitions, %llu losses), "
                      "%llu symbols despread",
                      d["sf"].get<int>(), d["chip_rate_hz"].get<double>(), r["locked"].get<bool>() ? "yes" : "no",
                      static_cast<unsigned long long>(r["searches"].get<uint64_t>()),
                      static_cast<unsigned long long>(r["acquisitions"].get<uint64_t>()),
                      static_cast<unsigned long long>(r["lock_losses"].get<uint64_t>()),
                      static_cast<unsigned long long>(r["symbols_out"].get<uint64_t>()));
        std::string line = buf;
        if (r["first_lock"].is_object()) {
            std::snprintf(buf, sizeof buf, ", first lock at %.3f s of signal",
                          r["first_lock"]["acquisition_s"].get<double>());
            line += buf;
        }
        lines.push_back(line);
    }
    {
        const json& rt = s["realtime"];
        std::string line = "realtime: " + rt["state"].get<std::string>() + " (" + rt["reason"].get<std::string>() +
                           "), " + std::to_string(rt["episodes"].get<uint64_t>()) + " episodes behind";
        if (rt["cpu"].is_object()) {
            std::snprintf(buf, sizeof buf, ", process CPU %.2f s", rt["cpu"]["process_s"].get<double>());
            line += buf;
        }
        lines.push_back(line);
    }
    const json& a = s["acm"];
    if (!a["controller"].is_null()) {
        const json& c = a["controller"];
        std::snprintf(buf, sizeof buf,
                      "acm: MODCOD %s (%s), %llu changes (%llu up, %llu down, %llu fallbacks), reports "
                      "accepted %llu lost %llu, margin %.2f dB, loop delay %.2f s",
                      c["modcod"].get<std::string>().c_str(), c["reason"].get<std::string>().c_str(),
                      static_cast<unsigned long long>(c["changes"].get<uint64_t>()),
                      static_cast<unsigned long long>(c["step_ups"].get<uint64_t>()),
                      static_cast<unsigned long long>(c["step_downs"].get<uint64_t>()),
                      static_cast<unsigned long long>(c["fallbacks"].get<uint64_t>()),
                      static_cast<unsigned long long>(c["reports_accepted"].get<uint64_t>()),
                      static_cast<unsigned long long>(c["reports_lost"].get<uint64_t>()),
                      c["margin_db"].get<double>(), c["loop_delay_s"].get<double>());
        lines.push_back(buf);
    }
    if (!a["reporter"].is_null() && a["feedback"] != "none") {
        std::snprintf(buf, sizeof buf, "acm reports sent: %llu in-band, %llu udp, %llu failed",
                      static_cast<unsigned long long>(a["reporter"]["sent_inband"].get<uint64_t>()),
                      static_cast<unsigned long long>(a["reporter"]["sent_udp"].get<uint64_t>()),
                      static_cast<unsigned long long>(a["reporter"]["send_failures"].get<uint64_t>()));
        lines.push_back(buf);
    }
    return lines;
}

} // namespace modemd
