// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/tx/transmitter.h>
#include "protected_parts.h"

#include <gnuradio/dualsat/tx_bc.h>
#include <pmt/pmt.h>

#include <memory>
#include <mutex>
#include <optional>

#include <array>
#include <atomic>
#include <vector>

namespace gr {
namespace dualsat {

class tx_bc_impl : public tx_bc
{
public:
    tx_bc_impl(const ::dualsat::TransmitterConfig& config,
               std::shared_ptr<protected_parts> protection = nullptr);

    void set_format(const ::dualsat::FrameFormat& format) override;
    ::dualsat::FrameFormat format() const override { return d_tx.next_format(); }
    ::dualsat::TransmitterStats stats() const override { return d_tx.stats(); }
    uint64_t bad_modcod_messages() const override { return d_bad_modcod.load(); }
    uint64_t bad_pdu_messages() const override { return d_bad_pdu.load(); }
    uint64_t work_errors() const override { return d_work_errors.load(); }
    protection_status protection() const override;
    bool reload_keys() override;
    bool reload_keys(const ::dualsat::KeyMaterial& material) override;
    void set_frame_observer(frame_observer observer) override;
    void set_epoch(int64_t epoch) override;

    bool start() override;
    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    void handle_modcod(const pmt::pmt_t& msg);
    void handle_pdu(const pmt::pmt_t& msg);
    void tag_frame(uint64_t offset, const ::dualsat::PlFrameInfo& info);
    void feed_input(const uint8_t* in, size_t available, size_t& consumed);
    size_t produce_frames(gr_complex* out,
                          size_t produced,
                          size_t room,
                          const uint8_t* in,
                          size_t available,
                          size_t& consumed);

    void update_protection_status();
    bool reload_keys_with(const ::dualsat::KeyMaterial* material); // null: read the file

    const bool d_ts;
    const bool d_wait;
    const std::shared_ptr<protected_parts> d_protect; // null: civil
    const bool d_fixed_format;
    mutable std::mutex d_protect_mutex;
    protection_status d_protect_status; // snapshot, d_protect_mutex
    // TRANSEC sequences of a reloaded key, for general_work() to hand to d_tx.
    std::mutex d_rekey_mutex;
    std::optional<::dualsat::KeyedPlSequences> d_pending_pl; // d_rekey_mutex
    std::atomic<bool> d_have_pending_pl{ false };
    ::dualsat::Transmitter d_tx;
    bool d_counter_started = false; // the time base's first frame counter is set
    frame_observer d_frame_observer;  // set before start
    std::vector<gr_complex> d_pending; // a PLFRAME that did not fit the output buffer
    size_t d_pending_len = 0;
    size_t d_pending_pos = 0;
    ::dualsat::PlFrameInfo d_pending_info;
    std::atomic<uint64_t> d_bad_modcod{ 0 }, d_bad_pdu{ 0 }, d_work_errors{ 0 };
    const pmt::pmt_t d_sym_normal, d_sym_short; // the "frame" values
    std::array<pmt::pmt_t, 29> d_modcod_names; // "dummy", then MODCOD 1..28
};

} // namespace dualsat
} // namespace gr
