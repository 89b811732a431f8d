// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/antijam/hop_schedule.h>
#include <gnuradio/dualsat/hop_tuner.h>

#include <memory>
#include <mutex>

namespace gr {
namespace dualsat {

struct hop_tuner_settings {
    ::dualsat::HopPlan plan;
    double center_freq = 0;
    double sample_rate = 0;
    double lead_time = 0;
    uint64_t start_secs = 0;
    double start_frac = 0;
    double lo_offset = 0;
    bool emit_tags = true;
    bool emit_messages = true;
    std::string time_tag_key;
    std::string uhd_direction;
    bool tag_tx_time = false;
};

class hop_tuner_impl : public hop_tuner
{
public:
    hop_tuner_impl(std::unique_ptr<::dualsat::HopSchedule> schedule, const hop_tuner_settings& s);

    int channel(uint64_t slot) const override { return d_schedule->channel(slot); }
    double tune_freq(uint64_t slot) const override;
    std::pair<uint64_t, double> slot_time(uint64_t slot) const override;
    int64_t lead_samples() const override { return d_lead; }
    uint64_t commands_issued() const override;
    uint64_t late_commands() const override;
    uint64_t next_slot() const override;
    uint64_t bad_time_tags() const override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    // Sample `local` of the stream is at radio time secs + frac from now on.
    void anchor(uint64_t local, uint64_t secs, double frac);
    // Issues every command whose issue point lies before local sample `end`; `now` is the
    // first sample not yet processed.
    void issue_until(uint64_t now, uint64_t end);
    pmt::pmt_t command(uint64_t slot) const;

    mutable std::mutex d_mutex;
    const std::unique_ptr<::dualsat::HopSchedule> d_schedule;
    const hop_tuner_settings d_s;
    const int64_t d_lead;
    const pmt::pmt_t d_port, d_tag_key, d_time_key;
    bool d_anchored = false;
    int64_t d_base = 0;      // global on-air sample index of local sample 0
    uint64_t d_anchor = 0;   // local sample of the last anchoring
    uint64_t d_next = 0;     // next slot to issue
    uint64_t d_issued = 0, d_late = 0, d_bad_tags = 0;
};

class tune_command_recorder_impl : public tune_command_recorder
{
public:
    explicit tune_command_recorder_impl(const std::string& tag_key);

    std::vector<double> message_freqs() const override;
    std::vector<uint64_t> message_time_secs() const override;
    std::vector<double> message_time_fracs() const override;
    std::vector<double> message_lo_offsets() const override;
    std::vector<uint64_t> tag_offsets() const override;
    std::vector<double> tag_freqs() const override;
    std::vector<uint64_t> tag_time_secs() const override;
    std::vector<double> tag_time_fracs() const override;
    uint64_t malformed() const override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    struct Command {
        double freq;
        uint64_t secs;
        double frac;
        double lo_offset;
    };
    bool parse(const pmt::pmt_t& msg, Command& c);
    void handle(const pmt::pmt_t& msg);

    mutable std::mutex d_mutex;
    const pmt::pmt_t d_tag_key;
    std::vector<Command> d_messages, d_tags;
    std::vector<uint64_t> d_tag_offsets;
    uint64_t d_malformed = 0;
};

// A (uint64 secs, double frac) time as gr-uhd writes it: a pair in commands, a tuple in
// rx_time / tx_time tags. False for anything else.
bool read_uhd_time(const pmt::pmt_t& v, uint64_t& secs, double& frac);

} // namespace dualsat
} // namespace gr
