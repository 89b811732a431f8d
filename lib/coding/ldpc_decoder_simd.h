// SPDX-License-Identifier: GPL-3.0-or-later
// The vector LDPC kernel, written once over an ISA tag (dualsat/core/simd.h; int8 vectors
// simd::Ops<Isa>::i8) and instantiated by ldpc_decoder_sse41.cc (16 lanes per register, 23
// per layer vector) and ldpc_decoder_avx2.cc (32 lanes, 12 per layer vector). Scalar
// reference: ScalarKernel in ldpc_decoder.cc, matched bit for bit. Everything here is in an
// anonymous namespace: each ISA file gets its own copy.
//
// Memory layout. Each 360-bit variable block is stored as D[0..360) plus a wrap
// D[360 + i] = D[i] for i < 32, inside a padded slot. Lane t of a layer reads bit
// (t + rot) mod 360, so register r of an edge is one unaligned load at
// D + ((rot + r*W) mod 360): the cyclic shift costs nothing, and the wrap makes the one
// register that crosses the end of the block contiguous. Vectors span 384 lanes: 352 / W
// full registers and a last one whose 8 low lanes (352..359) are real; lanes 360..383
// compute garbage that is never stored (the last register stores 8 bytes only). A store
// that touches the first or last 32 bytes also refreshes the other end.
//
// A layer is three passes: (1) register by register over all edges: Q = sat(L - R), the two
// minima and the sign parity, kept in registers then spilled as the scaled magnitudes;
// (2) edge by edge: new R and, for blocks met once in the layer, the new L; (3) blocks
// met several times: L updates in edge order (see ldpc_decoder.h).
#include "ldpc_decoder_kernels.h"

#include <dualsat/core/simd.h>

#include <cstring>
#include <emmintrin.h>
#include <new>

namespace dualsat {
namespace ldpc_detail {
namespace {

// Zero-initialised, 64-byte-aligned byte buffer (allocated once, in constructors). Here,
// not in a shared header, so that each ISA file has its own copy (see simd.h).
class AlignedBytes
{
public:
    AlignedBytes() = default;
    explicit AlignedBytes(size_t size)
        : size_(size),
          data_(static_cast<int8_t*>(::operator new[](size ? size : 1, std::align_val_t(64))))
    {
        for (size_t i = 0; i < size; ++i)
            data_[i] = 0;
    }
    ~AlignedBytes() { release(); }
    AlignedBytes(AlignedBytes&& o) noexcept : size_(o.size_), data_(o.data_)
    {
        o.data_ = nullptr;
        o.size_ = 0;
    }
    AlignedBytes& operator=(AlignedBytes&& o) noexcept
    {
        if (this != &o) {
            release();
            size_ = o.size_;
            data_ = o.data_;
            o.data_ = nullptr;
            o.size_ = 0;
        }
        return *this;
    }
    AlignedBytes(const AlignedBytes&) = delete;
    AlignedBytes& operator=(const AlignedBytes&) = delete;

    int8_t* data() { return data_; }
    const int8_t* data() const { return data_; }
    size_t size() const { return size_; }

private:
    void release()
    {
        if (data_)
            ::operator delete[](data_, std::align_val_t(64));
        data_ = nullptr;
    }
    size_t size_ = 0;
    int8_t* data_ = nullptr;
};

template <class Isa>
class SimdKernel final : public LdpcKernel
{
    using Ops = typename simd::Ops<Isa>::i8;
    using V = typename Ops::reg;
    static constexpr int W = Ops::kLanes;
    static constexpr int kFull = 352 / W;      // full registers per layer vector
    static constexpr int kTail = 352;          // first lane of the partial register
    static constexpr int kSlot = 512;          // bytes per variable block slot
    static constexpr int kFront = 32;          // slot bytes before D[0]
    static constexpr int kWrap = 32;           // D[360 + i] = D[i] for i < kWrap
    static constexpr int kVec = kPaddedLanes;  // bytes per stored message vector

    struct KEdge {
        uint32_t l_offset; // D of the block, from L_.data()
        uint16_t rot;
        uint8_t flags;
    };

public:
    explicit SimdKernel(const LdpcSchedule& s)
        : s_(s),
          L_(static_cast<size_t>(s.blocks) * kSlot),
          R_(s.edges.size() * kVec),
          Rscratch_(static_cast<size_t>(s.max_layer_degree) * kVec),
          Qreg_(static_cast<size_t>(s.max_layer_degree) * W)
    {
        edges_.reserve(s.edges.size());
        for (const auto& e : s.edges)
            edges_.push_back({ static_cast<uint32_t>(e.block * kSlot + kFront), e.rot, e.flags });
    }

    LdpcDecodeResult decode(const int8_t* llr, uint8_t* info_out, int max_iterations) override
    {
        load_channel(llr);
        LdpcDecodeResult result;
        for (int it = 1; it <= max_iterations; ++it) {
            for (int a = 0; a < s_.q; ++a) {
                if (it == 1)
                    layer<true>(a);
                else
                    layer<false>(a);
            }
            result.iterations_used = it;
            if (syndrome_ok()) {
                result.converged = true;
                break;
            }
        }
        hard_decide_info(info_out);
        return result;
    }

private:
    int8_t* block(int b) { return L_.data() + static_cast<size_t>(b) * kSlot + kFront; }

    // Position in D of lane t0 of an edge with rotation rot.
    static inline int pos(int rot, int t0)
    {
        const int p = rot + t0;
        return p >= kLanes ? p - kLanes : p;
    }

    // Copies one block's 360 values (in block order; src may be d) clamped, plus the wrap.
    void put_block(int8_t* d, const int8_t* src)
    {
        const V m127 = Ops::set1(-127);
        for (int r = 0; r < kFull; ++r)
            Ops::storeu(d + r * W, Ops::max(Ops::loadu(src + r * W), m127));
        for (int t = kTail; t < kLanes; ++t)
            d[t] = src[t] < -127 ? int8_t(-127) : src[t];
        std::memcpy(d + kLanes, d, kWrap);
    }

    void load_channel(const int8_t* llr)
    {
        for (int j = 0; j < s_.groups; ++j)
            put_block(block(j), llr + static_cast<size_t>(j) * kLanes);
        // Parity block a holds p_(a + t*q): transpose the 360 x q parity array in 8 x 8
        // byte tiles (the last column tile overlaps the previous one when 8 does not
        // divide q); put_block then clamps in place and adds the wrap.
        const int8_t* parity = llr + s_.k;
        const int q = s_.q;
        if (q < 8) {
            for (int a = 0; a < q; ++a) {
                int8_t* d = block(s_.groups + a);
                for (int t = 0; t < kLanes; ++t)
                    d[t] = parity[t * q + a];
            }
        } else {
            for (int t = 0; t < kLanes; t += 8) {
                for (int a0 = 0; a0 < q; a0 += 8) {
                    const int a = a0 + 8 <= q ? a0 : q - 8;
                    const int8_t* src = parity + t * q + a;
                    __m128i row[8];
                    for (int i = 0; i < 8; ++i)
                        row[i] = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + i * q));
                    const __m128i a01 = _mm_unpacklo_epi8(row[0], row[1]);
                    const __m128i a23 = _mm_unpacklo_epi8(row[2], row[3]);
                    const __m128i a45 = _mm_unpacklo_epi8(row[4], row[5]);
                    const __m128i a67 = _mm_unpacklo_epi8(row[6], row[7]);
                    const __m128i b0 = _mm_unpacklo_epi16(a01, a23);
                    const __m128i b1 = _mm_unpackhi_epi16(a01, a23);
                    const __m128i b2 = _mm_unpacklo_epi16(a45, a67);
                    const __m128i b3 = _mm_unpackhi_epi16(a45, a67);
                    const __m128i cols[4] = { _mm_unpacklo_epi32(b0, b2), _mm_unpackhi_epi32(b0, b2),
                                              _mm_unpacklo_epi32(b1, b3), _mm_unpackhi_epi32(b1, b3) };
                    for (int c = 0; c < 4; ++c) {
                        _mm_storel_epi64(reinterpret_cast<__m128i*>(block(s_.groups + a + 2 * c) + t),
                                         cols[c]);
                        _mm_storel_epi64(reinterpret_cast<__m128i*>(block(s_.groups + a + 2 * c + 1) + t),
                                         _mm_unpackhi_epi64(cols[c], cols[c]));
                    }
                }
            }
        }
        for (int a = 0; a < q; ++a) {
            int8_t* d = block(s_.groups + a);
            put_block(d, d);
        }
    }

    // Write an edge's lanes [t0, t0 + width) back at D[p], p = pos(rot, t0), keeping the
    // wrap D[360 + i] = D[i] (i < 32) in step: at most one extra store, near the ends.
    static inline void store_lanes(int8_t* d, int p, V v, bool partial)
    {
        const int width = partial ? 8 : W;
        auto put = [&](int at) {
            if (partial)
                Ops::store_low8(d + at, v);
            else
                Ops::storeu(d + at, v);
        };
        put(p);
        if (p + width > kLanes)
            put(p - kLanes); // wrote into the wrap: update the head
        else if (p < kWrap)
            put(p + kLanes); // wrote into the head: update the wrap
    }

    V scale(V m) const
    {
        const V f = s_.algorithm == LdpcAlgorithm::NormalisedMinSum
                        ? Ops::mul_q15_u8(m, s_.scale_q15)
                        : Ops::subs_u8(m, Ops::set1(s_.offset));
        return Ops::min(f, Ops::set1(s_.message_limit));
    }

    template <bool kFirst>
    void layer(int a)
    {
        const KEdge* edges = edges_.data() + s_.layer_begin[static_cast<size_t>(a)];
        const int degree = s_.layer_degree(a);
        int8_t* R = R_.data() + static_cast<size_t>(s_.layer_begin[static_cast<size_t>(a)]) * kVec;
        int8_t* L = L_.data();
        const V m127 = Ops::set1(-127);
        const V p127 = Ops::set1(127);
        const V phantom_max = Ops::with_lane0(Ops::set1(-128), 127); // 127 in lane 0
        const V lane0 = Ops::with_lane0(Ops::zero(), -1);             // 0xff in lane 0
        bool any_multi = false;
        const V one = Ops::set1(1);
        int8_t* qbuf = Qreg_.data();

        // Passes 1 and 2 fused, register by register: the 360 rows of a layer touch each
        // block once (multi blocks wait for pass 3), so finishing lanes [t0, t0 + W) of the
        // whole layer before the next lanes changes nothing. Lanes 360..383 of the last
        // register read variables already updated, but they are never stored into L.
        for (int r = 0; r <= kFull; ++r) {
            const int t0 = r * W;
            const bool partial = r == kFull;
            V min1 = p127, min2 = p127, sgn = Ops::zero();
            for (int e = 0; e < degree; ++e) {
                const KEdge& ed = edges[e];
                V q = Ops::loadu(L + ed.l_offset + pos(ed.rot, t0));
                if (!kFirst)
                    q = Ops::max(Ops::subs(q, Ops::load(R + e * kVec + t0)), m127);
                if (r == 0 && (ed.flags & kEdgePhantomLane0))
                    q = Ops::max(q, phantom_max);
                Ops::store(qbuf + e * W, q);
                const V mag = Ops::abs(q);
                sgn = Ops::xor_(sgn, q);
                min2 = Ops::min(min2, Ops::max(min1, mag));
                min1 = Ops::min(min1, mag);
            }
            const V m1 = scale(min1);
            const V m2 = scale(min2);
            for (int e = 0; e < degree; ++e) {
                const KEdge& ed = edges[e];
                const V q = Ops::load(qbuf + e * W);
                const V mag = Ops::blendv(m1, m2, Ops::cmpeq(Ops::abs(q), min1));
                const V rn = Ops::sign(mag, Ops::or_(Ops::xor_(sgn, q), one)); // never 0
                if (ed.flags & kEdgeMulti) {
                    Ops::store(Rscratch_.data() + e * kVec + t0, rn);
                    any_multi = true;
                    continue;
                }
                Ops::store(R + e * kVec + t0, rn);
                V lnew = Ops::max(Ops::adds(q, rn), m127);
                int8_t* d = L + ed.l_offset;
                if (r == 0 && (ed.flags & kEdgePhantomLane0))
                    lnew = Ops::blendv(lnew, Ops::loadu(d + ed.rot), lane0);
                store_lanes(d, pos(ed.rot, t0), lnew, partial);
            }
        }

        // Pass 3: blocks met several times, in edge order.
        if (!any_multi)
            return;
        for (int e = 0; e < degree; ++e) {
            const KEdge& ed = edges[e];
            if (!(ed.flags & kEdgeMulti))
                continue;
            int8_t* Re = R + e * kVec;
            const int8_t* Rn = Rscratch_.data() + e * kVec;
            int8_t* d = L + ed.l_offset;
            for (int r = 0; r <= kFull; ++r) {
                const int t0 = r * W;
                const int p = pos(ed.rot, t0);
                V q = Ops::loadu(d + p);
                if (!kFirst)
                    q = Ops::max(Ops::subs(q, Ops::load(Re + t0)), m127);
                const V rn = Ops::load(Rn + t0);
                Ops::store(Re + t0, rn);
                store_lanes(d, p, Ops::max(Ops::adds(q, rn), m127), r == kFull);
            }
        }
    }

    bool syndrome_ok()
    {
        const int8_t* L = L_.data();
        const V lane0 = Ops::with_lane0(Ops::zero(), -1);
        for (int a = 0; a < s_.q; ++a) {
            const KEdge* edges = edges_.data() + s_.layer_begin[static_cast<size_t>(a)];
            const int degree = s_.layer_degree(a);
            for (int r = 0; r <= kFull; ++r) {
                const int t0 = r * W;
                V acc = Ops::zero();
                for (int e = 0; e < degree; ++e) {
                    V v = Ops::loadu(L + edges[e].l_offset + pos(edges[e].rot, t0));
                    if (r == 0 && (edges[e].flags & kEdgePhantomLane0))
                        v = Ops::andnot(lane0, v);
                    acc = Ops::xor_(acc, v);
                }
                uint32_t m = Ops::movemask(acc);
                if (r == kFull)
                    m &= 0xffu; // lanes 352..359 only
                if (m)
                    return false;
            }
        }
        return true;
    }

    // Information bit 360*j + t is lane t of block j: 45 output bytes per block.
    void hard_decide_info(uint8_t* out)
    {
        for (int j = 0; j < s_.groups; ++j) {
            const int8_t* d = block(j);
            uint8_t* o = out + static_cast<size_t>(j) * (kLanes / 8);
            for (int r = 0; r < kFull; ++r) {
                const uint32_t m = Ops::movemask(Ops::reverse_bytes_in_octets(Ops::loadu(d + r * W)));
                std::memcpy(o + r * (W / 8), &m, W / 8); // little-endian: octet 0 first
            }
            uint8_t last = 0;
            for (int t = kTail; t < kLanes; ++t)
                last = static_cast<uint8_t>((last << 1) | (d[t] < 0));
            o[kTail / 8] = last;
        }
    }

    const LdpcSchedule& s_;
    std::vector<KEdge> edges_;
    AlignedBytes L_, R_, Rscratch_, Qreg_;
};

template <class Isa>
std::unique_ptr<LdpcKernel> make_simd_kernel(const LdpcSchedule& s)
{
    return std::make_unique<SimdKernel<Isa>>(s);
}

template <class Isa>
const LdpcKernels* ldpc_simd_table()
{
    static constexpr LdpcKernels table{ &make_simd_kernel<Isa> };
    return &table;
}

} // namespace
} // namespace ldpc_detail
} // namespace dualsat
