// SPDX-License-Identifier: GPL-3.0-or-later
// Receiver FEC chain: see dualsat/fec_receiver.h.
#include <dualsat/rx/fec_receiver.h>

#include <dualsat/framing/bb_scrambler.h>
#include <dualsat/coding/bch.h>
#include <dualsat/coding/bit_interleaver.h>
#include <dualsat/coding/codeword_interleaver.h>
#include <dualsat/coding/ldpc_encoder.h>
#include <dualsat/mapping/mapper.h>
#include <dualsat/mapping/constellation.h>
#include <dualsat/core/error.h>

#include <array>
#include <cmath>
#include <cstring>

namespace dualsat {

std::string to_string(FecFrameStatus status)
{
    switch (status) {
    case FecFrameStatus::Ok:
        return "ok";
    case FecFrameStatus::BadInput:
        return "bad input";
    case FecFrameStatus::BchFailure:
        return "BCH failure";
    case FecFrameStatus::OpenFailed:
        return "open failed";
    case FecFrameStatus::BadHeader:
        return "bad BBHEADER";
    case FecFrameStatus::UnsupportedStream:
        return "unsupported stream";
    }
    return "unknown";
}

namespace {

constexpr int kNumModcods = 29; // index = MODCOD number 1..28
constexpr size_t kMaxNldpc = 64800;

size_t frame_index(FrameSize f) { return f == FrameSize::Normal ? 0 : 1; }

FecFrameStatus to_fec_status(BbFrameStatus s)
{
    switch (s) {
    case BbFrameStatus::Ok:
        return FecFrameStatus::Ok;
    case BbFrameStatus::OpenFailed:
        return FecFrameStatus::OpenFailed;
    case BbFrameStatus::BadHeader:
        return FecFrameStatus::BadHeader;
    case BbFrameStatus::UnsupportedStream:
        return FecFrameStatus::UnsupportedStream;
    }
    return FecFrameStatus::BadHeader;
}

// The parser's deliveries appended to a FecOutput.
class AppendTo final : public BbFrameSink
{
public:
    explicit AppendTo(FecOutput& out) : m_out(out) {}
    void ts_packets(const uint8_t* packets, size_t count) override
    {
        m_out.ts.insert(m_out.ts.end(), packets, packets + count * kTsPacketBytes);
    }
    void pdu(const GsePduView& p) override
    {
        m_out.pdus.add(p.protocol_type, p.label, p.fragmented, p.data, p.size);
    }

private:
    FecOutput& m_out;
};

} // namespace

struct FecFrameDecoder::Impl {
    FecReceiverOptions options;
    BbScrambler scrambler;
    // Lazily built, cached for the life of the decoder: VCM/ACM switch MODCOD per frame.
    std::array<std::unique_ptr<SoftDemapper>, kNumModcods> demappers;
    std::array<std::array<std::unique_ptr<BitInterleaver>, kNumModcods>, 2> interleavers;
    std::array<std::array<std::unique_ptr<LdpcDecoder>, kNumCodeRates>, 2> ldpc;
    std::array<std::array<std::unique_ptr<BchCodec>, kNumCodeRates>, 2> bch;
    std::vector<int8_t> llr_symbol_order; // demapper output
    std::vector<int8_t> llr_codeword_order;
    std::vector<uint8_t> ldpc_info;        // k_ldpc bits = BCH codeword, packed
    // Payload Es/N0: the decoded frame re-encoded and re-mapped, or the blind estimate.
    std::array<std::array<std::unique_ptr<LdpcEncoder>, kNumCodeRates>, 2> encoders;
    std::array<std::array<std::unique_ptr<Mapper>, kNumModcods>, 2> mappers;
    std::vector<uint8_t> codeword;         // n_ldpc bits, packed
    std::vector<uint8_t> interleaved;
    std::vector<std::complex<float>> reference; // the transmitted payload symbols
    BlindEsn0Estimator blind;

    explicit Impl(const FecReceiverOptions& o)
        : options(o),
          llr_symbol_order(kMaxNldpc),
          llr_codeword_order(kMaxNldpc),
          ldpc_info(kMaxNldpc / 8),
          blind(o.blind_esn0)
    {
        if (!(options.llr_steps_per_unit > 0.0f && std::isfinite(options.llr_steps_per_unit)))
            throw ConfigError("FecReceiverOptions: llr_steps_per_unit must be positive");
        // Validates the LDPC options now rather than at the first frame.
        LdpcDecoder probe(FrameSize::Short, CodeRate::R1_4, options.ldpc);
        (void)probe;
        if (options.per_rate_offset)
            for (int8_t off : options.ldpc_offset_by_rate)
                if (off < 0)
                    throw ConfigError("FecReceiverOptions: negative LDPC offset");
    }

    SoftDemapper& demapper(const ModCod& mc)
    {
        auto& d = demappers[static_cast<size_t>(modcod_number(mc))];
        if (!d)
            d = std::make_unique<SoftDemapper>(Constellation(mc), options.demap_algorithm,
                                               options.demap_simd);
        return *d;
    }
    BitInterleaver& interleaver(const FrameFormat& f)
    {
        auto& p = interleavers[frame_index(f.frame)][static_cast<size_t>(modcod_number(f.modcod))];
        if (!p)
            p = std::make_unique<BitInterleaver>(f.frame, f.modcod.rate, f.modcod.mod);
        return *p;
    }
    LdpcDecoder& ldpc_decoder(const FrameFormat& f)
    {
        auto& p = ldpc[frame_index(f.frame)][static_cast<size_t>(f.modcod.rate)];
        if (!p) {
            LdpcDecoderOptions o = options.ldpc;
            if (options.per_rate_offset)
                o.offset = options.ldpc_offset_by_rate[static_cast<size_t>(f.modcod.rate)];
            p = std::make_unique<LdpcDecoder>(f.frame, f.modcod.rate, o);
        }
        return *p;
    }
    BchCodec& bch_codec(const FrameFormat& f)
    {
        auto& p = bch[frame_index(f.frame)][static_cast<size_t>(f.modcod.rate)];
        if (!p)
            p = std::make_unique<BchCodec>(f.frame, f.modcod.rate);
        return *p;
    }
    LdpcEncoder& encoder(const FrameFormat& f)
    {
        auto& p = encoders[frame_index(f.frame)][static_cast<size_t>(f.modcod.rate)];
        if (!p)
            p = std::make_unique<LdpcEncoder>(f.frame, f.modcod.rate);
        return *p;
    }
    Mapper& mapper(const FrameFormat& f)
    {
        auto& p = mappers[frame_index(f.frame)][static_cast<size_t>(modcod_number(f.modcod))];
        if (!p)
            p = std::make_unique<Mapper>(f.modcod, f.frame);
        return *p;
    }

    // The payload's Es/N0 into st. decoded: ldpc_info holds the corrected BCH codeword
    // (= the LDPC information bits), so the frame's symbols can be rebuilt exactly.
    void measure_payload(const FrameFormat& format, const std::complex<float>* symbols,
                         size_t n_symbols, float noise_variance, bool decoded, FecFrameStats& st)
    {
        if (!options.payload_esn0)
            return;
        const Mapper& map = mapper(format);
        const Constellation& c = map.constellation();
        const double es = c.average_energy();
        if (decoded) {
            LdpcEncoder& enc = encoder(format);
            codeword.resize(enc.n_bytes());
            interleaved.resize(enc.n_bytes());
            reference.resize(n_symbols);
            enc.encode(ldpc_info.data(), codeword.data());
            if (options.codeword_interleaving) {
                CodewordInterleaver::instance().interleave(format.frame, codeword.data(), interleaved.data());
                codeword.swap(interleaved);
            }
            interleaver(format).interleave(codeword.data(), interleaved.data());
            map.map_packed(interleaved.data(), n_symbols, reference.data());
            // Blocks of one slot (90 symbols) for the phase re-fit: short against the phase
            // noise, long enough that each block's phase is well measured.
            st.payload_esn0 = data_aided_esn0(symbols, reference.data(), n_symbols, es, 90);
            st.payload_esn0_codeword = true;
        } else if (!format.pilots) {
            // Without pilots the carrier recovery may have lost the phase or the frequency
            // (pilotless 8PSK below ~5 dB, QPSK below ~-2 dB): the symbols' moduli do not
            // depend on it. The rings from the points themselves (float, as the mapper's).
            double radii[BlindEsn0Estimator::kMaxRings] = {}, shares[BlindEsn0Estimator::kMaxRings] = {};
            const int rings = std::min(c.rings(), BlindEsn0Estimator::kMaxRings);
            double ring_es = 0.0;
            for (int label = 0; label < c.size(); ++label) {
                const int ring = c.ring_of(static_cast<unsigned>(label));
                if (ring < rings) {
                    radii[ring] += std::abs(std::complex<double>(c.points()[label]));
                    shares[ring] += 1.0;
                }
            }
            for (int j = 0; j < rings; ++j) {
                radii[j] = shares[j] > 0.0 ? radii[j] / shares[j] : 0.0;
                shares[j] /= static_cast<double>(c.size());
                ring_es += shares[j] * radii[j] * radii[j];
            }
            st.payload_esn0 = blind.estimate_rings(symbols, n_symbols, radii, shares, rings, ring_es, 1.0,
                                                   static_cast<double>(noise_variance));
            st.payload_esn0_moduli = true;
        } else {
            st.payload_esn0 = blind.estimate(symbols, n_symbols, c.points(), c.size(), es, 1.0,
                                             static_cast<double>(noise_variance));
        }
    }
};

FecFrameDecoder::FecFrameDecoder(const FecReceiverOptions& options)
    : impl_(std::make_unique<Impl>(options))
{
}

FecFrameDecoder::~FecFrameDecoder() = default;

const FecReceiverOptions& FecFrameDecoder::options() const { return impl_->options; }

void FecFrameDecoder::set_max_iterations(int max_iterations)
{
    if (max_iterations < 1)
        throw ConfigError("LDPC max_iterations must be >= 1");
    impl_->options.ldpc.max_iterations = max_iterations;
    for (auto& per_frame : impl_->ldpc)
        for (auto& d : per_frame)
            if (d)
                d->set_max_iterations(max_iterations);
}

void FecFrameDecoder::decode(const FrameFormat& format, const std::complex<float>* symbols,
                             size_t n_symbols, float noise_variance, uint64_t frame_counter,
                             DecodedBbFrame& out)
{
    Impl& d = *impl_;
    FecFrameStats& st = out.stats;
    st = FecFrameStats{};
    st.frame_counter = frame_counter;
    st.format = format;
    st.status = FecFrameStatus::BadInput;
    out.bytes.clear();

    // Everything a synchroniser could get wrong is a counted drop, not an exception.
    if (!modcod_valid(format.modcod) || !code_exists(format.frame, format.modcod.rate))
        return;
    if (symbols == nullptr || n_symbols != static_cast<size_t>(format.data_symbols()))
        return;
    if (!(noise_variance > 0.0f) || !std::isfinite(noise_variance))
        return;
    st.esn0_db = -10.0f * std::log10(noise_variance);

    const CodeParams& code = format.code();
    const size_t n_bits = static_cast<size_t>(code.nldpc);

    SoftDemapper& demapper = d.demapper(format.modcod);
    st.erased_symbols = static_cast<uint32_t>(
        demapper.demap_int8(symbols, n_symbols, std::max(noise_variance, kMinNoiseVariance),
                            d.options.llr_steps_per_unit, d.llr_symbol_order.data(), n_bits));
    // Nothing to decode: all-zero LLRs would "converge" to the all-zero codeword, which
    // only the BBHEADER CRC would then catch.
    if (st.erased_symbols == n_symbols)
        return;

    const int8_t* llr = d.llr_symbol_order.data();
    BitInterleaver& interleaver = d.interleaver(format);
    if (!interleaver.is_identity()) {
        interleaver.deinterleave_soft(d.llr_symbol_order.data(), d.llr_codeword_order.data());
        llr = d.llr_codeword_order.data();
    }
    if (d.options.codeword_interleaving) {
        // Into whichever buffer llr does not point at.
        int8_t* dst = llr == d.llr_codeword_order.data() ? d.llr_symbol_order.data() : d.llr_codeword_order.data();
        CodewordInterleaver::instance().deinterleave_soft(format.frame, llr, dst);
        llr = dst;
    }

    LdpcDecoder& ldpc = d.ldpc_decoder(format);
    const LdpcDecodeResult lr = ldpc.decode(llr, d.ldpc_info.data());
    st.ldpc_iterations = lr.iterations_used;
    st.ldpc_converged = lr.converged;

    // BCH also guards converged frames: the LDPC decoder can settle on a wrong codeword.
    const BchResult br = d.bch_codec(format).decode(d.ldpc_info.data());
    if (!br.ok) {
        st.bch_failure = true;
        st.status = FecFrameStatus::BchFailure;
        d.measure_payload(format, symbols, n_symbols, noise_variance, false, st);
        return;
    }
    st.bch_corrected = br.corrected_bits;

    const size_t kbch_bytes = static_cast<size_t>(code.kbch) / 8;
    out.bytes.assign(d.ldpc_info.begin(), d.ldpc_info.begin() + static_cast<ptrdiff_t>(kbch_bytes));
    d.scrambler.apply_packed(out.bytes.data(), kbch_bytes);
    st.status = FecFrameStatus::Ok;
    d.measure_payload(format, symbols, n_symbols, noise_variance, true, st);
}

// ---------------------------------------------------------------------------------------

BbFrameDeframer::BbFrameDeframer(const FecReceiverOptions& options,
                                 std::shared_ptr<BbFrameOpener> opener)
    : m_parser(BbFrameParserConfig{ options.ts_crc_policy, options.gse_timeout_frames },
               std::move(opener))
{
}

void BbFrameDeframer::count(const FecFrameStats& s)
{
    FecReceiverCounters& c = m_counters;
    ++c.frames;
    switch (s.status) {
    case FecFrameStatus::Ok:
        ++c.frames_ok;
        if (s.fill)
            ++c.frames_fill;
        break;
    case FecFrameStatus::BadInput:
        ++c.frames_bad_input;
        break;
    case FecFrameStatus::BchFailure:
        ++c.frames_bch_failure;
        break;
    case FecFrameStatus::OpenFailed:
        ++c.frames_open_failed;
        break;
    case FecFrameStatus::BadHeader:
        ++c.frames_bad_header;
        break;
    case FecFrameStatus::UnsupportedStream:
        ++c.frames_unsupported_stream;
        break;
    }
    if (s.ldpc_iterations > 0 && !s.ldpc_converged)
        ++c.frames_ldpc_not_converged;
    c.ldpc_iterations += static_cast<uint64_t>(s.ldpc_iterations);
    c.bch_corrected_bits += static_cast<uint64_t>(s.bch_corrected);
    c.erased_symbols += s.erased_symbols;
}

const FecFrameStats& BbFrameDeframer::process(DecodedBbFrame& frame, FecOutput& out)
{
    FecFrameStats& st = frame.stats;
    st.bbheader_ok = false;
    st.packets_out = 0;
    st.crc_failures = 0;
    st.fill = false;
    if (!frame.decoded_ok()) {
        if (st.status == FecFrameStatus::Ok) // Ok without bytes: never trust it
            st.status = FecFrameStatus::BadInput;
        m_parser.frame_lost();
        count(st);
        return st;
    }

    AppendTo sink(out);
    const BbFrameResult r = m_parser.parse(frame.bytes.data(), frame.bytes.size(), st.format,
                                           st.frame_counter, sink);
    st.status = to_fec_status(r.status);
    st.bbheader_ok = r.header_ok;
    if (r.header_ok)
        st.stream_type = r.stream_type;
    st.packets_out = r.packets;
    st.crc_failures = r.crc_failures;
    st.fill = r.empty;
    if (r.header_ok && r.stream_type == StreamType::Transport) {
        m_counters.ts_packets += r.packets;
        m_counters.ts_crc_errors += r.crc_failures;
    } else if (r.header_ok) {
        m_counters.gse_pdus += r.packets;
        m_counters.gse_crc_errors += r.crc_failures;
    }
    count(st);
    return st;
}

// ---------------------------------------------------------------------------------------

FecReceiver::FecReceiver(const FecReceiverOptions& options, std::shared_ptr<BbFrameOpener> opener)
    : m_decoder(options), m_deframer(options, std::move(opener))
{
}

FecFrameStats FecReceiver::process(const FrameFormat& format, const std::complex<float>* symbols,
                                   size_t n_symbols, float noise_variance,
                                   uint64_t frame_counter, FecOutput& out)
{
    m_decoder.decode(format, symbols, n_symbols, noise_variance, frame_counter, m_frame);
    return m_deframer.process(m_frame, out);
}

const DecodedBbFrame& FecReceiver::decode_bbframe(const FrameFormat& format,
                                                  const std::complex<float>* symbols,
                                                  size_t n_symbols, float noise_variance,
                                                  uint64_t frame_counter)
{
    m_decoder.decode(format, symbols, n_symbols, noise_variance, frame_counter, m_frame);
    return m_frame;
}

} // namespace dualsat
