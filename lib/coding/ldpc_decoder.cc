// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 LDPC decoder: layered schedule from the Annex B/C tables, the scalar reference
// kernel, and run-time kernel selection (the pattern of dualsat/core/simd.h; the vector
// kernel: ldpc_decoder_simd.h, instantiated by ldpc_decoder_{sse41,avx2}.cc). See dualsat/ldpc_decoder.h for the algorithm.
#include "ldpc_decoder_kernels.h"

#include <dualsat/core/error.h>
#include <dualsat/coding/ldpc_tables.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace dualsat {
namespace ldpc_detail {
namespace {

// Parity check rows r = a + t*q, t = 0..359, form layer a (EN 302 307-1 §5.3.2 with
// q = (n-k)/360): information bit 360*j + s meets row (x + s*q) mod (n-k) for each
// address x = a + b*q of table line j, i.e. row t = (s + b) mod 360 of layer a, so lane t
// reads bit (t - b) mod 360 of group j. The accumulator p_i ^= p_(i-1) puts p_r and
// p_(r-1) on row r: with parity block P_a[t] = p_(a + t*q), row a + t*q meets P_a[t] and
// P_(a-1)[t] (a >= 1), or P_(q-1)[t-1] for a = 0 (nothing for t = 0: row 0 has no p_(-1)).
LdpcSchedule build_schedule(const LdpcTable& table, const LdpcDecoderOptions& opt)
{
    LdpcSchedule s;
    s.n = table.n;
    s.k = table.k;
    s.q = table.q;
    s.groups = table.groups;
    s.blocks = table.groups + table.q;
    s.algorithm = opt.algorithm;
    s.scale_q15 = static_cast<int16_t>(
        std::min(32767L, std::lround(static_cast<double>(opt.scale) * 32768.0)));
    s.offset = static_cast<int8_t>(opt.offset);
    s.message_limit = static_cast<int8_t>(opt.message_limit);

    std::vector<std::vector<LayerEdge>> layers(static_cast<size_t>(s.q));
    for (int j = 0; j < table.groups; ++j) {
        for (int i = 0; i < table.row_size(j); ++i) {
            const int x = table.row(j)[i];
            const int a = x % s.q;
            const int b = x / s.q;
            layers[static_cast<size_t>(a)].push_back(
                { static_cast<uint16_t>(j), static_cast<uint16_t>((kLanes - b) % kLanes), 0 });
        }
    }
    for (int a = 0; a < s.q; ++a) {
        auto& layer = layers[static_cast<size_t>(a)];
        if (a == 0)
            layer.push_back({ static_cast<uint16_t>(s.groups + s.q - 1),
                              static_cast<uint16_t>(kLanes - 1), kEdgePhantomLane0 });
        else
            layer.push_back({ static_cast<uint16_t>(s.groups + a - 1), 0, 0 });
        layer.push_back({ static_cast<uint16_t>(s.groups + a), 0, 0 });
        for (auto& e : layer) {
            int count = 0;
            for (const auto& f : layer)
                count += f.block == e.block;
            if (count > 1)
                e.flags |= kEdgeMulti;
        }
    }
    s.layer_begin.push_back(0);
    for (const auto& layer : layers) {
        s.edges.insert(s.edges.end(), layer.begin(), layer.end());
        s.layer_begin.push_back(static_cast<uint32_t>(s.edges.size()));
        s.max_layer_degree = std::max(s.max_layer_degree, static_cast<int>(layer.size()));
    }
    return s;
}

int8_t sat8(int x) { return static_cast<int8_t>(std::clamp(x, -127, 127)); }

// The reference: a direct transcription of the fixed-point definition, 360 lanes, circular
// indexing, no tricks. The SIMD kernels must agree with it bit for bit.
class ScalarKernel final : public LdpcKernel
{
public:
    explicit ScalarKernel(const LdpcSchedule& s)
        : s_(s),
          L_(static_cast<size_t>(s.blocks) * kLanes),
          R_(s.edges.size() * kLanes),
          Q_(static_cast<size_t>(s.max_layer_degree) * kLanes),
          Rnew_(static_cast<size_t>(s.max_layer_degree) * kLanes),
          min1_(kLanes), min2_(kLanes), sign_(kLanes)
    {
    }

    LdpcDecodeResult decode(const int8_t* llr, uint8_t* info_out, int max_iterations) override
    {
        for (int j = 0; j < s_.groups; ++j)
            for (int t = 0; t < kLanes; ++t)
                L_[static_cast<size_t>(j) * kLanes + t] = sat8(llr[j * kLanes + t]);
        for (int a = 0; a < s_.q; ++a)
            for (int t = 0; t < kLanes; ++t)
                L_[static_cast<size_t>(s_.groups + a) * kLanes + t] = sat8(llr[s_.k + a + t * s_.q]);
        std::fill(R_.begin(), R_.end(), int8_t(0));

        LdpcDecodeResult result;
        for (int it = 1; it <= max_iterations; ++it) {
            for (int a = 0; a < s_.q; ++a)
                update_layer(a);
            result.iterations_used = it;
            if (syndrome_ok()) {
                result.converged = true;
                break;
            }
        }
        std::memset(info_out, 0, static_cast<size_t>(s_.k / 8));
        for (int m = 0; m < s_.k; ++m)
            if (L_[static_cast<size_t>(m)] < 0)
                info_out[m / 8] |= static_cast<uint8_t>(0x80u >> (m % 8));
        return result;
    }

private:
    int8_t& var(const LayerEdge& e, int t)
    {
        return L_[static_cast<size_t>(e.block) * kLanes + (t + e.rot) % kLanes];
    }
    static bool phantom(const LayerEdge& e, int t) { return (e.flags & kEdgePhantomLane0) && t == 0; }

    void update_layer(int a)
    {
        const LayerEdge* edges = s_.layer(a);
        const int degree = s_.layer_degree(a);
        int8_t* R = R_.data() + static_cast<size_t>(s_.layer_begin[static_cast<size_t>(a)]) * kLanes;

        for (int t = 0; t < kLanes; ++t) {
            int m1 = 127, m2 = 127, sg = 0;
            for (int e = 0; e < degree; ++e) {
                int q = phantom(edges[e], t) ? 127 : sat8(var(edges[e], t) - R[e * kLanes + t]);
                Q_[static_cast<size_t>(e) * kLanes + t] = static_cast<int8_t>(q);
                const int mag = q < 0 ? -q : q;
                sg ^= q < 0;
                m2 = std::min(m2, std::max(m1, mag));
                m1 = std::min(m1, mag);
            }
            min1_[t] = static_cast<int8_t>(m1);
            min2_[t] = static_cast<int8_t>(m2);
            sign_[t] = static_cast<int8_t>(sg);
        }
        // Check-to-variable messages and the L updates of blocks met once in this layer.
        for (int e = 0; e < degree; ++e) {
            const bool multi = edges[e].flags & kEdgeMulti;
            for (int t = 0; t < kLanes; ++t) {
                const int q = Q_[static_cast<size_t>(e) * kLanes + t];
                const int mag = (q < 0 ? -q : q) == min1_[t] ? check_node_scale(s_, min2_[t])
                                                             : check_node_scale(s_, min1_[t]);
                const int rnew = (sign_[t] ^ (q < 0)) ? -mag : mag;
                if (multi) {
                    Rnew_[static_cast<size_t>(e) * kLanes + t] = static_cast<int8_t>(rnew);
                } else {
                    R[e * kLanes + t] = static_cast<int8_t>(rnew);
                    if (!phantom(edges[e], t))
                        var(edges[e], t) = sat8(q + rnew);
                }
            }
        }
        // Blocks met several times: updates applied in edge order.
        for (int e = 0; e < degree; ++e) {
            if (!(edges[e].flags & kEdgeMulti))
                continue;
            for (int t = 0; t < kLanes; ++t) {
                int8_t& l = var(edges[e], t);
                const int rnew = Rnew_[static_cast<size_t>(e) * kLanes + t];
                l = sat8(sat8(l - R[e * kLanes + t]) + rnew);
                R[e * kLanes + t] = static_cast<int8_t>(rnew);
            }
        }
    }

    bool syndrome_ok()
    {
        for (int a = 0; a < s_.q; ++a) {
            const LayerEdge* edges = s_.layer(a);
            for (int t = 0; t < kLanes; ++t) {
                int parity = 0;
                for (int e = 0; e < s_.layer_degree(a); ++e)
                    if (!phantom(edges[e], t))
                        parity ^= var(edges[e], t) < 0;
                if (parity)
                    return false;
            }
        }
        return true;
    }

    const LdpcSchedule& s_;
    std::vector<int8_t> L_, R_, Q_, Rnew_, min1_, min2_, sign_;
};

} // namespace

namespace {
std::unique_ptr<LdpcKernel> make_scalar_kernel(const LdpcSchedule& s)
{
    return std::make_unique<ScalarKernel>(s);
}
} // namespace

const LdpcKernels* ldpc_kernel_table(simd::Scalar)
{
    static constexpr LdpcKernels table{ &make_scalar_kernel };
    return &table;
}

} // namespace ldpc_detail

struct LdpcDecoder::Impl {
    FrameSize frame;
    CodeRate rate;
    LdpcDecoderOptions options;
    ldpc_detail::LdpcSchedule schedule;
    SimdLevel level = SimdLevel::Scalar;
    std::unique_ptr<ldpc_detail::LdpcKernel> kernel;
    std::vector<int8_t> llr_buffer; // input clamp / float quantisation
};

namespace {

void check_options(const LdpcDecoderOptions& o)
{
    if (o.max_iterations < 1)
        throw ConfigError("LDPC decoder: max_iterations must be >= 1, got " +
                          std::to_string(o.max_iterations));
    if (!(o.scale > 0.0f && o.scale <= 1.0f))
        throw ConfigError("LDPC decoder: normalised min-sum scale must be in (0, 1], got " +
                          std::to_string(o.scale));
    if (o.offset < 0 || o.offset > 127)
        throw ConfigError("LDPC decoder: offset must be in 0..127, got " + std::to_string(o.offset));
    if (o.message_limit < 1 || o.message_limit > 127)
        throw ConfigError("LDPC decoder: message_limit must be in 1..127, got " +
                          std::to_string(o.message_limit));
    if (o.algorithm != LdpcAlgorithm::NormalisedMinSum && o.algorithm != LdpcAlgorithm::OffsetMinSum)
        throw ConfigError("LDPC decoder: unknown algorithm");
}

SimdLevel requested_level(LdpcDecoderOptions::Kernel k)
{
    switch (k) {
    case LdpcDecoderOptions::Kernel::Scalar:
        return SimdLevel::Scalar;
    case LdpcDecoderOptions::Kernel::SSE41:
        return SimdLevel::SSE41;
    case LdpcDecoderOptions::Kernel::AVX2:
        return SimdLevel::AVX2;
    case LdpcDecoderOptions::Kernel::Auto:
        break;
    }
    return active_simd_level();
}

} // namespace

LdpcDecoder::LdpcDecoder(FrameSize frame, CodeRate rate, const LdpcDecoderOptions& options)
    : impl_(std::make_unique<Impl>())
{
    check_options(options);
    const LdpcTable& table = ldpc_table(frame, rate); // throws for short 9/10
    impl_->frame = frame;
    impl_->rate = rate;
    impl_->options = options;
    impl_->schedule = ldpc_detail::build_schedule(table, options);
    impl_->llr_buffer.resize(static_cast<size_t>(table.n));

    const auto kernels = simd::select(requested_level(options.kernel), [](auto isa) {
        return ldpc_detail::ldpc_kernel_table(isa);
    });
    impl_->kernel = kernels.table->make(impl_->schedule);
    impl_->level = kernels.level;
}

LdpcDecoder::~LdpcDecoder() = default;
LdpcDecoder::LdpcDecoder(LdpcDecoder&&) noexcept = default;
LdpcDecoder& LdpcDecoder::operator=(LdpcDecoder&&) noexcept = default;

LdpcDecodeResult LdpcDecoder::decode(const int8_t* llr_in, uint8_t* info_bits_out)
{
    return impl_->kernel->decode(llr_in, info_bits_out, impl_->options.max_iterations);
}

LdpcDecodeResult LdpcDecoder::decode(const float* llr_in, float quant_scale, uint8_t* info_bits_out)
{
    int8_t* buf = impl_->llr_buffer.data();
    const size_t n = impl_->llr_buffer.size();
    int erased = 0;
    for (size_t i = 0; i < n; ++i) {
        const float v = llr_in[i] * quant_scale;
        if (std::isnan(v)) {
            buf[i] = 0;
            ++erased;
        } else {
            buf[i] = static_cast<int8_t>(std::lrint(std::clamp(v, -127.0f, 127.0f)));
        }
    }
    LdpcDecodeResult r = impl_->kernel->decode(buf, info_bits_out, impl_->options.max_iterations);
    r.erased_inputs = erased;
    return r;
}

int LdpcDecoder::n() const { return impl_->schedule.n; }
int LdpcDecoder::k() const { return impl_->schedule.k; }
FrameSize LdpcDecoder::frame_size() const { return impl_->frame; }
CodeRate LdpcDecoder::code_rate() const { return impl_->rate; }
SimdLevel LdpcDecoder::kernel() const { return impl_->level; }
const LdpcDecoderOptions& LdpcDecoder::options() const { return impl_->options; }

void LdpcDecoder::set_max_iterations(int max_iterations)
{
    if (max_iterations < 1)
        throw ConfigError("LDPC decoder: max_iterations must be >= 1, got " +
                          std::to_string(max_iterations));
    impl_->options.max_iterations = max_iterations;
}

} // namespace dualsat
