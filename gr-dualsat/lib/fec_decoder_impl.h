// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/rx/fec_receiver.h>
#include <dualsat/rx/fec_worker_pool.h>
#include <gnuradio/block_detail.h>
#include <gnuradio/dualsat/fec_decoder.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace gr {
namespace dualsat {

class fec_decoder_impl : public fec_decoder
{
public:
    fec_decoder_impl(int threads, int max_iterations, bool drop_ts_crc_errors, int queue_frames,
                     float llr_scale);
    ~fec_decoder_impl() override;

    ::dualsat::FecReceiverCounters counters() const override;
    size_t frames_in_flight() const override;
    uint64_t bad_pdus() const override;

    bool start() override;
    bool stop() override;

    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    void handle_frame(const pmt::pmt_t& msg);
    // Parses a "frames" PDU into d_rx; false (d_rx left as an empty, undecodable frame)
    // if it is not a usable frame PDU.
    bool parse_pdu(const pmt::pmt_t& msg);
    // Delivers every result that is ready, in order. Called from the message handler,
    // general_work and the pool's ready callback (a worker thread).
    void drain();
    void deliver_locked(::dualsat::DecodedBbFrame& frame);

    const ::dualsat::FecReceiverOptions d_options;
    const unsigned d_threads;
    const size_t d_queue_frames;
    const pmt::pmt_t d_port_frames, d_port_pdus, d_port_stats;

    std::shared_ptr<::dualsat::FecWorkerPool> d_pool; // created in start()
    ::dualsat::RxFecFrame d_rx;                       // handler thread only
    uint64_t d_next_counter = 0;                      // handler thread only
    std::atomic<uint64_t> d_bad_pdus{ 0 };

    // Everything below is guarded by d_mutex (the in-order delivery stage).
    mutable std::mutex d_mutex;
    ::dualsat::BbFrameDeframer d_deframer;
    ::dualsat::DecodedBbFrame d_frame;
    ::dualsat::FecOutput d_out;
    std::vector<uint8_t> d_ts; // TS bytes waiting for the stream output
    size_t d_ts_read = 0;
    bool d_ts_enabled = false; // the stream output is connected
    gr::block_detail_sptr d_detail; // to wake the block thread when TS bytes arrive
};

} // namespace dualsat
} // namespace gr
