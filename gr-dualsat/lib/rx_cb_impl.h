// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/rx/receiver.h>
#include "protected_parts.h"

#include <gnuradio/dualsat/rx_cb.h>
#include <pmt/pmt.h>

#include <memory>
#include <mutex>
#include <vector>

namespace gr {
namespace dualsat {

class rx_cb_impl : public rx_cb
{
public:
    rx_cb_impl(double symbol_rate, double sample_rate, double rolloff, int gold_code,
               int fec_threads, bool afc, std::shared_ptr<protected_parts> protection = nullptr);

    ::dualsat::ReceiverStatus status() const override;
    bool locked() const override;
    uint64_t frames() const override;
    uint64_t frames_ok() const override;
    uint64_t fec_failures() const override;
    uint64_t ts_packets() const override;
    uint64_t gse_pdus() const override;
    uint64_t lock_losses() const override;
    uint64_t acquisitions() const override;
    double esn0_db() const override;
    double cfo_hz() const override;
    uint64_t work_errors() const override;
    void set_symbol_tap(::dualsat::Receiver::SymbolTap tap) override;
    void set_input_tap(input_tap tap) override;
    void set_frame_observer(frame_observer observer) override;
    protection_status protection() const override;
    bool reload_keys() override;
    bool reload_keys(const ::dualsat::KeyMaterial& material) override;
    void set_epoch(int64_t epoch) override;

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    void publish(); // d_out -> byte FIFO, PDUs, stats messages
    void predict_counter(); // d_mutex held
    bool reload_keys_with(const ::dualsat::KeyMaterial* material); // null: read the file
    size_t backlog() const { return d_fifo.size() - d_fifo_pos; }
    // The FEC runs on a pool: frames stay in flight across calls, a tail of input is kept
    // back while more comes.
    bool pooled() const;
    // The upstream block is done: no more input will come.
    bool stream_ended() const;

    mutable std::mutex d_mutex;
    const std::shared_ptr<protected_parts> d_protect; // null: civil
    ::dualsat::Receiver d_rx;
    const double d_symbol_rate;
    const double d_sps;
    uint64_t d_samples_in = 0; // given to the receiver
    input_tap d_input_tap;     // d_mutex
    frame_observer d_frame_observer; // d_mutex
    bool d_thread_scheduled = false; // this block's thread put under SCHED_BATCH (first call)
    bool d_hint_set = false; // keyed sequences that never repeat: the prediction is given
    ::dualsat::ReceiverOutput d_out;
    std::vector<uint8_t> d_fifo; // TS bytes waiting for output room
    size_t d_fifo_pos = 0;
    uint64_t d_work_errors = 0;
    const pmt::pmt_t d_port_pdus;
    const pmt::pmt_t d_port_stats;
};

} // namespace dualsat
} // namespace gr
