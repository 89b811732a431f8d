// SPDX-License-Identifier: GPL-3.0-or-later
#include "tx_bc_impl.h"

#include <dualsat/core/error.h>
#include <gnuradio/dualsat/tag_keys.h>
#include <gnuradio/io_signature.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <string>
#include <thread>

namespace gr {
namespace dualsat {
namespace {

::dualsat::TransmitterConfig make_config(::dualsat::TxInputMode input,
                                         ::dualsat::FrameSize frame,
                                         ::dualsat::CodeRate rate,
                                         ::dualsat::Modulation constellation,
                                         bool pilots,
                                         ::dualsat::RollOff rolloff,
                                         int gold_code,
                                         bool ccm,
                                         ::dualsat::IdlePolicy idle,
                                         int workers)
{
    if (gold_code < 0 || static_cast<uint32_t>(gold_code) > ::dualsat::GoldScrambling::kMaxCode)
        throw ::dualsat::ConfigError("PL scrambling Gold code " + std::to_string(gold_code) +
                                     " is outside 0..262141");
    ::dualsat::rolloff_value(rolloff); // ConfigError on an invalid value
    ::dualsat::TransmitterConfig c;
    c.input = input;
    c.format = { { constellation, rate }, frame, pilots };
    c.rolloff = rolloff;
    c.gold_code = static_cast<uint32_t>(gold_code);
    c.ccm = ccm;
    c.idle = idle;
    c.workers = workers; // ConfigError from the transmitter if out of range
    // On air the queue adds latency: a few normal frames' worth is plenty, since the
    // block only takes what the next frame needs.
    c.ts_queue_packets = 256;
    return c;
}

::dualsat::ModCod modcod_from_pmt(const pmt::pmt_t& v)
{
    if (pmt::is_integer(v))
        return ::dualsat::modcod_from_number(static_cast<int>(pmt::to_long(v)));
    if (pmt::is_symbol(v))
        return ::dualsat::parse_modcod(pmt::symbol_to_string(v));
    throw ::dualsat::ConfigError("\"modcod\" must be an int 1..28 or a name like \"8PSK 3/5\"");
}

} // namespace

tx_bc::sptr tx_bc::make(::dualsat::TxInputMode input,
                        ::dualsat::FrameSize frame,
                        ::dualsat::CodeRate rate,
                        ::dualsat::Modulation constellation,
                        bool pilots,
                        ::dualsat::RollOff rolloff,
                        int gold_code,
                        bool ccm,
                        ::dualsat::IdlePolicy idle,
                        int workers)
{
    return gnuradio::make_block_sptr<tx_bc_impl>(make_config(
        input, frame, rate, constellation, pilots, rolloff, gold_code, ccm, idle, workers));
}

tx_bc::sptr tx_bc::make_protected(::dualsat::TxInputMode input,
                                  ::dualsat::FrameSize frame,
                                  ::dualsat::CodeRate rate,
                                  ::dualsat::Modulation constellation,
                                  bool pilots,
                                  ::dualsat::RollOff rolloff,
                                  int gold_code,
                                  bool ccm,
                                  int workers,
                                  const protection_config& protection)
{
    // Constant rate: idle frames are sealed (or keyed-scrambled) empty data frames.
    ::dualsat::TransmitterConfig c =
        make_config(input, frame, rate, constellation, pilots, rolloff, gold_code, ccm,
                    ::dualsat::IdlePolicy::SealedFill, workers);
    c.codeword_interleaving = protection.codeword_interleaving;
    return gnuradio::make_block_sptr<tx_bc_impl>(c, make_protected_parts(protection, true));
}

namespace {

::dualsat::TransmitterParts transmitter_parts(const std::shared_ptr<protected_parts>& p)
{
    ::dualsat::TransmitterParts parts;
    if (p) {
        parts.pl_header = p->pl.header;
        parts.pl_scrambling = p->pl.scrambling;
        parts.bbframe_transform = p->sealer;
    }
    return parts;
}

} // namespace

tx_bc_impl::tx_bc_impl(const ::dualsat::TransmitterConfig& config,
                       std::shared_ptr<protected_parts> protection)
    : gr::block(protection ? "tx_protected_bc" : "tx_bc",
                config.input == ::dualsat::TxInputMode::TransportStream
                    ? gr::io_signature::make(1, 1, sizeof(uint8_t))
                    : gr::io_signature::make(0, 0, 0),
                gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_ts(config.input == ::dualsat::TxInputMode::TransportStream),
      d_wait(config.idle == ::dualsat::IdlePolicy::Wait),
      d_protect(std::move(protection)),
      d_fixed_format(d_protect && d_protect->config.fixed_format),
      d_tx(config, transmitter_parts(d_protect)),
      d_pending(::dualsat::Transmitter::kMaxFrameSymbols),
      d_sym_normal(pmt::intern(::dualsat::to_string(::dualsat::FrameSize::Normal))),
      d_sym_short(pmt::intern(::dualsat::to_string(::dualsat::FrameSize::Short)))
{
    // Interned once: pmt::intern takes a global lock and hashes, per frame it would not.
    d_modcod_names[0] = pmt::intern("dummy");
    for (int n = 1; n <= 28; ++n)
        d_modcod_names[static_cast<size_t>(n)] =
            pmt::intern(::dualsat::to_string(::dualsat::modcod_from_number(n)));
    // Room for four whole PLFRAMEs, so that each work() call starts several frames for
    // the encoding threads and the scheduler's round trips (a few context switches per
    // call) are shared by several frames; frames are normally written straight into the
    // buffer (a smaller buffer still works, through d_pending). With a rate-limited sink
    // this is also how far (in symbols) the output may run ahead of the air.
    set_min_output_buffer(0, 4 * ::dualsat::Transmitter::kMaxFrameSymbols);
    set_tag_propagation_policy(TPP_DONT);
    message_port_register_in(pmt_key<msg_ports::modcod>());
    set_msg_handler(pmt_key<msg_ports::modcod>(),
                    [this](const pmt::pmt_t& msg) { handle_modcod(msg); });
    message_port_register_in(pmt_key<msg_ports::pdus>());
    set_msg_handler(pmt_key<msg_ports::pdus>(), [this](const pmt::pmt_t& msg) { handle_pdu(msg); });
    update_protection_status();
}

void tx_bc_impl::set_format(const ::dualsat::FrameFormat& format)
{
    if (d_fixed_format && format != d_tx.next_format())
        throw ::dualsat::ConfigError("the protected transmitter has a fixed format "
                                     "(fixed_format): format changes would show the link state");
    d_tx.set_next_format(format);
}

bool tx_bc_impl::start()
{
    // Keyed sequences that never repeat: the first frame's counter from the time base, read
    // when the stream starts (at construction it would lag by the flowgraph's set-up).
    if (d_protect && pl_time_indexed(*d_protect) && !d_counter_started) {
        const auto& pc = d_protect->config;
        d_tx.set_first_frame_counter(::dualsat::transmitter_first_frame_counter(
            pc.pl_time_base, ::dualsat::realtime_ns(), d_tx.config().format.plframe_symbols(),
            pc.symbol_rate));
        d_counter_started = true;
        update_protection_status();
    }
    return gr::block::start();
}

void tx_bc_impl::update_protection_status()
{
    if (!d_protect)
        return;
    protection_status s = static_status(*d_protect);
    if (d_protect->sealer) {
        // FrameSealer::stats() belongs to the thread that seals: this one.
        const ::dualsat::FrameSealerStats st = d_protect->sealer->stats();
        s.frames_sealed = st.frames;
        s.next_counter = st.next_counter;
        s.nonce_reservations = st.reservations;
        s.key_changes = st.key_changes;
        if (st.frames > 0)
            s.epoch = st.epoch;
    }
    std::lock_guard<std::mutex> lock(d_protect_mutex);
    d_protect_status = s;
}

protection_status tx_bc_impl::protection() const
{
    std::lock_guard<std::mutex> lock(d_protect_mutex);
    return d_protect_status;
}

bool tx_bc_impl::reload_keys() { return reload_keys_with(nullptr); }

bool tx_bc_impl::reload_keys(const ::dualsat::KeyMaterial& material) { return reload_keys_with(&material); }

bool tx_bc_impl::reload_keys_with(const ::dualsat::KeyMaterial* material)
{
    if (!d_protect)
        throw ::dualsat::ConfigError("reload_keys: the civil transmitter has no keys");
    ::dualsat::KeyedPlSequences pl;
    std::lock_guard<std::mutex> lock(d_rekey_mutex);
    if (!(material ? reload_key_material(*d_protect, *material, &pl) : reload_key_file(*d_protect, &pl)))
        return false;
    if (pl.header) {
        d_pending_pl = std::move(pl);
        d_have_pending_pl.store(true, std::memory_order_release);
    }
    update_protection_status();
    return true;
}

void tx_bc_impl::set_epoch(int64_t epoch)
{
    if (!d_protect)
        throw ::dualsat::ConfigError("set_epoch: the civil transmitter has no epochs");
    command_epoch(*d_protect, epoch);
}

void tx_bc_impl::handle_modcod(const pmt::pmt_t& msg)
{
    try {
        ::dualsat::FrameFormat f = d_tx.next_format();
        if (pmt::is_dict(msg)) {
            const pmt::pmt_t none = pmt::PMT_NIL;
            const pmt::pmt_t mc = pmt::dict_ref(msg, pmt_key<dict_keys::modcod>(), none);
            const pmt::pmt_t frame = pmt::dict_ref(msg, pmt_key<dict_keys::frame>(), none);
            const pmt::pmt_t pilots = pmt::dict_ref(msg, pmt_key<dict_keys::pilots>(), none);
            if (pmt::is_null(mc) && pmt::is_null(frame) && pmt::is_null(pilots))
                throw ::dualsat::ConfigError("dict has none of the keys modcod, frame, pilots");
            if (!pmt::is_null(mc))
                f.modcod = modcod_from_pmt(mc);
            if (!pmt::is_null(frame)) {
                if (!pmt::is_symbol(frame))
                    throw ::dualsat::ConfigError("\"frame\" must be \"normal\" or \"short\"");
                f.frame = ::dualsat::parse_frame_size(pmt::symbol_to_string(frame));
            }
            if (!pmt::is_null(pilots)) {
                if (!pmt::is_bool(pilots))
                    throw ::dualsat::ConfigError("\"pilots\" must be a bool");
                f.pilots = pmt::to_bool(pilots);
            }
        } else if (pmt::is_integer(msg)) {
            f.modcod = modcod_from_pmt(msg);
        } else if (pmt::is_symbol(msg)) {
            f = ::dualsat::parse_frame_format(pmt::symbol_to_string(msg), f);
        } else {
            throw ::dualsat::ConfigError("expected a dict, an int or a string");
        }
        set_format(f); // ConfigError for an undefined pair (short 9/10) or a fixed format
    } catch (const std::exception& e) {
        ++d_bad_modcod;
        d_logger->warn("ignoring modcod message {}: {}", pmt::write_string(msg), e.what());
    }
}

void tx_bc_impl::handle_pdu(const pmt::pmt_t& msg)
{
    if (!d_ts && pmt::is_pair(msg) && pmt::is_u8vector(pmt::cdr(msg))) {
        const pmt::pmt_t meta = pmt::car(msg);
        const pmt::pmt_t vec = pmt::cdr(msg);
        size_t len = 0;
        const uint8_t* data = pmt::u8vector_elements(vec, len);
        uint16_t protocol = ::dualsat::ip_ethertype(data, len);
        if (pmt::is_dict(meta)) {
            const pmt::pmt_t p =
                pmt::dict_ref(meta, pmt_key<dict_keys::protocol_type>(), pmt::PMT_NIL);
            if (pmt::is_integer(p) && pmt::to_long(p) >= 0 && pmt::to_long(p) <= 0xFFFF)
                protocol = static_cast<uint16_t>(pmt::to_long(p));
        }
        if (protocol != 0) {
            const auto status = d_tx.push_pdu(data, len, protocol);
            if (status == ::dualsat::PushStatus::QueueFull) {
                const uint64_t n = d_tx.stats().rejected_pdus;
                if (n % 1000 == 1)
                    d_logger->warn("GSE queue full: PDU dropped ({} refused so far)", n);
            } else if (status == ::dualsat::PushStatus::Invalid) {
                d_logger->warn("PDU of {} bytes refused (empty or too long for GSE)", len);
            }
            return;
        }
    }
    if (d_bad_pdu++ % 1000 == 0)
        d_logger->warn("{} ({} so far)",
                       d_ts ? "PDU ignored: the transmitter is in TS mode"
                            : "PDU ignored: not (meta, u8vector) with an IPv4/IPv6 packet or "
                              "a meta \"protocol_type\"",
                       d_bad_pdu.load());
}

void tx_bc_impl::forecast(int, gr_vector_int& ninput_items_required)
{
    if (ninput_items_required.empty())
        return;
    // Dummy mode never waits for input. Wait mode asks for what completes the next
    // frame's data field (nothing while a frame is still being handed out).
    size_t need = 0;
    if (d_wait && d_pending_pos >= d_pending_len)
        need = d_tx.ts_bytes_needed();
    ninput_items_required[0] = static_cast<int>(std::min<size_t>(need, 1u << 30));
}

void tx_bc_impl::tag_frame(uint64_t offset, const ::dualsat::PlFrameInfo& info)
{
    pmt::pmt_t d = pmt::make_dict();
    const bool dummy = info.dummy;
    const int number = dummy ? 0 : ::dualsat::modcod_number(info.format.modcod);
    const bool short_frame = !dummy && info.format.frame == ::dualsat::FrameSize::Short;
    auto add = [&d](const pmt::pmt_t& key, const pmt::pmt_t& value) {
        d = pmt::dict_add(d, key, value);
    };
    add(pmt_key<dict_keys::modcod>(), pmt::from_long(number));
    add(pmt_key<dict_keys::modcod_name>(), d_modcod_names[static_cast<size_t>(number)]);
    add(pmt_key<dict_keys::frame>(), short_frame ? d_sym_short : d_sym_normal);
    add(pmt_key<dict_keys::pilots>(), pmt::from_bool(!dummy && info.format.pilots));
    add(pmt_key<dict_keys::dummy>(), pmt::from_bool(dummy));
    add(pmt_key<dict_keys::fill>(), pmt::from_bool(info.fill));
    add(pmt_key<dict_keys::padded>(), pmt::from_bool(info.padded));
    add(pmt_key<dict_keys::frame_counter>(), pmt::from_uint64(info.frame_counter));
    add(pmt_key<dict_keys::symbols>(), pmt::from_long(info.symbols));
    add(pmt_key<dict_keys::dfl>(), pmt::from_long(static_cast<long>(info.dfl)));
    add(pmt_key<dict_keys::packets>(), pmt::from_long(static_cast<long>(info.packets)));
    add_item_tag(0, offset, pmt_key<tag_keys::plframe>(), d);
    if (d_frame_observer)
        d_frame_observer(info);
}

void tx_bc_impl::set_frame_observer(frame_observer observer) { d_frame_observer = std::move(observer); }

void tx_bc_impl::feed_input(const uint8_t* in, size_t available, size_t& consumed)
{
    // Only what the next frame needs: the rest waits upstream, so the queue adds no
    // latency beyond one frame.
    const size_t need = d_tx.ts_bytes_needed();
    if (need > 0 && consumed < available)
        consumed += d_tx.push_ts(in + consumed, std::min(need, available - consumed));
}

size_t tx_bc_impl::produce_frames(gr_complex* out,
                                  size_t produced,
                                  size_t room,
                                  const uint8_t* in,
                                  size_t available,
                                  size_t& consumed)
{
    // Frames are started straight into the output buffer, as many as fit (the transmitter
    // encodes them on its worker threads meanwhile), and all are finished before work()
    // returns: the buffer is only ours during this call.
    size_t planned = produced, done = produced;
    bool can_start = true;
    std::exception_ptr error;
    while (true) {
        if (can_start && error == nullptr &&
            d_tx.frames_in_flight() < d_tx.max_frames_in_flight()) {
            try {
                if (d_ts)
                    feed_input(in, available, consumed);
                const size_t n = d_tx.start_plframe(out + planned, room - planned);
                if (n > 0) {
                    planned += n;
                    continue;
                }
            } catch (...) {
                error = std::current_exception();
            }
            can_start = false; // no data, no room or a failure: finish what is in flight
        }
        if (d_tx.frames_in_flight() == 0)
            break;
        ::dualsat::PlFrameInfo info;
        try {
            const size_t n = d_tx.finish_plframe(info);
            if (error == nullptr) {
                tag_frame(nitems_written(0) + done, info);
                done += n;
            }
        } catch (...) {
            // The frames after a failed one sit beyond a gap: drop them all.
            if (error == nullptr)
                error = std::current_exception();
        }
        can_start = can_start && error == nullptr;
    }
    if (error)
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            if (d_work_errors++ % 1000 == 0)
                d_logger->error("frames dropped ({} errors so far): {}", d_work_errors.load(),
                                e.what());
        }
    return done - produced;
}

int tx_bc_impl::general_work(int noutput_items,
                             gr_vector_int& ninput_items,
                             gr_vector_const_void_star& input_items,
                             gr_vector_void_star& output_items)
{
    auto* out = static_cast<gr_complex*>(output_items[0]);
    const size_t room = static_cast<size_t>(noutput_items);
    const auto* in = d_ts ? static_cast<const uint8_t*>(input_items[0]) : nullptr;
    const size_t available = d_ts ? static_cast<size_t>(ninput_items[0]) : 0;
    size_t consumed = 0, produced = 0;
    constexpr size_t kMax = ::dualsat::Transmitter::kMaxFrameSymbols;

    if (d_have_pending_pl.load(std::memory_order_acquire)) {
        std::lock_guard<std::mutex> lock(d_rekey_mutex);
        if (d_pending_pl) {
            d_tx.set_pl_sequences(d_pending_pl->header, d_pending_pl->scrambling);
            d_pending_pl.reset();
        }
        d_have_pending_pl.store(false, std::memory_order_release);
    }

    try {
        // The rest of a frame that did not fit last time.
        if (d_pending_pos < d_pending_len) {
            const size_t n = std::min(room, d_pending_len - d_pending_pos);
            std::copy(d_pending.begin() + static_cast<long>(d_pending_pos),
                      d_pending.begin() + static_cast<long>(d_pending_pos + n), out);
            d_pending_pos += n;
            produced = n;
        }
        if (d_pending_pos >= d_pending_len)
            produced += produce_frames(out, produced, room, in, available, consumed);
        if (d_pending_pos >= d_pending_len && produced == 0 && room < kMax) {
            // A buffer smaller than one PLFRAME: hand the frame out in pieces.
            if (d_ts)
                feed_input(in, available, consumed);
            ::dualsat::PlFrameInfo info;
            const size_t n = d_tx.next_plframe(d_pending.data(), info);
            if (n > 0) {
                d_pending_len = n;
                d_pending_pos = 0;
                d_pending_info = info;
                const size_t k = std::min(room, n);
                tag_frame(nitems_written(0), info);
                std::copy(d_pending.begin(), d_pending.begin() + static_cast<long>(k), out);
                d_pending_pos = k;
                produced = k;
            }
        }
    } catch (const std::exception& e) {
        // Never out of work(): that would hang the flowgraph. Nothing half-written is
        // returned: the frame being built is dropped.
        if (d_work_errors++ % 1000 == 0)
            d_logger->error("frame dropped ({} errors so far): {}", d_work_errors.load(), e.what());
    }

    if (d_ts)
        consume_each(static_cast<int>(consumed));
    if (d_protect && produced > 0) {
        try {
            update_protection_status();
        } catch (const std::exception& e) { // e.g. a clock outside the epoch range
            if (d_work_errors++ % 1000 == 0)
                d_logger->error("protection status: {}", e.what());
        }
    }
    if (produced == 0 && !d_ts && d_wait)
        // A message-fed source with nothing to send: do not spin; messages are handled
        // between calls.
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return static_cast<int>(produced);
}

} // namespace dualsat
} // namespace gr
