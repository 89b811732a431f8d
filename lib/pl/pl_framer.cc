// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/pl/pl_framer.h>

#include <algorithm>
#include <string>

namespace dualsat {
namespace {


void require(const void* p, const char* what)
{
    if (!p)
        throw ConfigError(std::string("null pointer: ") + what);
}

template <class T>
std::shared_ptr<T> require_sequence(std::shared_ptr<T> seq, const char* what)
{
    if (!seq)
        throw ConfigError(std::string("PL framing needs a ") + what);
    return seq;
}

// (1+j)/sqrt2 * j^r for r = 0..3: the pilot and dummy symbol scrambled (§5.5.4 rotations
// are exact sign flips and swaps, so these equal pl_scramble() of the pilot bit for bit).
const std::complex<float> kScrambledPilot[4] = {
    { kPilotComponent, kPilotComponent },
    { -kPilotComponent, kPilotComponent },
    { -kPilotComponent, -kPilotComponent },
    { kPilotComponent, -kPilotComponent },
};

void write_scrambled_constant(const uint8_t* rn, int count, std::complex<float>* out)
{
    for (int i = 0; i < count; ++i)
        out[i] = kScrambledPilot[rn[i] & 3];
}

} // namespace

void write_scrambled_pilots(const FrameFormat& format, const uint8_t* rn,
                            std::complex<float>* payload)
{
    for (int block = 0; block < format.pilot_blocks(); ++block) {
        const int at = block * kPilotPeriod + kPilotSpacing;
        write_scrambled_constant(rn + at, kPilotBlockSymbols, payload + at);
    }
}

void write_scrambled_dummy_payload(const uint8_t* rn, std::complex<float>* payload)
{
    write_scrambled_constant(rn, kDummyFrameSymbols - kPlHeaderSymbols, payload);
}

bool is_pilot_position(const FrameFormat& format, int index)
{
    const int blocks = format.pilot_blocks();
    if (index < 0 || blocks == 0)
        return false;
    return index / kPilotPeriod < blocks && index % kPilotPeriod >= kPilotSpacing;
}

// ---------------------------------------------------------------------------------------

PlFramer::PlFramer(uint32_t gold_code)
    : PlFramer(pl_header_or_standard(nullptr), pl_scrambling_or_gold(nullptr, gold_code))
{
}

PlFramer::PlFramer(std::shared_ptr<PlHeaderSequence> header,
                   std::shared_ptr<PlScramblingSequence> scrambling)
    : m_header(require_sequence(std::move(header), "PLHEADER sequence")),
      m_scrambling(require_sequence(std::move(scrambling), "scrambling sequence"))
{
}

int PlFramer::frame(const FrameFormat& format, const std::complex<float>* data_symbols,
                    std::complex<float>* out)
{
    require(data_symbols, "data symbols");
    require(out, "PLFRAME output");
    (void)pls_code(format); // throws for formats outside the standard
    const int data_count = format.data_symbols();
    // Lay out the data between the pilot blocks; frame_in_place() does the rest.
    std::complex<float>* payload = out + kPlHeaderSymbols;
    int in = 0, pos = 0;
    for (int block = 0; block < format.pilot_blocks(); ++block) {
        std::copy(data_symbols + in, data_symbols + in + kPilotSpacing, payload + pos);
        in += kPilotSpacing;
        pos += kPilotPeriod;
    }
    std::copy(data_symbols + in, data_symbols + data_count, payload + pos);
    return frame_in_place(format, out);
}

int PlFramer::frame_in_place(const FrameFormat& format, std::complex<float>* out)
{
    require(out, "PLFRAME output");
    const PlsCode code = pls_code(format); // throws for formats outside the standard
    const int length = format.plframe_symbols();
    m_header->header_symbols(code, m_frame_counter, out);
    std::complex<float>* payload = out + kPlHeaderSymbols;
    const std::complex<float> pilot(kPilotComponent, kPilotComponent);
    for (int block = 0; block < format.pilot_blocks(); ++block) {
        std::complex<float>* p = payload + block * kPilotPeriod + kPilotSpacing;
        std::fill(p, p + kPilotBlockSymbols, pilot);
    }
    const int payload_count = length - kPlHeaderSymbols;
    pl_scramble(payload, m_scrambling->rn(m_frame_counter, payload_count), payload_count, payload);
    ++m_frame_counter;
    m_prescrambled_length = -1;
    return length;
}

const uint8_t* PlFramer::payload_scrambling(const FrameFormat& format)
{
    (void)pls_code(format);
    const int payload_count = format.plframe_symbols() - kPlHeaderSymbols;
    m_prescrambled_rn = m_scrambling->rn(m_frame_counter, payload_count);
    m_prescrambled_length = payload_count;
    return m_prescrambled_rn;
}

int PlFramer::frame_prescrambled(const FrameFormat& format, std::complex<float>* out)
{
    require(out, "PLFRAME output");
    const PlsCode code = pls_code(format);
    const int length = format.plframe_symbols();
    const int payload_count = length - kPlHeaderSymbols;
    if (m_prescrambled_length != payload_count)
        throw ConfigError("PlFramer::frame_prescrambled without payload_scrambling() for this format");
    const uint8_t* rn = m_prescrambled_rn;
    m_prescrambled_rn = nullptr;
    m_prescrambled_length = -1;
    m_header->header_symbols(code, m_frame_counter, out);
    write_scrambled_pilots(format, rn, out + kPlHeaderSymbols);
    ++m_frame_counter;
    return length;
}

int PlFramer::dummy_frame(std::complex<float>* out)
{
    require(out, "PLFRAME output");
    m_header->header_symbols(dummy_pls_code(), m_frame_counter, out);
    const int payload_count = kDummyFrameSymbols - kPlHeaderSymbols;
    write_scrambled_dummy_payload(m_scrambling->rn(m_frame_counter, payload_count),
                                  out + kPlHeaderSymbols);
    ++m_frame_counter;
    m_prescrambled_length = -1;
    return kDummyFrameSymbols;
}

// ---------------------------------------------------------------------------------------

PlDeframer::PlDeframer(uint32_t gold_code)
    : PlDeframer(pl_header_or_standard(nullptr), pl_scrambling_or_gold(nullptr, gold_code))
{
}

PlDeframer::PlDeframer(std::shared_ptr<PlHeaderSequence> header,
                       std::shared_ptr<PlScramblingSequence> scrambling)
    : m_header(require_sequence(std::move(header), "PLHEADER sequence")),
      m_scrambling(require_sequence(std::move(scrambling), "scrambling sequence"))
{
}

void PlDeframer::set_sequences(std::shared_ptr<PlHeaderSequence> header,
                               std::shared_ptr<PlScramblingSequence> scrambling)
{
    auto h = require_sequence(std::move(header), "PLHEADER sequence");
    auto s = require_sequence(std::move(scrambling), "scrambling sequence");
    m_header = std::move(h);
    m_scrambling = std::move(s);
}

PlscDecision PlDeframer::decode_header(const std::complex<float>* header_symbols,
                                       uint64_t frame_counter) const
{
    require(header_symbols, "PLHEADER symbols");
    return m_header->decode(header_symbols, frame_counter);
}

int PlDeframer::deframe(const FrameFormat& format, const std::complex<float>* plframe,
                        uint64_t frame_counter, std::complex<float>* data_out,
                        std::complex<float>* pilots_out)
{
    (void)pls_code(format); // validates the format
    const int payload_count = format.plframe_symbols() - kPlHeaderSymbols;
    return deframe_with_rn(format, plframe, m_scrambling->rn(frame_counter, payload_count), data_out,
                           pilots_out);
}

int PlDeframer::deframe_with_rn(const FrameFormat& format, const std::complex<float>* plframe,
                                const uint8_t* rn, std::complex<float>* data_out,
                                std::complex<float>* pilots_out)
{
    require(plframe, "PLFRAME symbols");
    require(data_out, "data output");
    require(rn, "scrambling sequence");
    (void)pls_code(format); // validates the format
    const int length = format.plframe_symbols();
    const int payload_count = length - kPlHeaderSymbols;
    const std::complex<float>* payload = plframe + kPlHeaderSymbols;
    int out = 0, pos = 0;
    for (int block = 0; block < format.pilot_blocks(); ++block) {
        pl_descramble(payload + pos, rn + pos, kPilotSpacing, data_out + out);
        out += kPilotSpacing;
        pos += kPilotSpacing;
        if (pilots_out)
            pl_descramble(payload + pos, rn + pos, kPilotBlockSymbols,
                          pilots_out + block * kPilotBlockSymbols);
        pos += kPilotBlockSymbols;
    }
    pl_descramble(payload + pos, rn + pos, payload_count - pos, data_out + out);
    return length;
}

int PlDeframer::deframe_dummy(const std::complex<float>* plframe, uint64_t frame_counter,
                              std::complex<float>* payload_out)
{
    require(plframe, "PLFRAME symbols");
    require(payload_out, "payload output");
    const int payload_count = kDummyFrameSymbols - kPlHeaderSymbols;
    pl_descramble(plframe + kPlHeaderSymbols, m_scrambling->rn(frame_counter, payload_count),
                  payload_count, payload_out);
    return kDummyFrameSymbols;
}

} // namespace dualsat
