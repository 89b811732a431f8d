// SPDX-License-Identifier: GPL-3.0-or-later
// The receiver tests' link: numbered TS packets through our Transmitter (VCM patterns with
// dummy frames), TxPulseShaper and the channel emulator, and the checks on what comes out.
// Shared by test_receiver.cc and test_receiver_abuse.cc.
#pragma once

#include <catch2/catch.hpp>
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/dsp/pulse_shaper.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/rx/receiver.h>
#include <dualsat/tx/transmitter.h>

#include <algorithm>
#include <complex>
#include <cstdint>
#include <cstring>
#include <vector>

namespace rx_link {

using namespace dualsat;
using cf = std::complex<float>;
using cvec = std::vector<cf>;

constexpr size_t kTs = 188;

inline FrameFormat fmt(Modulation m, CodeRate r, FrameSize s, bool pilots) { return { { m, r }, s, pilots }; }

// TS packet number k: sync, PID 0x100, then k (4 bytes), then bytes from a simple hash.
inline void make_packet(uint32_t k, uint8_t* p)
{
    p[0] = 0x47;
    p[1] = 0x01;
    p[2] = 0x00;
    p[3] = static_cast<uint8_t>(0x10 | (k & 0x0f));
    std::memcpy(p + 4, &k, 4);
    uint32_t h = k * 2654435761u + 12345u;
    for (size_t i = 8; i < kTs; ++i) {
        h ^= h << 13;
        h ^= h >> 17;
        h ^= h << 5;
        p[i] = static_cast<uint8_t>(h);
    }
}

inline uint32_t packet_number(const uint8_t* p)
{
    uint32_t k;
    std::memcpy(&k, p + 4, 4);
    return k;
}

// A frame in the pattern: a data format, or a dummy frame (dummy = true).
struct Slot {
    bool dummy;
    FrameFormat format;
};

struct TxStream {
    cvec symbols;                          // PLFRAMEs at 1 sample/symbol
    std::vector<uint64_t> frame_start;     // symbol index of every frame (data and dummy)
    std::vector<bool> frame_dummy;
    std::vector<uint32_t> first_packet;    // per frame: number of the first packet that
                                           // starts in it or later
    uint32_t packets = 0;                  // packets pushed
    uint64_t dfl_bits = 0;                 // data field bits sent
    // Packets entirely inside the data fields sent (the last pushed one may straddle
    // into a frame that is never sent).
    uint32_t complete_packets() const { return static_cast<uint32_t>(dfl_bits / 8 / kTs); }
};

// TS through our Transmitter frame by frame in the pattern's formats; dummy frames from a
// PlFramer with the same sequences. Idle policy Wait: every data frame is full.
inline void transmit(const std::vector<Slot>& pattern, int frames, TxStream& s, Transmitter& tx,
              PlFramer& framer)
{
    cvec buf(kMaxPlframeSymbols);
    uint8_t pkt[kTs];
    uint32_t started = s.packets; // packets that started in frames so far (approx.)
    for (int f = 0; f < frames; ++f) {
        const Slot& slot = pattern[static_cast<size_t>(f) % pattern.size()];
        s.frame_start.push_back(s.symbols.size());
        s.frame_dummy.push_back(slot.dummy);
        s.first_packet.push_back(started);
        size_t n;
        if (slot.dummy) {
            n = static_cast<size_t>(framer.dummy_frame(buf.data()));
        } else {
            tx.set_next_format(slot.format);
            while (!tx.data_ready()) {
                make_packet(s.packets++, pkt);
                REQUIRE(tx.push_ts(pkt, kTs) == kTs);
            }
            PlFrameInfo info;
            n = tx.next_plframe(buf.data(), info);
            REQUIRE(n > 0);
            REQUIRE(!info.dummy);
            started += static_cast<uint32_t>(info.packets);
            s.dfl_bits += info.dfl;
        }
        s.symbols.insert(s.symbols.end(), buf.begin(), buf.begin() + static_cast<long>(n));
    }
}

struct Link {
    double rs = 20e6;         // symbol rate, Hz (the phase-noise mask is for Msym/s rates)
    double sps = 2.37;        // receive samples per symbol
    double rolloff = 0.2;
    double esn0_db = 14.0;
    double cfo = 0.05;        // cycles/symbol
    double ppm = 100.0;
    bool phase_noise = true;
    uint64_t seed = 7;
};

inline cvec shape_and_impair(const cvec& symbols, const Link& l)
{
    TxPulseShaper shaper = TxPulseShaper::for_rates(l.rolloff, 16, l.rs, l.rs * l.sps);
    cvec x = shaper.process(symbols);
    ChannelConfig c;
    c.sample_rate_hz = l.rs * l.sps;
    c.samples_per_symbol = shaper.output_sps();
    // Es of the (mostly non-zero) signal; a gap of zeros must not lower it.
    double ps = 0.0;
    size_t nz = 0;
    for (const cf& v : x)
        if (std::norm(v) > 0.0f) {
            ps += std::norm(v);
            ++nz;
        }
    c.symbol_energy = ps / static_cast<double>(nz) * shaper.output_sps();
    c.esn0_db = l.esn0_db;
    c.frequency_offset_hz = l.cfo * l.rs;
    c.initial_phase_rad = 0.4;
    c.sample_clock_offset_ppm = l.ppm;
    if (l.phase_noise)
        c.phase_noise_mask = dvbs2_phase_noise_mask();
    c.seed = l.seed;
    ChannelEmulator ch(c);
    cvec y;
    ch.process(x, y);
    return y;
}

inline ReceiverConfig rx_config(const Link& l)
{
    ReceiverConfig c;
    c.symbol_rate = l.rs;
    c.sample_rate = l.rs * l.sps;
    c.rolloff = l.rolloff;
    return c;
}

inline void run(Receiver& rx, const cvec& in, ReceiverOutput& out, size_t chunk = 10000)
{
    for (size_t k = 0; k < in.size(); k += chunk)
        rx.process(in.data() + k, std::min(chunk, in.size() - k), out);
    rx.flush(out);
}

// The received packets are the transmitted ones numbered first..first+count-1, in order,
// byte for byte. Returns first.
inline uint32_t check_contiguous(const std::vector<uint8_t>& ts)
{
    REQUIRE(!ts.empty());
    REQUIRE(ts.size() % kTs == 0);
    const uint32_t first = packet_number(ts.data());
    uint8_t ref[kTs];
    for (size_t i = 0; i < ts.size() / kTs; ++i) {
        make_packet(first + static_cast<uint32_t>(i), ref);
        INFO("received packet " << i << ": number " << packet_number(ts.data() + i * kTs)
                                << ", expected " << first + i);
        REQUIRE(std::memcmp(ts.data() + i * kTs, ref, kTs) == 0);
    }
    return first;
}

inline const std::vector<Slot> kVcm = {
    { false, fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Short, true) },
    { false, fmt(Modulation::APSK16, CodeRate::R3_4, FrameSize::Short, true) },
    { true, FrameFormat{} },
    { false, fmt(Modulation::PSK8, CodeRate::R3_5, FrameSize::Normal, true) },
    { false, fmt(Modulation::APSK32, CodeRate::R4_5, FrameSize::Short, true) },
    { false, fmt(Modulation::QPSK, CodeRate::R1_4, FrameSize::Short, true) },
    { false, fmt(Modulation::APSK16, CodeRate::R2_3, FrameSize::Normal, true) },
    { true, FrameFormat{} },
    { false, fmt(Modulation::APSK32, CodeRate::R3_4, FrameSize::Short, true) },
};

inline TransmitterConfig tx_config()
{
    TransmitterConfig t;
    t.ccm = false;
    t.idle = IdlePolicy::Wait;
    return t;
}

} // namespace rx_link
