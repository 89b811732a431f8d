// SPDX-License-Identifier: GPL-3.0-or-later
#include "hop_tuner_impl.h"

#include "antijam_keys.h"

#include <dualsat/core/error.h>
#include <gnuradio/io_signature.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gr {
namespace dualsat {
namespace {

// floor(a / b) for b > 0, a of any sign.
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The global on-air sample index of radio time secs + frac at rate fs. Long double keeps
// sub-nanosecond resolution at GPS-era second counts (a double resolves 0.24 us there).
int64_t time_to_sample(uint64_t secs, double frac, double fs)
{
    const long double s = static_cast<long double>(secs) * fs + static_cast<long double>(frac) * fs;
    return static_cast<int64_t>(std::llround(s));
}

} // namespace

bool read_uhd_time(const pmt::pmt_t& v, uint64_t& secs, double& frac)
{
    pmt::pmt_t a, b;
    if (pmt::is_tuple(v) && pmt::length(v) == 2) {
        a = pmt::tuple_ref(v, 0);
        b = pmt::tuple_ref(v, 1);
    } else if (pmt::is_pair(v)) {
        a = pmt::car(v);
        b = pmt::cdr(v);
    } else {
        return false;
    }
    if (!pmt::is_integer(a) && !pmt::is_uint64(a))
        return false;
    if (!pmt::is_real(b))
        return false;
    secs = pmt::is_uint64(a) ? pmt::to_uint64(a) : static_cast<uint64_t>(pmt::to_long(a));
    frac = pmt::to_double(b);
    return std::isfinite(frac) && frac >= 0.0 && frac < 1.0;
}

hop_tuner::sptr hop_tuner::make(const std::string& key_file,
                                int link_id,
                                ::dualsat::LinkDirection direction,
                                int64_t epoch,
                                int channels,
                                double channel_spacing,
                                double center_freq,
                                double sample_rate,
                                int64_t slot_samples,
                                int64_t guard_samples,
                                double lead_time,
                                double settling_time,
                                uint64_t start_time_secs,
                                double start_time_frac,
                                double lo_offset,
                                bool emit_tags,
                                bool emit_messages,
                                const std::string& time_tag_key,
                                const std::string& uhd_direction,
                                bool tag_tx_time)
{
    using ::dualsat::ConfigError;
    hop_tuner_settings s;
    s.plan = make_hop_plan(channels, channel_spacing, slot_samples, guard_samples);
    if (!(sample_rate > 0.0) || !std::isfinite(sample_rate))
        throw ConfigError("hop_tuner: sample_rate must be > 0");
    if (!std::isfinite(center_freq) || !std::isfinite(lo_offset))
        throw ConfigError("hop_tuner: center_freq and lo_offset must be finite");
    if (!(settling_time >= 0.0) || !std::isfinite(settling_time))
        throw ConfigError("hop_tuner: settling_time must be >= 0");
    if (static_cast<double>(guard_samples) / sample_rate < settling_time)
        throw ConfigError("hop_tuner: the guard (" + std::to_string(guard_samples / sample_rate * 1e6) +
                          " us) is shorter than the synthesiser's settling time (" +
                          std::to_string(settling_time * 1e6) + " us)");
    if (!(lead_time >= 0.0) || !std::isfinite(lead_time) ||
        lead_time * sample_rate > 1024.0 * static_cast<double>(slot_samples))
        throw ConfigError("hop_tuner: lead_time must be 0 .. 1024 slots");
    if (!(start_time_frac >= 0.0 && start_time_frac < 1.0))
        throw ConfigError("hop_tuner: start_time_frac must be in [0, 1)");
    if (!uhd_direction.empty() && uhd_direction != "TX" && uhd_direction != "RX")
        throw ConfigError("hop_tuner: uhd_direction must be \"\", \"TX\" or \"RX\"");
    if (!emit_tags && !emit_messages)
        throw ConfigError("hop_tuner: neither tags nor messages: nothing would be issued");
    s.center_freq = center_freq;
    s.sample_rate = sample_rate;
    s.lead_time = lead_time;
    s.start_secs = start_time_secs;
    s.start_frac = start_time_frac;
    s.lo_offset = lo_offset;
    s.emit_tags = emit_tags;
    s.emit_messages = emit_messages;
    s.time_tag_key = time_tag_key;
    s.uhd_direction = uhd_direction;
    s.tag_tx_time = tag_tx_time;
    return gnuradio::make_block_sptr<hop_tuner_impl>(
        make_hop_schedule(key_file, link_id, direction, epoch, channels), s);
}

hop_tuner_impl::hop_tuner_impl(std::unique_ptr<::dualsat::HopSchedule> schedule, const hop_tuner_settings& s)
    : gr::sync_block("hop_tuner",
                     gr::io_signature::make(1, 1, sizeof(gr_complex)),
                     gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_schedule(std::move(schedule)),
      d_s(s),
      d_lead(static_cast<int64_t>(std::llround(s.lead_time * s.sample_rate))),
      d_port(pmt::mp("command")),
      d_tag_key(pmt::mp("tx_command")),
      d_time_key(pmt::mp(s.time_tag_key))
{
    message_port_register_out(d_port);
    anchor(0, s.start_secs, s.start_frac);
}

void hop_tuner_impl::anchor(uint64_t local, uint64_t secs, double frac)
{
    const int64_t base = time_to_sample(secs, frac, d_s.sample_rate) - static_cast<int64_t>(local);
    if (d_anchored && base == d_base)
        return; // the same time base restated: what was issued stays valid
    d_anchored = true;
    d_base = base;
    d_anchor = local;
    // Slots that start at or after the anchor sample; one that started before it is
    // under way (too late to retune for it).
    const int64_t g = d_base + static_cast<int64_t>(local);
    const int64_t k = -floor_div(-g, d_s.plan.slot_samples); // ceil
    d_next = static_cast<uint64_t>(std::max<int64_t>(0, k));
}

double hop_tuner_impl::tune_freq(uint64_t slot) const
{
    return d_s.center_freq + ::dualsat::hop_channel_offset_hz(d_s.plan, d_schedule->channel(slot));
}

std::pair<uint64_t, double> hop_tuner_impl::slot_time(uint64_t slot) const
{
    const uint64_t g = slot * static_cast<uint64_t>(d_s.plan.slot_samples);
    const double fs = d_s.sample_rate;
    if (fs == std::floor(fs) && fs < 9e15) {
        // An integer rate (the usual case): exact whole seconds, the remainder's fraction.
        const uint64_t r = static_cast<uint64_t>(fs);
        return { g / r, static_cast<double>(g % r) / fs };
    }
    const long double t = static_cast<long double>(g) / fs;
    const long double full = std::floor(t);
    return { static_cast<uint64_t>(full), static_cast<double>(t - full) };
}

pmt::pmt_t hop_tuner_impl::command(uint64_t slot) const
{
    const auto t = slot_time(slot);
    pmt::pmt_t d = pmt::make_dict();
    d = pmt::dict_add(d, pmt::mp("freq"), pmt::from_double(tune_freq(slot)));
    d = pmt::dict_add(d, pmt::mp("time"), pmt::cons(pmt::from_uint64(t.first), pmt::from_double(t.second)));
    if (d_s.lo_offset != 0.0)
        d = pmt::dict_add(d, pmt::mp("lo_offset"), pmt::from_double(d_s.lo_offset));
    if (!d_s.uhd_direction.empty())
        d = pmt::dict_add(d, pmt::mp("direction"), pmt::mp(d_s.uhd_direction));
    return d;
}

void hop_tuner_impl::issue_until(uint64_t now, uint64_t end)
{
    for (;;) {
        const int64_t start = static_cast<int64_t>(d_next) * d_s.plan.slot_samples - d_base; // local
        const int64_t at = start - d_lead;
        if (at >= static_cast<int64_t>(end))
            return;
        if (at < static_cast<int64_t>(d_anchor))
            ++d_late;
        const uint64_t pos = static_cast<uint64_t>(std::max<int64_t>(at, static_cast<int64_t>(now)));
        const pmt::pmt_t cmd = command(d_next);
        if (d_s.emit_tags)
            add_item_tag(0, pos, d_tag_key, cmd, alias_pmt());
        if (d_s.emit_messages)
            message_port_pub(d_port, cmd);
        ++d_issued;
        ++d_next;
    }
}

uint64_t hop_tuner_impl::commands_issued() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_issued;
}

uint64_t hop_tuner_impl::late_commands() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_late;
}

uint64_t hop_tuner_impl::next_slot() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_next;
}

uint64_t hop_tuner_impl::bad_time_tags() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_bad_tags;
}

int hop_tuner_impl::work(int noutput_items,
                         gr_vector_const_void_star& input_items,
                         gr_vector_void_star& output_items)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    std::memcpy(output_items[0], input_items[0], static_cast<size_t>(noutput_items) * sizeof(gr_complex));
    const uint64_t first = nitems_read(0);
    const uint64_t end = first + static_cast<uint64_t>(noutput_items);
    uint64_t now = first;
    if (d_s.tag_tx_time && first == 0 && noutput_items > 0)
        add_item_tag(0, 0, pmt::mp("tx_time"),
                     pmt::make_tuple(pmt::from_uint64(d_s.start_secs), pmt::from_double(d_s.start_frac)),
                     alias_pmt());
    if (!d_s.time_tag_key.empty()) {
        std::vector<gr::tag_t> tags;
        get_tags_in_range(tags, 0, first, end, d_time_key);
        std::sort(tags.begin(), tags.end(), gr::tag_t::offset_compare);
        for (const auto& t : tags) {
            issue_until(now, t.offset);
            now = t.offset;
            uint64_t secs;
            double frac;
            if (read_uhd_time(t.value, secs, frac))
                anchor(t.offset, secs, frac);
            else
                ++d_bad_tags;
        }
    }
    issue_until(now, end);
    return noutput_items;
}

tune_command_recorder::sptr tune_command_recorder::make(const std::string& tag_key)
{
    return gnuradio::make_block_sptr<tune_command_recorder_impl>(tag_key);
}

tune_command_recorder_impl::tune_command_recorder_impl(const std::string& tag_key)
    : gr::sync_block("tune_command_recorder",
                     gr::io_signature::make(0, 1, sizeof(gr_complex)),
                     gr::io_signature::make(0, 0, 0)),
      d_tag_key(pmt::mp(tag_key))
{
    message_port_register_in(pmt::mp("command"));
    set_msg_handler(pmt::mp("command"), [this](const pmt::pmt_t& msg) { handle(msg); });
}

bool tune_command_recorder_impl::parse(const pmt::pmt_t& msg, Command& c)
{
    if (!pmt::is_dict(msg))
        return false;
    const pmt::pmt_t f = pmt::dict_ref(msg, pmt::mp("freq"), pmt::PMT_NIL);
    const pmt::pmt_t t = pmt::dict_ref(msg, pmt::mp("time"), pmt::PMT_NIL);
    // gr-uhd reads the command time with car / cdr: a pair, not a tuple.
    if (!pmt::is_real(f) || !pmt::is_pair(t) || !read_uhd_time(t, c.secs, c.frac))
        return false;
    c.freq = pmt::to_double(f);
    const pmt::pmt_t lo = pmt::dict_ref(msg, pmt::mp("lo_offset"), pmt::PMT_NIL);
    c.lo_offset = pmt::is_real(lo) ? pmt::to_double(lo) : std::nan("");
    return true;
}

void tune_command_recorder_impl::handle(const pmt::pmt_t& msg)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    Command c;
    if (parse(msg, c))
        d_messages.push_back(c);
    else
        ++d_malformed;
}

int tune_command_recorder_impl::work(int noutput_items,
                                     gr_vector_const_void_star& input_items,
                                     gr_vector_void_star& output_items)
{
    (void)input_items;
    (void)output_items;
    std::lock_guard<std::mutex> lock(d_mutex);
    std::vector<gr::tag_t> tags;
    get_tags_in_window(tags, 0, 0, static_cast<uint64_t>(noutput_items), d_tag_key);
    std::sort(tags.begin(), tags.end(), gr::tag_t::offset_compare);
    for (const auto& t : tags) {
        Command c;
        if (parse(t.value, c)) {
            d_tags.push_back(c);
            d_tag_offsets.push_back(t.offset);
        } else {
            ++d_malformed;
        }
    }
    return noutput_items;
}

#define DUALSAT_RECORDER_GETTER(type, name, source, expr)                  \
    std::vector<type> tune_command_recorder_impl::name() const             \
    {                                                                      \
        std::lock_guard<std::mutex> lock(d_mutex);                         \
        std::vector<type> v;                                               \
        for (const auto& c : source)                                       \
            v.push_back(expr);                                             \
        return v;                                                          \
    }
DUALSAT_RECORDER_GETTER(double, message_freqs, d_messages, c.freq)
DUALSAT_RECORDER_GETTER(uint64_t, message_time_secs, d_messages, c.secs)
DUALSAT_RECORDER_GETTER(double, message_time_fracs, d_messages, c.frac)
DUALSAT_RECORDER_GETTER(double, message_lo_offsets, d_messages, c.lo_offset)
DUALSAT_RECORDER_GETTER(double, tag_freqs, d_tags, c.freq)
DUALSAT_RECORDER_GETTER(uint64_t, tag_time_secs, d_tags, c.secs)
DUALSAT_RECORDER_GETTER(double, tag_time_fracs, d_tags, c.frac)
#undef DUALSAT_RECORDER_GETTER

std::vector<uint64_t> tune_command_recorder_impl::tag_offsets() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_tag_offsets;
}

uint64_t tune_command_recorder_impl::malformed() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_malformed;
}

} // namespace dualsat
} // namespace gr
