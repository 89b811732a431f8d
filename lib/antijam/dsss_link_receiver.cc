// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/antijam/dsss_link_receiver.h>

#include <dualsat/core/error.h>

namespace dualsat {

namespace {
std::unique_ptr<SymbolReceiver> make_symbol_receiver(const DsssLinkConfig& c)
{
    if (!c.pl_header != !c.pl_scrambling)
        throw ConfigError("DsssLinkReceiver: give both PL sequences or neither");
    if (c.pl_header)
        return std::make_unique<SymbolReceiver>(c.pl_header, c.pl_scrambling, c.symbols);
    return std::make_unique<SymbolReceiver>(c.gold_code, c.symbols);
}
} // namespace

DsssLinkReceiver::DsssLinkReceiver(std::shared_ptr<const KeyedChipSequence> sequence,
                                   const DsssLinkConfig& config)
    : m_dsss(std::move(sequence), config.dsss),
      m_symbols(make_symbol_receiver(config)),
      m_fec(config.fec, config.bbframe_opener)
{
}

void DsssLinkReceiver::process(const std::complex<float>* in, size_t n, DsssLinkOutput& out)
{
    m_despread.clear();
    m_dsss.process(in, n, m_despread);
    if (m_despread.empty())
        return;
    m_symbols->push(m_despread.data(), m_despread.size());
    while (m_symbols->next_frame(&m_frame)) {
        if (m_frame.dummy)
            continue;
        out.frames.push_back(m_fec.process(m_frame.format, m_frame.data.data(), m_frame.data.size(),
                                           m_frame.noise_variance, m_frame.frame_counter, out.data));
    }
}

} // namespace dualsat
