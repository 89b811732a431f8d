// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/phasor.h>
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/rx/frame_sync.h>

#include <algorithm>
#include <cmath>

namespace dualsat {
namespace {

using cf = std::complex<float>;
using cd = std::complex<double>;


// PLSC decoding at frequencies around the local estimate during acquisition (see
// examine_header): spacing, and candidates each side in the search and verification.
constexpr double kFrequencyStep = 0.02;
constexpr int kSearchCandidates = 3;
constexpr int kVerifyCandidates = 1;

template <class T>
std::shared_ptr<T> require_sequence(std::shared_ptr<T> seq, const char* what)
{
    if (!seq)
        throw ConfigError(std::string("frame sync needs a ") + what);
    return seq;
}

inline bool finite(cf v) { return std::isfinite(v.real()) && std::isfinite(v.imag()); }

// Luise & Reggiannini over several segments of modulation-free samples z (each a pointer
// and a length): 2/(M+1) arg sum_m sum_seg R_seg(m), the frequency in rad/symbol within
// +-2 pi/(M+1).
struct Segment {
    const cf* z;
    int n;
};
double lr_estimate(const Segment* segs, int count, int M)
{
    // R(m) is the MEAN lag-m product over all segments (the plain sum would weight the
    // short lags more and bias the estimate by ~10 %).
    cd acc = 0.0;
    for (int m = 1; m <= M; ++m) {
        cd r = 0.0;
        int n = 0;
        for (int s = 0; s < count; ++s)
            for (int k = 0; k + m < segs[s].n; ++k, ++n)
                r += cd(segs[s].z[k + m]) * std::conj(cd(segs[s].z[k]));
        if (n > 0)
            acc += r / static_cast<double>(n);
    }
    if (std::abs(acc) == 0.0)
        return 0.0;
    return 2.0 / (M + 1) * std::arg(acc);
}

} // namespace

const char* to_string(SyncState s)
{
    return s == SyncState::Locked ? "locked" : "searching";
}

FrameSync::FrameSync(uint32_t gold_code, const FrameSyncConfig& config)
    : FrameSync(pl_header_or_standard(nullptr), pl_scrambling_or_gold(nullptr, gold_code), config)
{
}

FrameSync::FrameSync(std::shared_ptr<PlHeaderSequence> header,
                     std::shared_ptr<PlScramblingSequence> scrambling,
                     const FrameSyncConfig& config)
    : m_header(require_sequence(std::move(header), "PLHEADER sequence")),
      m_scrambling(require_sequence(std::move(scrambling), "scrambling sequence")),
      m_config(config)
{
    const FrameSyncConfig& c = m_config;
    if (!(c.acquisition_threshold > 0.0f) || !(c.verify_threshold > 0.0f) ||
        !(c.lock_threshold > 0.0f) || !std::isfinite(c.acquisition_threshold) ||
        !(c.acquisition_header_threshold >= 0.0f) || !std::isfinite(c.acquisition_header_threshold) ||
        !std::isfinite(c.verify_threshold) || !std::isfinite(c.lock_threshold))
        throw ConfigError("frame sync: thresholds must be positive");
    if (c.confirm_frames < 1 || c.confirm_frames > 16 || c.max_missed_frames < 0 ||
        c.max_missed_frames > 1000 || c.max_hypotheses < 1 || c.max_hypotheses > 1024 ||
        c.max_search_slots < 1 || c.max_search_slots > 16 || c.counter_window < 1 ||
        c.counter_window > 16)
        throw ConfigError("frame sync: confirm_frames 1..16, max_missed_frames 0..1000, "
                          "max_hypotheses 1..1024, max_search_slots 1..16, counter_window 1..16");
    m_scratch.resize(kMaxPlframeSymbols);
}

void FrameSync::reset()
{
    if (m_state == SyncState::Locked && m_current.length > 0 && m_acq_frame_symbols > 0) {
        // The lock's count predicts the frames to come better than the first hint did.
        m_acq_counter = m_current.frame_counter;
        m_acq_anchor = m_current.start;
        m_acq_frame_symbols = m_current.length;
    }
    m_state = SyncState::Searching;
    m_hyps.clear();
    m_pending.clear();
    m_buf.clear();
    m_diff_re.clear();
    m_diff_im.clear();
    m_diff_energy.clear();
    m_base = m_stats.symbols_in;
    m_search_pos = m_base;
    m_missed = 0;
    m_freq = 0.0;
    m_freq_count = 0;
    m_freq_external = false;
}

void FrameSync::set_sequences(std::shared_ptr<PlHeaderSequence> header,
                              std::shared_ptr<PlScramblingSequence> scrambling)
{
    auto h = require_sequence(std::move(header), "PLHEADER sequence");
    auto s = require_sequence(std::move(scrambling), "scrambling sequence");
    m_header = std::move(h);
    m_scrambling = std::move(s);
    for (Templates& t : m_templates)
        t.counter = ~0ull; // built from the old sequences
    reset();
}

void FrameSync::set_tracked_frequency(double rad_per_symbol)
{
    if (!std::isfinite(rad_per_symbol))
        return;
    m_freq = rad_per_symbol;
    m_freq_external = true;
}

const FrameSync::Templates& FrameSync::templates(uint64_t counter)
{
    Templates& t = m_templates[counter % kTemplateSlots];
    if (t.counter == counter)
        return t;
    t.counter = counter;
    m_header->sof_symbols(counter, t.sof);
    for (int i = 0; i + 1 < kSofSymbols; ++i)
        t.diff.sof_diff[i] = std::conj(t.sof[i]) * t.sof[i + 1];
    // Within a PLSC pair the code bits are equal when b7 = 0, so the transmitted bits
    // differ exactly where the mask bits do: map the two mask bits at their positions.
    const uint64_t mask = m_header->plsc_mask(counter);
    for (int m = 0; m < kPlscSymbols / 2; ++m) {
        cf pair[2];
        pi2bpsk_map((mask >> (62 - 2 * m)) & 3u, 2, kSofSymbols + 2 * m, pair);
        t.diff.pair_diff[m] = std::conj(pair[0]) * pair[1];
    }
    const int needed = kPilotPeriod + kPilotSpacing + kPilotBlockSymbols;
    const uint8_t* rn = m_scrambling->rn(counter, needed);
    for (int b = 0; b < 2; ++b) {
        cf plain[kPilotBlockSymbols];
        std::fill(plain, plain + kPilotBlockSymbols, cf(kPilotComponent, kPilotComponent));
        pl_scramble(plain, rn + b * kPilotPeriod + kPilotSpacing, kPilotBlockSymbols, t.pilot[b]);
        for (int i = 0; i + 1 < kPilotBlockSymbols; ++i)
            t.diff.pilot_diff[b][i] = std::conj(t.pilot[b][i]) * t.pilot[b][i + 1];
    }
    return t;
}

void FrameSync::push(const cf* in, size_t n)
{
    if (n == 0)
        return;
    if (!in)
        throw ConfigError("frame sync: null input");
    compact();
    const size_t old = m_buf.size();
    // A plain copy (resize() would zero-fill first: a second pass over every symbol at the
    // receiver's full rate), then the rare non-finite symbols fixed in place: a pass that
    // only detects them (x - x is 0 for a finite x and NaN otherwise; compares and an or,
    // which the compiler vectorises, where the test per symbol was a branch: 2 % of the
    // daemon's CPU at 30 Msym/s, issue 14), and the fix only where there is one.
    m_buf.insert(m_buf.end(), in, in + n);
    const float* f = reinterpret_cast<const float*>(m_buf.data() + old);
    unsigned bad = 0;
    for (size_t k = 0; k < 2 * n; ++k)
        bad |= static_cast<unsigned>((f[k] - f[k]) != 0.0f);
    if (bad)
        for (size_t k = old; k < m_buf.size(); ++k)
            if (!finite(m_buf[k])) {
                m_buf[k] = cf(0.0f, 0.0f);
                ++m_stats.nonfinite_symbols;
            }
    m_stats.symbols_in += n;
}

void FrameSync::ensure_diffs()
{
    // Differential products are needed by the search and header verification only; once
    // locked (the carrier recovery tracking the frequency) none are read, so they are
    // computed on demand instead of on every push. Entry i belongs to m_buf[i].
    if (m_buf.size() < 2 || m_diff_energy.size() >= m_buf.size() - 1)
        return;
    const size_t first = m_diff_energy.size();
    m_diff_re.resize(m_buf.size() - 1);
    m_diff_im.resize(m_buf.size() - 1);
    m_diff_energy.resize(m_buf.size() - 1);
    for (size_t i = first; i + 1 < m_buf.size(); ++i) {
        // conj(a) b in real arithmetic (inputs are finite: no NaN fallback needed).
        const float ar = m_buf[i].real(), ai = m_buf[i].imag();
        const float br = m_buf[i + 1].real(), bi = m_buf[i + 1].imag();
        const float dr = ar * br + ai * bi, di = ar * bi - ai * br;
        m_diff_re[i] = dr;
        m_diff_im[i] = di;
        m_diff_energy[i] = dr * dr + di * di;
    }
}

void FrameSync::compact()
{
    uint64_t keep = end();
    if (m_state == SyncState::Searching)
        keep = std::min(keep, m_search_pos);
    else
        keep = std::min(keep, m_current.start);
    for (const auto& h : m_hyps)
        keep = std::min(keep, h.first_start);
    for (const auto& f : m_pending)
        keep = std::min(keep, f.start);
    if (keep <= m_base + 1)
        return;
    const size_t cut = static_cast<size_t>(keep - 1 - m_base);
    if (cut < m_buf.size() / 2 && cut < 65536)
        return; // amortise: move memory only when a good part is dead
    m_buf.erase(m_buf.begin(), m_buf.begin() + static_cast<std::ptrdiff_t>(cut));
    const auto dcut = static_cast<std::ptrdiff_t>(std::min(cut, m_diff_energy.size()));
    for (std::vector<float>* v : { &m_diff_re, &m_diff_im, &m_diff_energy })
        v->erase(v->begin(), v->begin() + dcut);
    m_base += cut;
}

FrameSync::DiffResult FrameSync::diff_statistic(size_t pos, uint64_t counter, bool with_pilots)
{
    ensure_diffs();
    return header_diff_statistic(m_diff_re.data() + pos, m_diff_im.data() + pos, m_diff_energy.data() + pos,
                                 templates(counter).diff, with_pilots);
}

double FrameSync::local_frequency(size_t pos, const Templates& t, const DiffResult& diff)
{
    // Coarse: the phase of the differential correlation (each term is e^{j w}).
    double w = std::arg(diff.corr);
    // Then Luise & Reggiannini on the known symbols: SOF, and the first two pilot blocks
    // when the header says pilots; twice, with a short then a long correlation window.
    cf z[3][kPilotBlockSymbols];
    Segment segs[3];
    int count = 0;
    auto fill = [&](int seg, size_t start, const cf* known, int n) {
        for (int i = 0; i < n; ++i)
            z[seg][i] = m_buf[start + static_cast<size_t>(i)] * std::conj(known[i]);
        segs[seg] = { z[seg], n };
    };
    fill(count++, pos, t.sof, kSofSymbols);
    const bool pilots = diff.pilots && pos + kSearchSpan < m_buf.size();
    if (pilots)
        for (int b = 0; b < 2; ++b)
            fill(count++, pos + static_cast<size_t>(kPlHeaderSymbols + b * kPilotPeriod + kPilotSpacing),
                 t.pilot[b], kPilotBlockSymbols);
    for (int M : { 3, 12 }) {
        // Remove the current estimate, estimate the rest.
        cf zz[3][kPilotBlockSymbols];
        Segment ss[3];
        for (int s = 0; s < count; ++s) {
            for (int i = 0; i < segs[s].n; ++i)
                zz[s][i] = segs[s].z[i] * unit_phasor(-w * i);
            ss[s] = { zz[s], segs[s].n };
        }
        w += lr_estimate(ss, count, M);
    }
    return w;
}

FrameSync::HeaderResult FrameSync::examine_header(size_t pos, uint64_t counter,
                                                  const DiffResult* diff, bool use_freq,
                                                  double freq, int candidates)
{
    double w = freq;
    if (!use_freq) {
        DiffResult local = diff ? *diff : diff_statistic(pos, counter, false);
        w = local_frequency(pos, templates(counter), local);
    }
    // Without pilots the local estimate rests on the 26 SOF symbols alone: ~0.015
    // rad/symbol rms at -1.35 dB (Cramer-Rao), which turns the 90-symbol header by up to
    // a radian and loses the PLSC. Decoding at a few frequencies kFrequencyStep apart and
    // keeping the strongest header bounds that error to half a step.
    HeaderResult best = decode_header(pos, counter, w);
    for (int k = 1; k <= candidates; ++k)
        for (double sign : { -1.0, 1.0 }) {
            const HeaderResult r = decode_header(pos, counter, w + sign * k * kFrequencyStep);
            if (r.ok && (!best.ok || r.statistic > best.statistic))
                best = r;
        }
    if (candidates > 0 && best.ok) {
        // With the PLSC decided the whole header is known: Luise & Reggiannini over its 90
        // symbols (lags up to 32: +-0.095 rad/symbol, beyond the half step left) gives
        // the frequency about 6 times better than the SOF alone.
        cf ref[kPlHeaderSymbols], z[kPlHeaderSymbols];
        m_header->header_symbols(best.plsc.code, counter, ref);
        for (int i = 0; i < kPlHeaderSymbols; ++i)
            z[i] = cf(cd(m_buf[pos + static_cast<size_t>(i)]) * unit_phasor_d(-best.frequency * i) *
                      std::conj(cd(ref[i])));
        const Segment seg{ z, kPlHeaderSymbols };
        const double delta = lr_estimate(&seg, 1, 32);
        cd acc = 0.0;
        for (int i = 0; i < kPlHeaderSymbols; ++i)
            acc += cd(z[i]) * unit_phasor_d(-delta * i);
        best.frequency += delta;
        best.phase = std::arg(acc);
    }
    return best;
}

FrameSync::HeaderResult FrameSync::decode_header(size_t pos, uint64_t counter, double w)
{
    HeaderResult r;
    const Templates& t = templates(counter);
    // Phase from the SOF, derotate the header, decode the PLSC.
    cf header[kPlHeaderSymbols];
    cd acc = 0.0;
    for (int i = 0; i < kPlHeaderSymbols; ++i) {
        header[i] = m_buf[pos + static_cast<size_t>(i)] * unit_phasor(-w * i);
        if (i < kSofSymbols)
            acc += cd(header[i]) * std::conj(cd(t.sof[i]));
    }
    const cf rot = cf(std::polar(1.0, -std::arg(acc)));
    for (auto& h : header)
        h *= rot;
    r.plsc = m_header->decode(header, counter);
    r.frequency = w;
    if (!r.plsc.usable)
        return r;
    const PlsStatus status = interpret_pls(r.plsc.code, &r.format);
    if (status == PlsStatus::Dummy) {
        r.dummy = true;
        r.length = kDummyFrameSymbols;
    } else if (status == PlsStatus::Valid) {
        r.length = r.format.plframe_symbols();
    } else {
        return r;
    }
    // (The differential statistic's own guess at TYPE b7 is not checked against the PLSC:
    // without pilots it is wrong for a good share of true headers below 0 dB; the
    // coherent statistic thresholds in the search and verification reject false ones.)
    // Coherent statistic at the SOF's phase: |SOF correlation|^2 / SOF energy (exponential
    // with mean 1 on noise) plus (decided PLSC projection)^2 / (PLSC energy / 2) (on noise
    // the largest of 64 chi-square(1) values: the decoder picked the best code word).
    cf ref[kPlHeaderSymbols];
    m_header->header_symbols(r.plsc.code, counter, ref);
    cd c_sof = 0.0, c_all = 0.0;
    double e_sof = 0.0, e_plsc = 0.0, p_plsc = 0.0;
    for (int i = 0; i < kPlHeaderSymbols; ++i) {
        const cd x = cd(header[i]);
        const cd corr = x * std::conj(cd(ref[i]));
        c_all += corr;
        if (i < kSofSymbols) {
            c_sof += corr;
            e_sof += std::norm(x);
        } else {
            p_plsc += corr.real();
            e_plsc += std::norm(x);
        }
    }
    r.statistic = (e_sof > 0.0 && e_plsc > 0.0)
                      ? static_cast<float>(std::norm(c_sof) / e_sof + p_plsc * p_plsc / (0.5 * e_plsc))
                      : 0.0f;
    // Phase at symbol 0 after derotation by w (header[] was rotated by the SOF phase).
    r.phase = std::arg(acc) + std::arg(c_all);
    r.ok = true;
    return r;
}

void FrameSync::set_acquisition_counter_hint(uint64_t counter, uint64_t at_symbol, int frame_symbols)
{
    if (frame_symbols <= 0)
        throw ConfigError("frame sync: counter hint needs a frame length > 0 symbols");
    m_acq_counter = counter;
    m_acq_anchor = at_symbol;
    m_acq_frame_symbols = frame_symbols;
}

uint64_t FrameSync::predicted_counter(uint64_t pos) const
{
    if (m_acq_frame_symbols <= 0)
        return m_acq_counter;
    // The frame whose start is nearest: a frame reaches the synchroniser a few symbols
    // before or after its nominal start (filter delays, the timing loop), and rounding
    // down would give the frame starting just early its predecessor's counter, one frame
    // off in the window before any time-base error.
    const auto l = static_cast<uint64_t>(m_acq_frame_symbols);
    if (pos >= m_acq_anchor)
        return m_acq_counter + (pos - m_acq_anchor + l / 2) / l;
    const uint64_t back = (m_acq_anchor - pos + l / 2) / l;
    return m_acq_counter > back ? m_acq_counter - back : 0;
}

std::pair<uint64_t, uint64_t> FrameSync::search_counters(uint64_t at) const
{
    if (m_header->period() == 0) {
        // Never repeats: the counters around the one predicted here. A frame that starts
        // at this position is the one predicted for it, or a neighbour when the time base
        // is off by a few frames either way.
        const auto window = static_cast<uint64_t>(m_config.counter_window);
        const uint64_t predicted = predicted_counter(at);
        return { predicted > window / 2 ? predicted - window / 2 : 0, window };
    }
    const uint64_t slots = std::min<uint64_t>(std::max<uint64_t>(m_header->period(), 1),
                                              static_cast<uint64_t>(m_config.max_search_slots));
    return { m_acq_counter, slots };
}

void FrameSync::search()
{
    // Scan in slices so that hypotheses are verified as soon as their data is there.
    const uint64_t limit = end() > static_cast<uint64_t>(kSearchSpan) + 1
                               ? end() - static_cast<uint64_t>(kSearchSpan) - 1
                               : 0;
    const uint64_t stop = std::min(limit, m_search_pos + 8192);
    if (m_search_pos >= stop)
        return;
    ensure_diffs();
    // The block statistic screens kHeaderSearchBlock positions per counter at once; a
    // position that comes near the threshold there is searched with the reference
    // statistic (search_at), which makes the decision, so the screen changes nothing
    // but the time (its float rounding differs from the reference's by ~1e-6 relative,
    // hence the 1e-3 margin). The positions left over at the slice's end, and blocks in
    // which the predicted counter changes, go through search_at directly.
    static_assert(kSearchSpan >= kHeaderSearchSpan, "the search reads what the statistic needs");
    const float screen = m_config.acquisition_threshold * (1.0f - 1e-3f);
    const bool pilots = m_config.search_pilots;
    constexpr auto kBlock = static_cast<uint64_t>(kHeaderSearchBlock);
    HeaderSearchEnergies energies;
    float q[kHeaderSearchBlock];
    uint16_t flagged[kHeaderSearchBlock]; // per position, bit c: counter first + c
    while (m_search_pos < stop) {
        const auto counters = search_counters(m_search_pos);
        if (m_search_pos + kBlock <= stop && search_counters(m_search_pos + kBlock - 1) == counters &&
            counters.second <= 16) {
            const size_t pos = index(m_search_pos);
            header_search_energies(m_diff_energy.data() + pos, pilots, &energies);
            std::fill(flagged, flagged + kHeaderSearchBlock, uint16_t{ 0 });
            for (uint64_t c = 0; c < counters.second; ++c) {
                header_diff_statistic_block(m_diff_re.data() + pos, m_diff_im.data() + pos, energies,
                                            templates(counters.first + c).diff, pilots, q);
                for (int j = 0; j < kHeaderSearchBlock; ++j)
                    if (q[j] >= screen)
                        flagged[j] = static_cast<uint16_t>(flagged[j] | (1u << c));
            }
            for (int j = 0; j < kHeaderSearchBlock; ++j, ++m_search_pos)
                for (uint64_t c = 0; flagged[j] >> c; ++c)
                    if ((flagged[j] >> c) & 1u)
                        search_at(index(m_search_pos), counters.first + c);
            continue;
        }
        for (uint64_t c = 0; c < counters.second; ++c)
            search_at(index(m_search_pos), counters.first + c);
        ++m_search_pos;
    }
}

void FrameSync::search_at(size_t pos, uint64_t counter)
{
    {
        const DiffResult d = diff_statistic(pos, counter, m_config.search_pilots);
        if (d.q < m_config.acquisition_threshold)
            return;
        // A header an open hypothesis already holds or expects is not a new detection.
        bool known = false;
        for (const auto& h : m_hyps) {
            known = known || h.next_start == m_search_pos;
            for (const auto& f : h.chain)
                known = known || f.start == m_search_pos;
        }
        if (known)
            return;
        const HeaderResult r = examine_header(pos, counter, &d, false, 0.0, kSearchCandidates);
        if (!r.ok || r.statistic < m_config.acquisition_header_threshold)
            return;
        if (static_cast<int>(m_hyps.size()) >= m_config.max_hypotheses) {
            // Replace the oldest unconfirmed one.
            auto it = std::min_element(m_hyps.begin(), m_hyps.end(), [](const Hypothesis& a, const Hypothesis& b) {
                return a.confirmations != b.confirmations ? a.confirmations < b.confirmations
                                                          : a.first_start < b.first_start;
            });
            m_hyps.erase(it);
            ++m_stats.false_detections;
        }
        Hypothesis h;
        h.first_start = m_search_pos;
        h.chain.push_back(frame_from_header(m_search_pos, counter, r));
        h.next_start = m_search_pos + static_cast<uint64_t>(r.length);
        h.next_counter = counter + 1;
        h.frequency = r.frequency;
        h.freq_count = 1;
        m_hyps.push_back(std::move(h));
        ++m_stats.hypotheses_opened;
    }
}

SyncedFrame FrameSync::frame_from_header(uint64_t start, uint64_t counter, const HeaderResult& r)
{
    SyncedFrame f;
    f.start = start;
    f.frame_counter = counter;
    f.dummy = r.dummy;
    f.format = r.format;
    f.length = r.length;
    f.plsc = r.plsc;
    f.header_statistic = r.statistic;
    f.frequency = r.frequency;
    f.header_phase = r.phase;
    return f;
}

void FrameSync::verify_hypotheses()
{
    for (size_t k = 0; k < m_hyps.size();) {
        Hypothesis& h = m_hyps[k];
        if (h.next_start + static_cast<uint64_t>(kSearchSpan) + 1 > end()) {
            ++k;
            continue;
        }
        const size_t pos = index(h.next_start);
        const DiffResult d = diff_statistic(pos, h.next_counter, m_config.search_pilots);
        HeaderResult r;
        if (d.q >= m_config.verify_threshold) {
            // Average this header's local frequency estimate into the hypothesis' and
            // decode with the average (a lone SOF-only estimate, e.g. of a dummy frame's
            // header, is too rough for the PLSC at low Es/N0).
            double local = local_frequency(pos, templates(h.next_counter), d);
            local = h.frequency + std::remainder(local - h.frequency, 2.0 * kPi);
            const double mean = h.frequency + (local - h.frequency) / (h.freq_count + 1);
            r = examine_header(pos, h.next_counter, &d, true, mean, kVerifyCandidates);
            if (r.ok && r.statistic < m_config.lock_threshold)
                r.ok = false;
            if (r.ok) {
                // The header-wide estimate (r.frequency) is the better one; average those.
                const double refined = h.frequency + std::remainder(r.frequency - h.frequency, 2.0 * kPi);
                h.frequency += (refined - h.frequency) / (h.freq_count + 1);
                ++h.freq_count;
            }
        }
        if (!r.ok) {
            m_hyps.erase(m_hyps.begin() + static_cast<std::ptrdiff_t>(k));
            ++m_stats.false_detections;
            continue;
        }
        h.chain.push_back(frame_from_header(h.next_start, h.next_counter, r));
        h.next_start += static_cast<uint64_t>(r.length);
        ++h.next_counter;
        ++h.confirmations;
        if (h.confirmations >= m_config.confirm_frames) {
            enter_lock(h);
            return;
        }
        // Check it again: its next header may already be in the buffer.
    }
}

void FrameSync::enter_lock(Hypothesis& h)
{
    m_state = SyncState::Locked;
    ++m_stats.acquisitions;
    m_pending.assign(h.chain.begin(), h.chain.end() - 1);
    m_current = h.chain.back();
    m_freq = h.frequency;
    m_freq_count = h.freq_count;
    m_freq_external = false;
    m_missed = 0;
    m_stats.false_detections += m_hyps.size() - 1; // the others were not the lock
    m_hyps.clear();
}

bool FrameSync::locked_step(SyncedFrame* frame)
{
    const uint64_t next = m_current.start + static_cast<uint64_t>(m_current.length);
    // The next header plus, for the local frequency estimate, its first two pilot blocks.
    const uint64_t need = next + static_cast<uint64_t>(m_freq_external ? kPlHeaderSymbols : kSearchSpan) + 1;
    if (need > end())
        return false;
    const size_t pos = index(next);
    const uint64_t counter = m_current.frame_counter + 1;
    if (!m_freq_external) {
        // Refine the acquisition's frequency with every header until the carrier
        // recovery takes over: running mean, then exponential with weight 1/32.
        const DiffResult d = diff_statistic(pos, counter, m_config.search_pilots);
        if (d.q >= m_config.verify_threshold) {
            const Templates& t = templates(counter);
            double local = local_frequency(pos, t, d);
            local = m_freq + std::remainder(local - m_freq, 2.0 * kPi);
            m_freq_count = std::min(m_freq_count + 1, 32);
            m_freq += (local - m_freq) / m_freq_count;
        }
    }
    const HeaderResult r = examine_header(pos, counter, nullptr, true, m_freq);
    SyncedFrame f = frame_from_header(next, counter, r);
    f.frequency = m_freq;
    const bool format_ok = !m_config.fixed_format ||
                           (r.ok && !r.dummy && !m_current.dummy && r.format == m_current.format);
    if (r.ok && r.statistic >= m_config.lock_threshold && format_ok) {
        m_missed = 0;
        // The newest confirmed frame anchors the counter prediction (for keyed sequences
        // that never repeat): after a lock loss the search predicts from it. Flywheel
        // frames do not move the anchor: a header of noise in a fade may decode to another
        // format and put the frames after it a fraction of a frame off, and the prediction
        // drifted with them (test_protect_loopback, the fade).
        if (f.length > 0) {
            m_acq_counter = counter;
            m_acq_anchor = next;
            m_acq_frame_symbols = f.length;
        }
    } else {
        ++m_stats.missed_headers;
        ++m_missed;
        f.header_confirmed = false;
        // Nothing decodable, or a decode too weak to trust (below half the lock threshold:
        // noise, or a header erased to zeros by a blanker, decodes to an arbitrary PLSC):
        // the flywheel keeps the current format. A weak but plausible header (a real one
        // in a fade) still sets the length, so VCM/ACM format changes are followed.
        if (r.length <= 0 || m_config.fixed_format ||
            !(r.statistic >= 0.5f * m_config.lock_threshold)) {
            f.dummy = m_current.dummy;
            f.format = m_current.format;
            f.length = m_current.length;
        }
    }
    *frame = m_current;
    frame->symbols = m_buf.data() + index(m_current.start);
    ++m_stats.frames_out;
    m_stats.dummy_frames += frame->dummy;
    if (m_missed > m_config.max_missed_frames) {
        ++m_stats.lock_losses;
        m_state = SyncState::Searching;
        // Search again from the frame start that could not be confirmed, minus the
        // flywheel frames delivered before (their headers failed too).
        m_search_pos = next;
        // The prediction continues from the last frame the lock confirmed (above).
        m_missed = 0;
        m_freq_external = false;
        m_current = SyncedFrame{};
        m_current.start = next;
    } else {
        m_current = f;
    }
    return true;
}

bool FrameSync::next_frame(SyncedFrame* frame)
{
    if (!frame)
        throw ConfigError("frame sync: null frame");
    for (;;) {
        if (!m_pending.empty()) {
            *frame = m_pending.front();
            m_pending.erase(m_pending.begin());
            frame->symbols = m_buf.data() + index(frame->start);
            ++m_stats.frames_out;
            m_stats.dummy_frames += frame->dummy;
            return true;
        }
        if (m_state == SyncState::Locked)
            return locked_step(frame);
        const uint64_t before = m_search_pos;
        const size_t hyps_before = m_stats.hypotheses_opened + m_stats.false_detections;
        verify_hypotheses();
        if (m_state == SyncState::Locked)
            continue;
        search();
        verify_hypotheses();
        if (m_state == SyncState::Locked)
            continue;
        if (m_search_pos == before &&
            m_stats.hypotheses_opened + m_stats.false_detections == hyps_before)
            return false;
    }
}

} // namespace dualsat
