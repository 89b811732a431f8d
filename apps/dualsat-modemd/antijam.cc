// SPDX-License-Identifier: GPL-3.0-or-later
#include "antijam.h"

#include "modem_chain.h"
#include "stream_buffers.h"

#include <dualsat/antijam/hop_gate.h>
#include <dualsat/core/error.h>
#include <dualsat/modcod/modcod.h>
#include <gnuradio/dualsat/pulse_shaper_cc.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/sync_block.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

namespace modemd {

using json = nlohmann::json;

namespace {

constexpr double kDespreaderBlockSymbols = 32; // dsss_despreader_cc's tracking block
// The despreader's output reference follows the tracked carrier when they part by more
// than this: at the edge of rx_cb's carrier range (~0.1 cycles/symbol), where rx_cb could
// no longer follow, and not before — the re-anchoring ramp (64 blocks) is itself a
// frequency step that rx_cb's carrier recovery cannot track inside a frame: at 0.05,
// modemd_Antijam's J/S 10 dB broadband case re-anchored with 2 of 4 channel seeds and
// lost 2-4 frames each time; at 0.1 none of the 4 re-anchored or lost a frame (2026-12-02).
constexpr double kReanchorCyclesPerSymbol = 0.1;

// Zeroes the first `count` samples, then passes the stream on. Between the dehopper and
// the despreader: the dehopper's jam detector judges no dwell before it has seen
// DwellJamConfig::warmup of them, so a jammed dwell among the first ones comes through at
// full power — and the despreader's acquisition and frequency refinement, whose sums are
// power weighted, then locked onto the jammer's frequency (measured: a -3.6 kHz error
// at 25 ksym/s, 0.15 cycles/symbol, beyond rx_cb's carrier range, kept as the output's
// reference for the whole lock). Zeros are erasures, as the detector's own.
class WarmupBlanker : public gr::sync_block
{
public:
    explicit WarmupBlanker(uint64_t count)
        : gr::sync_block("dsss_warmup_blanker", gr::io_signature::make(1, 1, sizeof(gr_complex)),
                         gr::io_signature::make(1, 1, sizeof(gr_complex))),
          m_count(count)
    {
    }
    int work(int n, gr_vector_const_void_star& in, gr_vector_void_star& out) override
    {
        const auto* x = static_cast<const gr_complex*>(in[0]);
        auto* y = static_cast<gr_complex*>(out[0]);
        const uint64_t first = nitems_written(0);
        for (int i = 0; i < n; ++i)
            y[i] = first + static_cast<uint64_t>(i) < m_count ? gr_complex(0.0f, 0.0f) : x[i];
        return n;
    }

private:
    const uint64_t m_count;
};

} // namespace

int64_t hop_epoch(const Config& c)
{
    if (!c.protect.utc_epochs)
        return c.protect.initial_epoch;
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::seconds>(now).count() / c.protect.slot_seconds;
}

double AntijamStage::analog_start_time(const Config& c, double now, double margin_s)
{
    const double slot_s = static_cast<double>(c.antijam.slot_samples) / c.modem_sample_rate();
    return std::ceil((now + margin_s) / slot_s) * slot_s;
}

AntijamStage::AntijamStage(const Config& c, double start_time)
    : m_cfg(c), m_epoch(hop_epoch(c)), m_start_time(start_time)
{
    const AntijamConfig& a = c.antijam;
    const double modem_rate = c.modem_sample_rate();
    if (a.dsss)
        make_dsss();
    if (!a.hopping)
        return;
    try {
        if (c.has_tx()) {
            const auto p = protection_settings(c, true);
            m_hopper = gr::dualsat::hopper_cc::make(p.key_file, p.link_id, p.direction, m_epoch, a.channels,
                                                    a.channel_spacing_hz, modem_rate, a.slot_samples,
                                                    a.guard_samples, a.interpolation, a.filter_semi_length);
            size_stream_buffer(m_hopper, c.radio.sample_rate);
        }
        if (c.has_rx()) {
            const auto p = protection_settings(c, false);
            m_dehopper = gr::dualsat::dehopper_cc::make(p.key_file, p.link_id, p.direction, m_epoch,
                                                        a.channels, a.channel_spacing_hz, modem_rate,
                                                        a.slot_samples, a.guard_samples, a.interpolation,
                                                        a.filter_semi_length, a.erase_jammed, a.threshold_db);
            size_stream_buffer(m_dehopper, c.radio.sample_rate);
        }
        if (a.mode == HopMode::Analog) {
            const double full = std::floor(start_time);
            const auto secs = static_cast<uint64_t>(full);
            const double frac = start_time - full;
            const auto& u = c.radio.uhd;
            if (c.has_tx()) {
                // Tagged commands for usrp_sink, which runs each when it reaches the sample;
                // sample 0 goes out at the start time (tx_time), so the guards fall where
                // the retunes are.
                const auto p = protection_settings(c, true);
                m_tx_tuner = gr::dualsat::hop_tuner::make(
                    p.key_file, p.link_id, p.direction, m_epoch, a.channels, a.channel_spacing_hz, u.tx.freq,
                    modem_rate, a.slot_samples, a.guard_samples, a.lead_s, a.settling_s, secs, frac,
                    u.tx.lo_offset, true, false, "", "TX", true);
                size_stream_buffer(m_tx_tuner, c.radio.sample_rate);
            }
            if (c.has_rx()) {
                // Messages to usrp_source's command port; its rx_time tags anchor the time.
                const auto p = protection_settings(c, false);
                m_rx_tuner = gr::dualsat::hop_tuner::make(
                    p.key_file, p.link_id, p.direction, m_epoch, a.channels, a.channel_spacing_hz, u.rx.freq,
                    modem_rate, a.slot_samples, a.guard_samples, a.lead_s, a.settling_s, secs, frac,
                    u.rx.lo_offset, false, true, "rx_time", "RX", false);
                size_stream_buffer(m_rx_tuner, c.radio.sample_rate);
            }
        }
    } catch (const dualsat::ConfigError& e) {
        throw dualsat::ConfigError(std::string("antijam.hopping: ") + e.what());
    } catch (const std::invalid_argument& e) { // the blocks' ValueError
        throw dualsat::ConfigError(std::string("antijam.hopping: ") + e.what());
    }
}

void AntijamStage::make_dsss()
{
    const Config& c = m_cfg;
    const AntijamConfig& a = c.antijam;
    const double rolloff = dualsat::rolloff_value(c.modem.rolloff);
    try {
        if (c.has_tx()) {
            // Symbol k of the stream is chip-sequence symbol k: the time base is the
            // stream's sample counter (both ends count from its first sample).
            const auto p = protection_settings(c, true);
            m_spreader = gr::dualsat::dsss_spreader_cc::make(p.key_file, p.link_id, p.direction, m_epoch, a.sf,
                                                             rolloff, a.span_chips, a.samples_per_chip, 0);
            size_stream_buffer(m_spreader, c.modem_sample_rate());
        }
        if (c.has_rx()) {
            const auto p = protection_settings(c, false);
            const double max_cfo = a.max_cfo_hz / a.chip_rate(c.modem.symbol_rate); // cycles per chip
            // The dehopper zeroes jammed dwells: the despreader passes over up to 8 such
            // dwells in a row (1.5e-5 of the time with a quarter of the channels jammed)
            // before it counts them toward a loss of lock.
            int erasure_blocks = 0;
            if (a.hopping && a.erase_jammed) {
                const double dwell_symbols = static_cast<double>(a.slot_samples - a.guard_samples) /
                                             (static_cast<double>(a.sf) * a.samples_per_chip);
                erasure_blocks = static_cast<int>(std::ceil(8.0 * dwell_symbols / kDespreaderBlockSymbols)) + 2;
                // The detector's warm-up dwells, and one more, blanked.
                const auto payload = static_cast<uint64_t>(a.slot_samples - a.guard_samples);
                m_blanker = gnuradio::get_initial_sptr(
                    new WarmupBlanker((static_cast<uint64_t>(dualsat::DwellJamConfig{}.warmup) + 1) * payload));
                size_stream_buffer(m_blanker, c.modem_sample_rate());
            }
            m_despreader = gr::dualsat::dsss_despreader_cc::make(
                p.key_file, p.link_id, p.direction, m_epoch, a.sf, rolloff, a.span_chips, a.samples_per_chip, 0,
                a.code_window_chips, max_cfo, a.acquisition_symbols, a.false_alarm_probability, 256,
                erasure_blocks, kReanchorCyclesPerSymbol);
            size_stream_buffer(m_despreader, c.modem_sample_rate());
            // rx_cb takes >= 2 samples per symbol: the despread symbols (one per PL symbol)
            // are RRC shaped at 2 samples per symbol, which its matched filter undoes (the
            // RRC pair is Nyquist: the symbols and their noise come back unchanged at the
            // strobes).
            m_reshaper = gr::dualsat::pulse_shaper_cc::make(rolloff, 2, 12);
            size_stream_buffer(m_reshaper, c.receiver_sample_rate());
        }
    } catch (const dualsat::ConfigError& e) {
        throw dualsat::ConfigError(std::string("antijam.dsss: ") + e.what());
    } catch (const std::invalid_argument& e) { // the blocks' ValueError
        throw dualsat::ConfigError(std::string("antijam.dsss: ") + e.what());
    }
}

void AntijamStage::connect_tx(gr::top_block_sptr tb, gr::basic_block_sptr shaper)
{
    if (!m_hopper)
        return;
    tb->connect(shaper, 0, m_hopper, 0);
    if (m_tx_tuner)
        tb->connect(m_hopper, 0, m_tx_tuner, 0);
}

std::vector<gr::basic_block_sptr> AntijamStage::rx_chain() const
{
    std::vector<gr::basic_block_sptr> chain;
    for (const gr::basic_block_sptr& b : { gr::basic_block_sptr(m_rx_tuner), gr::basic_block_sptr(m_dehopper),
                                           m_blanker, gr::basic_block_sptr(m_despreader), m_reshaper })
        if (b)
            chain.push_back(b);
    return chain;
}

void AntijamStage::connect_rx(gr::top_block_sptr tb, gr::basic_block_sptr rx_input)
{
    const auto chain = rx_chain();
    for (size_t i = 0; i + 1 < chain.size(); ++i)
        tb->connect(chain[i], 0, chain[i + 1], 0);
    if (!chain.empty())
        tb->connect(chain.back(), 0, rx_input, 0);
}

void AntijamStage::connect_commands(gr::top_block_sptr tb, gr::basic_block_sptr rx_device)
{
    if (m_rx_tuner && rx_device)
        tb->msg_connect(m_rx_tuner, "command", rx_device, "command");
}

std::vector<NamedBlock> AntijamStage::tx_blocks() const
{
    std::vector<NamedBlock> b;
    if (m_spreader)
        b.push_back({ "dsss_spreader", m_spreader });
    if (m_hopper)
        b.push_back({ "hopper", m_hopper });
    if (m_tx_tuner)
        b.push_back({ "hop_tuner_tx", m_tx_tuner });
    return b;
}

std::vector<NamedBlock> AntijamStage::rx_blocks() const
{
    std::vector<NamedBlock> b;
    if (m_rx_tuner)
        b.push_back({ "hop_tuner_rx", m_rx_tuner });
    if (m_dehopper)
        b.push_back({ "dehopper", m_dehopper });
    if (m_blanker)
        b.push_back({ "dsss_warmup_blanker", m_blanker });
    if (m_despreader)
        b.push_back({ "dsss_despreader", m_despreader });
    if (m_reshaper)
        b.push_back({ "dsss_reshaper", m_reshaper });
    return b;
}

json AntijamStage::dsss_status() const
{
    const AntijamConfig& a = m_cfg.antijam;
    const double symbol_rate = m_cfg.modem.symbol_rate;
    const double chip_rate = a.chip_rate(symbol_rate);
    json d = { { "sf", a.sf },
               { "chip_rate_hz", chip_rate },
               { "samples_per_chip", a.samples_per_chip },
               { "processing_gain_db", 10 * std::log10(static_cast<double>(a.sf)) },
               { "code_window_chips", a.code_window_chips },
               { "max_cfo_hz", a.max_cfo_hz },
               { "acquisition_symbols", a.acquisition_symbols } };
    if (m_spreader)
        d["tx"] = { { "symbols", m_spreader->next_symbol_index() } };
    if (m_despreader) {
        const dualsat::DsssReceiverStats st = m_despreader->stats();
        const dualsat::DsssAcquisition first = m_despreader->first_acquisition();
        const dualsat::DsssAcquisition last = m_despreader->last_acquisition();
        const double sample_rate = m_cfg.modem_sample_rate();
        json r = { { "locked", st.locked },
                   { "searches", st.searches },
                   { "acquisitions", st.acquisitions },
                   { "lock_losses", st.lock_losses },
                   { "symbols_out", st.symbols_out },
                   { "samples_in", st.samples_in },
                   { "nonfinite_samples", st.nonfinite_samples },
                   { "erased_blocks", st.erased_blocks },
                   { "reanchors", st.reanchors },
                   // Estimates while locked only (the last values otherwise mean nothing).
                   { "despread_esn0_db", st.locked ? json(st.esn0_db) : json(nullptr) },
                   { "lock_ratio", st.locked ? json(st.lock_ratio) : json(nullptr) },
                   { "code_phase_chips", st.locked ? json(st.code_phase_chips) : json(nullptr) },
                   { "cfo_hz", st.locked ? json(st.cfo * chip_rate) : json(nullptr) } };
        // Acquisition time: the stream time at the end of the first detecting search's
        // last symbol (the signal it took; the stream carries the signal from its start
        // in loopback and in a recording of it), and the input the block had consumed
        // when it ran (later by up to one work() call's worth).
        if (first.detected)
            r["first_lock"] = { { "acquisition_s", static_cast<double>(first.first_symbol + a.acquisition_symbols) /
                                                       symbol_rate },
                                { "input_s", static_cast<double>(first.input_samples) / sample_rate },
                                { "symbol", first.first_symbol },
                                { "code_phase_chips", first.code_phase_chips },
                                { "cfo_hz", (first.refined ? first.cfo_refined : first.cfo) * chip_rate },
                                { "metric", first.metric },
                                { "threshold", first.threshold } };
        else
            r["first_lock"] = nullptr;
        r["last_search"] = st.searches > 0 ? json{ { "detected", last.detected },
                                                   { "metric", last.metric },
                                                   { "threshold", last.threshold } }
                                           : json(nullptr);
        d["rx"] = r;
    }
    return d;
}

json AntijamStage::status() const
{
    const AntijamConfig& a = m_cfg.antijam;
    json j = { { "time_source", a.time_source },
               { "epoch", m_epoch },
               { "codeword_interleaving", a.codeword_interleaving },
               { "hopping", a.hopping },
               { "dsss", a.dsss ? dsss_status() : json(nullptr) } };
    if (!a.hopping)
        return j;
    const double modem_rate = m_cfg.modem_sample_rate();
    j.update(json{ { "mode", a.mode == HopMode::Digital ? "digital" : "analog" },
               { "channels", a.channels },
               { "channel_spacing_hz", a.channel_spacing_hz },
               { "interpolation", a.interpolation },
               { "start_time", a.mode == HopMode::Analog ? json(m_start_time) : json(nullptr) },
               { "dwell_samples", a.slot_samples },
               { "guard_samples", a.guard_samples },
               { "dwell_s", static_cast<double>(a.slot_samples) / modem_rate },
               { "guard_s", static_cast<double>(a.guard_samples) / modem_rate },
               { "dwell_symbols", static_cast<double>(a.slot_samples) / modem_rate * m_cfg.modem.symbol_rate },
               { "erase_jammed", a.erase_jammed },
               { "threshold_db", a.threshold_db } });
    if (m_hopper) {
        const uint64_t slots = m_hopper->slots();
        json t = { { "slots", slots } };
        // The slot in progress and its channel (none before the first sample).
        t["slot_now"] = slots > 0 ? json(slots - 1) : json(nullptr);
        t["channel_now"] = slots > 0 ? json(m_hopper->channel(slots - 1)) : json(nullptr);
        if (m_tx_tuner)
            t["tune_commands"] = { { "issued", m_tx_tuner->commands_issued() },
                                   { "late", m_tx_tuner->late_commands() },
                                   { "next_slot", m_tx_tuner->next_slot() } };
        j["tx"] = t;
    }
    if (m_dehopper) {
        const auto jammed = m_dehopper->jammed_by_channel();
        const auto dwells = m_dehopper->dwells_by_channel();
        const uint64_t judged = m_dehopper->dwells();
        const double ref = m_dehopper->reference_power();
        json r = { { "dwells", judged },
                   { "last_judged_slot", judged > 0 ? json(judged - 1) : json(nullptr) },
                   { "jammed_dwells", m_dehopper->jammed_dwells() },
                   { "erased_samples", m_dehopper->erased_samples() },
                   { "reference_power_db", ref > 0 ? json(10 * std::log10(ref)) : json(nullptr) },
                   { "jammed_by_channel", jammed },
                   { "dwells_by_channel", dwells } };
        std::vector<int> jammed_channels;
        for (size_t ch = 0; ch < jammed.size(); ++ch)
            if (jammed[ch] > 0)
                jammed_channels.push_back(static_cast<int>(ch));
        r["jammed_channels"] = jammed_channels;
        if (m_rx_tuner)
            r["tune_commands"] = { { "issued", m_rx_tuner->commands_issued() },
                                   { "late", m_rx_tuner->late_commands() },
                                   { "next_slot", m_rx_tuner->next_slot() },
                                   { "bad_time_tags", m_rx_tuner->bad_time_tags() } };
        j["rx"] = r;
    }
    return j;
}

} // namespace modemd
