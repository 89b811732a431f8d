// SPDX-License-Identifier: GPL-3.0-or-later
#include "rx_cb_impl.h"

#include <dualsat/core/error.h>
#include <dualsat/core/thread_scheduling.h>
#include <dualsat/framing/ts_adaptation.h>
#include <gnuradio/dualsat/tag_keys.h>
#include <gnuradio/block_detail.h>
#include <gnuradio/buffer_reader.h>
#include <gnuradio/io_signature.h>

#include <algorithm>
#include <exception>
#include <string>

namespace gr {
namespace dualsat {

namespace {

// Input kept back while more keeps coming when the FEC runs on a pool: frames stay in
// flight across calls; once the stream has ended (the upstream block is done), a call
// takes what is left and waits for every frame in flight.
constexpr int kPoolTailSamples = 512;
// TS bytes buffered for the output before the block stops taking input.
constexpr size_t kMaxBacklogBytes = 1u << 20;
// Input per Receiver call (bounds the latency of one work() call).
constexpr int kMaxChunk = 1 << 16;
// See the constructor: an input buffer of at least 2 * kInputHistory samples.
constexpr unsigned kInputHistory = 1u << 16;

::dualsat::ReceiverConfig make_config(double symbol_rate, double sample_rate, double rolloff,
                                      int gold_code, int fec_threads, bool afc,
                                      const std::shared_ptr<protected_parts>& protection)
{
    if (gold_code < 0 || static_cast<uint32_t>(gold_code) > ::dualsat::GoldScrambling::kMaxCode)
        throw ::dualsat::ConfigError("PL scrambling Gold code " + std::to_string(gold_code) +
                                     " is outside 0..262141");
    if (fec_threads < 0 || fec_threads > 64)
        throw ::dualsat::ConfigError("fec_threads must be in 0..64");
    ::dualsat::ReceiverConfig c;
    c.symbol_rate = symbol_rate;
    c.sample_rate = sample_rate;
    c.rolloff = rolloff;
    c.gold_code = static_cast<uint32_t>(gold_code);
    c.fec_threads = static_cast<unsigned>(fec_threads);
    c.frontend_thread = fec_threads >= 2; // asked for more than one core: pipeline it all
    c.afc = afc;
    if (protection) {
        c.parts.pl_header = protection->pl.header;
        c.parts.pl_scrambling = protection->pl.scrambling;
        c.parts.bbframe_opener = protection->opener;
        // A fixed-format protected link never changes format and sends no dummy frames:
        // in lock, a header that decodes to another format is a miss, not a new length
        // (FrameSyncConfig::fixed_format). Under a hopping jammer a header whose PLSC
        // fell in an erased dwell otherwise set a wrong frame length and broke the chain.
        c.symbols.sync.fixed_format = protection->config.fixed_format;
        if (pl_time_indexed(*protection))
            c.symbols.sync.counter_window = protection->config.pl_search_window;
        c.fec.codeword_interleaving = protection->config.codeword_interleaving;
    }
    return c;
}

const char* label_type_name(::dualsat::GseLabelType t)
{
    switch (t) {
    case ::dualsat::GseLabelType::SixByte:
        return "six_byte";
    case ::dualsat::GseLabelType::ThreeByte:
        return "three_byte";
    case ::dualsat::GseLabelType::Broadcast:
        return "broadcast";
    case ::dualsat::GseLabelType::ReUse:
        break;
    }
    return "reuse";
}

} // namespace

rx_cb::sptr rx_cb::make(double symbol_rate, double sample_rate, double rolloff, int gold_code,
                        int fec_threads, bool afc)
{
    return gnuradio::make_block_sptr<rx_cb_impl>(symbol_rate, sample_rate, rolloff, gold_code,
                                                 fec_threads, afc);
}

rx_cb::sptr rx_cb::make_protected(double symbol_rate, double sample_rate, double rolloff,
                                  int gold_code, int fec_threads, bool afc,
                                  const protection_config& protection)
{
    return gnuradio::make_block_sptr<rx_cb_impl>(symbol_rate, sample_rate, rolloff, gold_code,
                                                 fec_threads, afc,
                                                 make_protected_parts(protection, false));
}

rx_cb_impl::rx_cb_impl(double symbol_rate, double sample_rate, double rolloff, int gold_code,
                       int fec_threads, bool afc, std::shared_ptr<protected_parts> protection)
    : gr::block(protection ? "rx_protected_cb" : "rx_cb",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                gr::io_signature::make(1, 1, sizeof(uint8_t))),
      d_protect(std::move(protection)),
      d_rx(make_config(symbol_rate, sample_rate, rolloff, gold_code, fec_threads, afc, d_protect)),
      d_symbol_rate(symbol_rate),
      d_sps(sample_rate / symbol_rate),
      d_port_pdus(pmt_key<msg_ports::pdus>()),
      d_port_stats(pmt_key<msg_ports::stats>())
{
    message_port_register_out(d_port_pdus);
    message_port_register_out(d_port_stats);
    set_tag_propagation_policy(TPP_DONT);
    // Big batches, few wake-ups. GNU Radio sizes the buffer feeding a block to at least
    // twice its history (flat_flowgraph::allocate_buffer); the default, 32 KiB, is 4096
    // samples: at 60 MS/s the source and this block would hand over 15 000 times a
    // second, and in one measurement that cost 45 % more CPU than the receiver itself
    // (tests/bench/bench_realtime.py, issue 14). A history of kInputHistory makes the
    // buffer 1 MiB; the history itself is skipped (work() starts at the newest
    // kInputHistory - 1 items' end), so it costs nothing but the memory, and a call still
    // takes whatever new input there is: no latency is added. (A decimation would give the
    // same buffer, but GNU Radio then waits for input x rate >= one output item, i.e. a
    // buffer's worth, before it calls the block: latency, and a stall at a stream's end.)
    set_history(kInputHistory);
    set_output_multiple(static_cast<int>(::dualsat::kTsPacketBytes));
}

void rx_cb_impl::predict_counter()
{
    // Keyed sequences that never repeat: the transmitter's counter for the sample at hand,
    // from the time base. Sample counter: frame 0 at our first sample, once. UTC: the
    // frame due now (minus the path delay) at the newest sample, again at every call while
    // the receiver searches, because samples need not arrive at their rate: a ZeroMQ or
    // file source may start late, stall or burst, and only the arrival time (not our
    // sample count) then tells which frame is on the air. In lock the receiver counts.
    const auto& pc = d_protect->config;
    const bool utc = pc.pl_time_base == ::dualsat::PlTimeBase::Utc;
    if (d_hint_set && (!utc || d_rx.symbol_receiver().state() == ::dualsat::SyncState::Locked))
        return;
    const uint64_t hint = ::dualsat::receiver_counter_hint(
        pc.pl_time_base, ::dualsat::realtime_ns(), pc.pl_path_delay_s, pc.pl_frame_symbols, d_symbol_rate);
    const auto at_symbol = static_cast<uint64_t>(static_cast<double>(d_samples_in) / d_sps);
    d_rx.set_acquisition_counter_hint(hint, at_symbol, pc.pl_frame_symbols);
    d_hint_set = true;
}

::dualsat::ReceiverStatus rx_cb_impl::status() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_rx.status();
}
bool rx_cb_impl::locked() const { return status().locked; }
uint64_t rx_cb_impl::frames() const { return status().frames; }
uint64_t rx_cb_impl::frames_ok() const { return status().frames_ok; }
uint64_t rx_cb_impl::fec_failures() const { return status().fec_failures; }
uint64_t rx_cb_impl::ts_packets() const { return status().ts_packets; }
uint64_t rx_cb_impl::gse_pdus() const { return status().gse_pdus; }
uint64_t rx_cb_impl::lock_losses() const { return status().lock_losses; }
uint64_t rx_cb_impl::acquisitions() const { return status().acquisitions; }
double rx_cb_impl::esn0_db() const { return status().esn0_db; }
double rx_cb_impl::cfo_hz() const { return status().cfo_hz; }
uint64_t rx_cb_impl::work_errors() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_work_errors;
}

bool rx_cb_impl::reload_keys() { return reload_keys_with(nullptr); }

bool rx_cb_impl::reload_keys(const ::dualsat::KeyMaterial& material) { return reload_keys_with(&material); }

bool rx_cb_impl::reload_keys_with(const ::dualsat::KeyMaterial* material)
{
    if (!d_protect)
        throw ::dualsat::ConfigError("reload_keys: the civil receiver has no keys");
    ::dualsat::KeyedPlSequences pl;
    // d_mutex: work() runs the receiver under it, so the sequences change between calls.
    std::lock_guard<std::mutex> lock(d_mutex);
    if (!(material ? reload_key_material(*d_protect, *material, &pl) : reload_key_file(*d_protect, &pl)))
        return false;
    if (pl.header)
        d_rx.set_pl_sequences(pl.header, pl.scrambling);
    return true;
}

void rx_cb_impl::set_epoch(int64_t epoch)
{
    if (!d_protect)
        throw ::dualsat::ConfigError("set_epoch: the civil receiver has no epochs");
    command_epoch(*d_protect, epoch);
}

protection_status rx_cb_impl::protection() const
{
    if (!d_protect)
        return {};
    protection_status s = static_status(*d_protect);
    if (d_protect->opener) {
        const ::dualsat::FrameOpenerCounters c = d_protect->opener->counters(); // any thread
        s.opened = c.opened;
        s.malformed = c.malformed;
        s.unknown_key = c.unknown_key;
        s.stale_epoch = c.stale_epoch;
        s.replayed = c.replayed;
        s.auth_failed = c.auth_failed;
    }
    return s;
}

void rx_cb_impl::set_input_tap(input_tap tap)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_input_tap = std::move(tap);
}

void rx_cb_impl::set_frame_observer(frame_observer observer)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_frame_observer = std::move(observer);
}

void rx_cb_impl::set_symbol_tap(::dualsat::Receiver::SymbolTap tap)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_rx.set_symbol_tap(std::move(tap));
}

bool rx_cb_impl::pooled() const { return d_rx.config().fec_threads >= 2; }

bool rx_cb_impl::stream_ended() const { return detail() && detail()->input(0)->done(); }

void rx_cb_impl::forecast(int, gr_vector_int& ninput_items_required)
{
    // Variable rate: bytes waiting in the FIFO need no input. Otherwise (the history's
    // kInputHistory - 1 items are old ones, see the constructor) any new input helps,
    // except with the FEC on a pool while the stream goes on: then more than the
    // kPoolTailSamples it keeps back, so that GNU Radio waits for input instead of
    // calling the block again and again on the tail alone (a busy loop at low rates).
    std::lock_guard<std::mutex> lock(d_mutex);
    const int fresh = pooled() && !stream_ended() ? kPoolTailSamples + 1 : 1;
    ninput_items_required[0] = backlog() > 0 ? 0 : static_cast<int>(kInputHistory) - 1 + fresh;
}

void rx_cb_impl::publish()
{
    d_fifo.insert(d_fifo.end(), d_out.data.ts.begin(), d_out.data.ts.end());
    const ::dualsat::GsePduBatch& pdus = d_out.data.pdus;
    for (size_t i = 0; i < pdus.size(); ++i) {
        const ::dualsat::GsePduView p = pdus[i];
        pmt::pmt_t meta = pmt::make_dict();
        auto add = [&meta](const pmt::pmt_t& key, const pmt::pmt_t& value) {
            meta = pmt::dict_add(meta, key, value);
        };
        add(pmt_key<dict_keys::protocol_type>(), pmt::from_long(p.protocol_type));
        add(pmt_key<dict_keys::label_type>(), pmt::mp(label_type_name(p.label.type)));
        add(pmt_key<dict_keys::label>(), pmt::init_u8vector(p.label.size(), p.label.bytes.data()));
        add(pmt_key<dict_keys::fragmented>(), pmt::from_bool(p.fragmented));
        message_port_pub(d_port_pdus, pmt::cons(meta, pmt::init_u8vector(p.size, p.data)));
    }
    if (d_frame_observer && (!d_out.frames.empty() || !d_out.dummy_frames.empty()))
        d_frame_observer(d_out.frames, d_out.dummy_frames);
    // Nobody listening (a flowgraph without a stats consumer, the daemon): no dicts.
    if (pmt::is_null(message_subscribers(d_port_stats))) {
        d_out.clear();
        return;
    }
    for (const ::dualsat::ReceiverFrameStats& f : d_out.frames) {
        pmt::pmt_t d = pmt::make_dict();
        auto add = [&d](const pmt::pmt_t& key, const pmt::pmt_t& value) {
            d = pmt::dict_add(d, key, value);
        };
        const ::dualsat::FecFrameStats& fec = f.fec;
        add(pmt_key<dict_keys::modcod>(),
            pmt::from_long(::dualsat::modcod_number(fec.format.modcod)));
        add(pmt_key<dict_keys::modcod_name>(), pmt::mp(::dualsat::to_string(fec.format.modcod)));
        add(pmt_key<dict_keys::frame>(), pmt::mp(::dualsat::to_string(fec.format.frame)));
        add(pmt_key<dict_keys::pilots>(), pmt::from_bool(fec.format.pilots));
        add(pmt_key<dict_keys::frame_counter>(), pmt::from_uint64(fec.frame_counter));
        add(pmt_key<dict_keys::status>(), pmt::mp(::dualsat::to_string(fec.status)));
        add(pmt_key<dict_keys::ok>(), pmt::from_bool(fec.status == ::dualsat::FecFrameStatus::Ok));
        add(pmt_key<dict_keys::ldpc_iterations>(), pmt::from_long(fec.ldpc_iterations));
        add(pmt_key<dict_keys::bch_corrected>(), pmt::from_long(fec.bch_corrected));
        add(pmt_key<dict_keys::packets>(), pmt::from_long(fec.packets_out));
        add(pmt_key<dict_keys::esn0_db>(), pmt::from_double(f.esn0_db));
        add(pmt_key<dict_keys::esn0_var_db2>(), pmt::from_double(f.esn0_var_db2));
        add(pmt_key<dict_keys::start_symbol>(), pmt::from_uint64(f.start_symbol));
        add(pmt_key<dict_keys::cfo_hz>(), pmt::from_double(f.cfo_hz));
        add(pmt_key<dict_keys::header_confirmed>(), pmt::from_bool(f.header_confirmed));
        message_port_pub(d_port_stats, d);
    }
    // Idle frames: a measurement only (no modcod / status keys), for link-quality reports.
    for (const ::dualsat::ReceiverDummyFrame& f : d_out.dummy_frames) {
        pmt::pmt_t d = pmt::make_dict();
        d = pmt::dict_add(d, pmt_key<dict_keys::dummy>(), pmt::PMT_T);
        d = pmt::dict_add(d, pmt_key<dict_keys::esn0_db>(), pmt::from_double(f.esn0_db));
        d = pmt::dict_add(d, pmt_key<dict_keys::esn0_var_db2>(), pmt::from_double(f.esn0_var_db2));
        d = pmt::dict_add(d, pmt_key<dict_keys::start_symbol>(), pmt::from_uint64(f.start_symbol));
        message_port_pub(d_port_stats, d);
    }
    d_out.clear();
}

int rx_cb_impl::general_work(int noutput_items,
                             gr_vector_int& ninput_items,
                             gr_vector_const_void_star& input_items,
                             gr_vector_void_star& output_items)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    if (!d_thread_scheduled) {
        // This thread is the receiver's symbol side, one stage of its pipeline: under
        // SCHED_BATCH like the library's own threads (dualsat/core/thread_scheduling.h).
        // Left under the default policy, each symbol block the front-end thread hands over
        // woke it into preempting that thread: in a plain flowgraph the block made 82 % of
        // the library's throughput once the library's threads were batch threads.
        d_thread_scheduled = true;
        if (d_rx.config().batch_threads)
            ::dualsat::set_batch_scheduling();
    }
    // The first kInputHistory - 1 items are history (already consumed): skipped.
    const auto* in = static_cast<const gr_complex*>(input_items[0]) + (kInputHistory - 1);
    auto* out = static_cast<uint8_t*>(output_items[0]);
    int consumed = 0;
    const int available = std::max(0, ninput_items[0] - static_cast<int>(kInputHistory - 1));
    if (backlog() < kMaxBacklogBytes && available > 0) {
        int take = available;
        bool drain = false;
        if (pooled()) {
            if (available > kPoolTailSamples) {
                take = available - kPoolTailSamples; // more is coming: keep frames in flight
            } else if (stream_ended()) {
                drain = true; // the end of the stream: take it all, finish every frame
            } else {
                // Only the tail (the output had room again): wait for more input. Draining
                // the pipeline here, as this did, left the front-end thread idle on every
                // other call, since GNU Radio calls a block again at once after progress
                // (issue 14); forecast() asks for more than the tail in this state.
                take = 0;
            }
        }
        take = std::min(take, kMaxChunk);
        try {
            if (take > 0 && d_protect && pl_time_indexed(*d_protect))
                predict_counter();
            if (take > 0 && d_input_tap)
                d_input_tap(in, static_cast<size_t>(take));
            if (take > 0)
                d_rx.process(in, static_cast<size_t>(take), d_out);
            d_samples_in += static_cast<uint64_t>(take);
            if (drain)
                d_rx.flush(d_out);
        } catch (const std::exception& e) {
            if (d_work_errors++ % 1000 == 0)
                d_logger->error("receiver error (input skipped, {} so far): {}", d_work_errors, e.what());
        }
        consumed = take;
        publish();
    }
    const size_t n = std::min(backlog(), static_cast<size_t>(noutput_items));
    std::copy(d_fifo.begin() + static_cast<long>(d_fifo_pos),
              d_fifo.begin() + static_cast<long>(d_fifo_pos + n), out);
    d_fifo_pos += n;
    if (d_fifo_pos == d_fifo.size()) {
        d_fifo.clear();
        d_fifo_pos = 0;
    } else if (d_fifo_pos > (1u << 16)) {
        d_fifo.erase(d_fifo.begin(), d_fifo.begin() + static_cast<long>(d_fifo_pos));
        d_fifo_pos = 0;
    }
    consume_each(consumed);
    return static_cast<int>(n);
}

} // namespace dualsat
} // namespace gr
