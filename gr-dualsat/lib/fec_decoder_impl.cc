// SPDX-License-Identifier: GPL-3.0-or-later
#include "fec_decoder_impl.h"

#include <dualsat/core/error.h>
#include <dualsat/mapping/soft_demapper.h>
#include <gnuradio/dualsat/tag_keys.h>
#include <gnuradio/io_signature.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gr {
namespace dualsat {

namespace {

::dualsat::FecReceiverOptions make_options(int max_iterations, bool drop_ts_crc_errors,
                                           float llr_scale)
{
    if (max_iterations < 1)
        throw ::dualsat::ConfigError("fec_decoder: max_iterations must be >= 1");
    ::dualsat::FecReceiverOptions o;
    o.ldpc.max_iterations = max_iterations;
    o.ts_crc_policy = drop_ts_crc_errors ? ::dualsat::TsCrcErrorPolicy::Drop
                                         : ::dualsat::TsCrcErrorPolicy::FlagTei;
    o.llr_steps_per_unit = llr_scale;
    return o;
}

bool pmt_integer(const pmt::pmt_t& v, int64_t& out)
{
    if (pmt::is_integer(v)) {
        out = pmt::to_long(v);
        return true;
    }
    if (pmt::is_uint64(v)) {
        out = static_cast<int64_t>(pmt::to_uint64(v));
        return true;
    }
    if (pmt::is_real(v)) { // e.g. from Python floats
        const double d = pmt::to_double(v);
        if (std::nearbyint(d) != d)
            return false;
        out = static_cast<int64_t>(d);
        return true;
    }
    return false;
}

std::string pmt_text(const pmt::pmt_t& v)
{
    if (pmt::is_symbol(v))
        return pmt::symbol_to_string(v);
    if (pmt::is_u8vector(v)) {
        size_t n = 0;
        const uint8_t* p = pmt::u8vector_elements(v, n);
        return std::string(reinterpret_cast<const char*>(p), n);
    }
    return {};
}

} // namespace

fec_decoder::sptr fec_decoder::make(int threads, int max_iterations, bool drop_ts_crc_errors,
                                    int queue_frames, float llr_scale)
{
    return gnuradio::make_block_sptr<fec_decoder_impl>(threads, max_iterations,
                                                       drop_ts_crc_errors, queue_frames, llr_scale);
}

fec_decoder_impl::fec_decoder_impl(int threads, int max_iterations, bool drop_ts_crc_errors,
                                   int queue_frames, float llr_scale)
    : gr::block("fec_decoder",
                gr::io_signature::make(0, 0, 0),
                gr::io_signature::make(0, 1, sizeof(uint8_t))),
      d_options(make_options(max_iterations, drop_ts_crc_errors, llr_scale)),
      d_threads(threads < 0 ? 0u : static_cast<unsigned>(threads)),
      d_queue_frames(queue_frames < 0 ? 0u : static_cast<size_t>(queue_frames)),
      d_port_frames(pmt_key<msg_ports::frames>()),
      d_port_pdus(pmt_key<msg_ports::pdus>()),
      d_port_stats(pmt_key<msg_ports::stats>()),
      d_deframer(d_options)
{
    if (threads < 0 || queue_frames < 0)
        throw ::dualsat::ConfigError("fec_decoder: threads and queue_frames must be >= 0");
    // Validates the options here rather than at start().
    { ::dualsat::FecFrameDecoder probe(d_options); }
    message_port_register_in(d_port_frames);
    set_msg_handler(d_port_frames, [this](const pmt::pmt_t& msg) { handle_frame(msg); });
    message_port_register_out(d_port_pdus);
    message_port_register_out(d_port_stats);
    // Backstop for waking general_work when TS bytes arrive (see drain()).
    set_blkd_input_timer_value(20);
}

fec_decoder_impl::~fec_decoder_impl()
{
    if (d_pool)
        d_pool->shutdown();
}

bool fec_decoder_impl::start()
{
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_detail = detail();
        d_ts_enabled = d_detail && d_detail->noutputs() > 0;
    }
    // A fresh pool per run (a stopped pool cannot be restarted); the deframer state goes on.
    if (d_pool)
        d_pool->shutdown();
    auto pool = std::make_shared<::dualsat::FecWorkerPool>(d_options, d_threads, d_queue_frames);
    pool->set_ready_callback([this] { drain(); });
    d_pool = std::move(pool);
    return block::start();
}

bool fec_decoder_impl::stop()
{
    // Frames still being decoded are discarded; workers are joined before returning, so
    // no callback runs after this.
    if (d_pool)
        d_pool->shutdown();
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_detail.reset();
    }
    return block::stop();
}

::dualsat::FecReceiverCounters fec_decoder_impl::counters() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_deframer.counters();
}

size_t fec_decoder_impl::frames_in_flight() const
{
    auto pool = d_pool;
    return pool ? pool->in_flight() : 0;
}

uint64_t fec_decoder_impl::bad_pdus() const { return d_bad_pdus.load(); }

bool fec_decoder_impl::parse_pdu(const pmt::pmt_t& msg)
{
    d_rx.symbols.clear();
    d_rx.format = ::dualsat::FrameFormat{};
    d_rx.noise_variance = 0.0f; // an undecodable frame unless everything below is right
    d_rx.frame_counter = d_next_counter;
    if (!pmt::is_pair(msg))
        return false;
    const pmt::pmt_t meta = pmt::car(msg);
    const pmt::pmt_t data = pmt::cdr(msg);
    if (!pmt::is_dict(meta) || !pmt::is_c32vector(data))
        return false;

    int64_t counter = 0;
    const pmt::pmt_t frame_counter =
        pmt::dict_ref(meta, pmt_key<dict_keys::frame_counter>(), pmt::PMT_NIL);
    if (pmt_integer(frame_counter, counter) && counter >= 0)
        d_rx.frame_counter = static_cast<uint64_t>(counter);

    try {
        const pmt::pmt_t mc = pmt::dict_ref(meta, pmt_key<dict_keys::modcod>(), pmt::PMT_NIL);
        int64_t number = 0;
        if (pmt_integer(mc, number)) {
            if (number < 1 || number > 28)
                return false;
            d_rx.format.modcod = ::dualsat::modcod_from_number(static_cast<int>(number));
        } else if (!pmt_text(mc).empty()) {
            d_rx.format.modcod = ::dualsat::parse_modcod(pmt_text(mc));
        } else {
            return false;
        }
        const pmt::pmt_t fr = pmt::dict_ref(meta, pmt_key<dict_keys::frame>(), pmt::PMT_NIL);
        int64_t fnum = 0;
        if (pmt::is_null(fr))
            d_rx.format.frame = ::dualsat::FrameSize::Normal;
        else if (pmt_integer(fr, fnum)) {
            if (fnum == 0 || fnum == 64800)
                d_rx.format.frame = ::dualsat::FrameSize::Normal;
            else if (fnum == 1 || fnum == 16200)
                d_rx.format.frame = ::dualsat::FrameSize::Short;
            else
                return false;
        } else
            d_rx.format.frame = ::dualsat::parse_frame_size(pmt_text(fr));
    } catch (const ::dualsat::Error&) {
        return false;
    }
    const pmt::pmt_t pilots = pmt::dict_ref(meta, pmt_key<dict_keys::pilots>(), pmt::PMT_F);
    d_rx.format.pilots = pmt::is_bool(pilots) && pmt::to_bool(pilots);

    const pmt::pmt_t nv = pmt::dict_ref(meta, pmt_key<dict_keys::noise_var>(), pmt::PMT_NIL);
    const pmt::pmt_t esn0 = pmt::dict_ref(meta, pmt_key<dict_keys::esn0_db>(), pmt::PMT_NIL);
    if (pmt::is_number(nv) && !pmt::is_complex(nv))
        d_rx.noise_variance = static_cast<float>(pmt::to_double(nv));
    else if (pmt::is_number(esn0) && !pmt::is_complex(esn0))
        d_rx.noise_variance = static_cast<float>(std::pow(10.0, -pmt::to_double(esn0) / 10.0));
    else
        return false;

    size_t n = 0;
    const gr_complex* sym = pmt::c32vector_elements(data, n);
    d_rx.symbols.assign(sym, sym + n);
    return true;
}

void fec_decoder_impl::handle_frame(const pmt::pmt_t& msg)
{
    auto pool = d_pool;
    if (!pool)
        return;
    if (!parse_pdu(msg)) {
        ++d_bad_pdus;
        // Still goes through the pool (as an undecodable frame) so that it is counted and
        // the deframers learn about the gap at the right place in the frame order.
        d_rx.symbols.clear();
        d_rx.noise_variance = 0.0f;
    }
    d_next_counter = d_rx.frame_counter + 1;
    try {
        pool->submit(d_rx); // blocks while the pool is full; the ready callback drains it
    } catch (const ::dualsat::Error&) {
        return; // stopped
    }
    drain();
}

void fec_decoder_impl::drain()
{
    auto pool = d_pool;
    if (!pool)
        return;
    bool ts_added = false;
    gr::block_detail_sptr wake;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        const size_t ts_before = d_ts.size();
        while (pool->try_pop(d_frame))
            deliver_locked(d_frame);
        ts_added = d_ts.size() != ts_before;
        wake = d_detail;
    }
    if (ts_added && wake)
        wake->d_tpb.notify_msg(); // wakes the block thread blocked waiting for input
}

void fec_decoder_impl::deliver_locked(::dualsat::DecodedBbFrame& frame)
{
    d_out.clear();
    const ::dualsat::FecFrameStats& st = d_deframer.process(frame, d_out);

    if (d_ts_enabled && !d_out.ts.empty()) {
        if (d_ts_read > 0 && d_ts_read >= d_ts.size() / 2) { // compact
            d_ts.erase(d_ts.begin(), d_ts.begin() + static_cast<ptrdiff_t>(d_ts_read));
            d_ts_read = 0;
        }
        d_ts.insert(d_ts.end(), d_out.ts.begin(), d_out.ts.end());
    }

    for (size_t i = 0; i < d_out.pdus.size(); ++i) {
        const ::dualsat::GsePduView v = d_out.pdus[i];
        pmt::pmt_t meta = pmt::make_dict();
        auto add = [&meta](const pmt::pmt_t& key, const pmt::pmt_t& value) {
            meta = pmt::dict_add(meta, key, value);
        };
        add(pmt_key<dict_keys::protocol_type>(), pmt::from_long(v.protocol_type));
        add(pmt_key<dict_keys::fragmented>(), pmt::from_bool(v.fragmented));
        add(pmt_key<dict_keys::frame_counter>(), pmt::from_uint64(st.frame_counter));
        if (v.label.size() > 0)
            add(pmt_key<dict_keys::label>(),
                pmt::init_u8vector(v.label.size(), v.label.bytes.data()));
        message_port_pub(d_port_pdus, pmt::cons(meta, pmt::init_u8vector(v.size, v.data)));
    }

    pmt::pmt_t s = pmt::make_dict();
    auto add = [&s](const pmt::pmt_t& key, const pmt::pmt_t& value) {
        s = pmt::dict_add(s, key, value);
    };
    const bool valid_format = ::dualsat::modcod_valid(st.format.modcod);
    add(pmt_key<dict_keys::frame_counter>(), pmt::from_uint64(st.frame_counter));
    add(pmt_key<dict_keys::modcod>(),
        pmt::from_long(valid_format ? ::dualsat::modcod_number(st.format.modcod) : 0));
    add(pmt_key<dict_keys::modcod_name>(),
        pmt::mp(valid_format ? ::dualsat::to_string(st.format.modcod) : "?"));
    add(pmt_key<dict_keys::frame>(), pmt::mp(::dualsat::to_string(st.format.frame)));
    add(pmt_key<dict_keys::pilots>(), pmt::from_bool(st.format.pilots));
    add(pmt_key<dict_keys::status>(), pmt::mp(::dualsat::to_string(st.status)));
    add(pmt_key<dict_keys::ldpc_iterations>(), pmt::from_long(st.ldpc_iterations));
    add(pmt_key<dict_keys::ldpc_converged>(), pmt::from_bool(st.ldpc_converged));
    add(pmt_key<dict_keys::bch_corrected>(), pmt::from_long(st.bch_corrected));
    add(pmt_key<dict_keys::bch_failure>(), pmt::from_bool(st.bch_failure));
    add(pmt_key<dict_keys::bbheader_ok>(), pmt::from_bool(st.bbheader_ok));
    add(pmt_key<dict_keys::esn0_db>(), pmt::from_double(static_cast<double>(st.esn0_db)));
    add(pmt_key<dict_keys::erased_symbols>(), pmt::from_long(st.erased_symbols));
    add(pmt_key<dict_keys::packets>(), pmt::from_long(st.packets_out));
    add(pmt_key<dict_keys::crc_failures>(), pmt::from_long(st.crc_failures));
    message_port_pub(d_port_stats, s);
}

int fec_decoder_impl::general_work(int noutput_items,
                                   gr_vector_int& /*ninput_items*/,
                                   gr_vector_const_void_star& /*input_items*/,
                                   gr_vector_void_star& output_items)
{
    drain();
    if (output_items.empty())
        return 0;
    std::lock_guard<std::mutex> lock(d_mutex);
    const size_t avail = d_ts.size() - d_ts_read;
    const size_t n = std::min(avail, static_cast<size_t>(noutput_items));
    if (n > 0) {
        std::memcpy(output_items[0], d_ts.data() + d_ts_read, n);
        d_ts_read += n;
        if (d_ts_read == d_ts.size()) {
            d_ts.clear();
            d_ts_read = 0;
        }
    }
    return static_cast<int>(n);
}

} // namespace dualsat
} // namespace gr
