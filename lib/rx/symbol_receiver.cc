// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/rx/symbol_receiver.h>

#include <algorithm>

namespace dualsat {
namespace {

template <class T>
std::shared_ptr<T> require_sequence(std::shared_ptr<T> seq, const char* what)
{
    if (!seq)
        throw ConfigError(std::string("symbol receiver needs a ") + what);
    return seq;
}


} // namespace

SymbolReceiver::SymbolReceiver(uint32_t gold_code, const SymbolReceiverConfig& config)
    : SymbolReceiver(pl_header_or_standard(nullptr), pl_scrambling_or_gold(nullptr, gold_code), config)
{
}

SymbolReceiver::SymbolReceiver(std::shared_ptr<PlHeaderSequence> header,
                               std::shared_ptr<PlScramblingSequence> scrambling,
                               const SymbolReceiverConfig& config)
    : m_header(require_sequence(std::move(header), "PLHEADER sequence")),
      m_scrambling(require_sequence(std::move(scrambling), "scrambling sequence")),
      m_config(config),
      m_sync(m_header, m_scrambling, config.sync),
      m_carrier(config.carrier),
      m_deframer(m_header, m_scrambling)
{
    m_corrected.resize(kMaxPlframeSymbols);
    m_rn.resize(kMaxPlframeSymbols);
}

void SymbolReceiver::set_sequences(std::shared_ptr<PlHeaderSequence> header,
                                   std::shared_ptr<PlScramblingSequence> scrambling)
{
    auto h = require_sequence(std::move(header), "PLHEADER sequence");
    auto s = require_sequence(std::move(scrambling), "scrambling sequence");
    m_sync.set_sequences(h, s);
    m_deframer.set_sequences(h, s);
    m_header = std::move(h);
    m_scrambling = std::move(s);
}

void SymbolReceiver::push(const std::complex<float>* symbols, size_t n)
{
    m_sync.push(symbols, n);
}

bool SymbolReceiver::next_frame(RxFrame* frame)
{
    if (!frame)
        throw ConfigError("symbol receiver: null frame");
    SyncedFrame sf;
    while (m_sync.next_frame(&sf)) {
        if (m_sync.stats().acquisitions != m_acquisitions) {
            m_acquisitions = m_sync.stats().acquisitions;
            m_carrier.reset(m_sync.tracked_frequency()); // the acquisition's mean estimate
        }
        // References: the decided header (for a flywheel frame, the header of the format
        // assumed), the next frame's SOF, the scrambling of this frame.
        std::complex<float> header_ref[kPlHeaderSymbols], next_sof[kSofSymbols];
        const PlsCode code = sf.dummy ? dummy_pls_code() : pls_code(sf.format);
        m_header->header_symbols(code, sf.frame_counter, header_ref);
        m_header->sof_symbols(sf.frame_counter + 1, next_sof);
        const int payload = sf.length - kPlHeaderSymbols;
        const uint8_t* rn = m_scrambling->rn(sf.frame_counter, payload);
        std::copy(rn, rn + payload, m_rn.begin());

        CarrierEstimate est;
        // A dummy frame's symbols are never read (RxFrame::data stays empty): estimates only.
        m_carrier.process(sf.symbols, sf.length, sf.dummy, sf.format, header_ref, m_rn.data(),
                          next_sof, sf.dummy ? nullptr : m_corrected.data(), &est);
        m_sync.set_tracked_frequency(m_carrier.frequency());
        if (sf.dummy && !m_config.deliver_dummy_frames)
            continue;

        frame->format = sf.format;
        frame->dummy = sf.dummy;
        frame->frame_counter = sf.frame_counter;
        frame->start = sf.start;
        frame->noise_variance = est.noise_variance;
        frame->esn0_db = est.esn0_db;
        frame->esn0_var_db2 = est.esn0_var_db2;
        frame->esn0_db_smoothed = est.esn0_db_smoothed;
        frame->cfo = est.frequency / kTwoPi;
        frame->phase_start = est.phase_start;
        frame->phase_rms_residual = est.phase_rms_residual;
        frame->header_confirmed = sf.header_confirmed;
        frame->carrier_fine = est.fine;
        frame->plsc = sf.plsc;
        if (sf.dummy) {
            frame->data.clear();
        } else {
            frame->data.resize(static_cast<size_t>(sf.format.data_symbols()));
            // R of this frame is in m_rn already (fetched for the carrier recovery), when
            // the frame is as long as its format says (it always is; else fetch again).
            if (sf.length == sf.format.plframe_symbols())
                m_deframer.deframe_with_rn(sf.format, m_corrected.data(), m_rn.data(), frame->data.data());
            else
                m_deframer.deframe(sf.format, m_corrected.data(), sf.frame_counter, frame->data.data());
        }
        return true;
    }
    return false;
}

} // namespace dualsat
