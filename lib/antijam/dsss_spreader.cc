// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/antijam/dsss_spreader.h>

#include <dualsat/core/error.h>

namespace dualsat {

void check_dsss_shaping(const DsssShaping& s)
{
    if (!(s.rolloff > 0.0 && s.rolloff <= 1.0))
        throw ConfigError("DSSS: roll-off outside (0, 1]");
    if (s.span_chips < 2 || s.span_chips > 256 || s.span_chips % 2 != 0)
        throw ConfigError("DSSS: span_chips must be even, in [2, 256]");
    if (s.samples_per_chip < 2 || s.samples_per_chip > 64 || s.samples_per_chip % 2 != 0)
        throw ConfigError("DSSS: samples_per_chip must be even, in [2, 64]");
}

namespace {
const DsssShaping& checked(const DsssShaping& s)
{
    check_dsss_shaping(s);
    return s;
}
} // namespace

DsssSpreader::DsssSpreader(std::shared_ptr<const KeyedChipSequence> sequence, int sf,
                           const DsssShaping& shaping, uint64_t first_symbol_index)
    : m_sequence(std::move(sequence)),
      m_sf(sf),
      m_shaping(shaping),
      m_next_index(first_symbol_index),
      m_shaper(checked(shaping).rolloff, shaping.span_chips, shaping.samples_per_chip, Ratio{ 1, 1 })
{
    if (!m_sequence)
        throw ConfigError("DsssSpreader: null chip sequence");
    KeyedChipSequence::check_sf(sf);
}

void DsssSpreader::process(const std::complex<float>* symbols, size_t n,
                           std::vector<std::complex<float>>& out)
{
    m_chips.resize(static_cast<size_t>(m_sf));
    const size_t per_symbol = static_cast<size_t>(m_sf) * static_cast<size_t>(m_shaping.samples_per_chip);
    for (size_t i = 0; i < n; ++i) {
        m_sequence->chips(m_next_index++, m_sf, m_chips.data());
        for (auto& c : m_chips)
            c *= symbols[i];
        const size_t at = out.size();
        out.resize(at + per_symbol);
        const StreamResult r = m_shaper.process(m_chips.data(), m_chips.size(), out.data() + at, per_symbol);
        if (r.consumed != m_chips.size() || r.produced != per_symbol)
            throw Error("DsssSpreader: pulse shaper did not take a whole symbol");
    }
}

} // namespace dualsat
