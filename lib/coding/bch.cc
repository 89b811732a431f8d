// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/coding/bch.h>
#include <dualsat/core/error.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace dualsat {
namespace {

// Minimal polynomials g1..g12, bit i = coefficient of x^i.
// EN 302 307-1 Table 6a (normal FECFRAME, GF(2^16)).
constexpr uint32_t kNormalPolys[12] = { 0x1002d, 0x10173, 0x10fbd, 0x15a55, 0x11f2f, 0x1f7b5,
                                        0x1af65, 0x17367, 0x10ea1, 0x175a7, 0x13a2d, 0x11ae3 };
// EN 302 307-1 Table 6b (short FECFRAME, GF(2^14)).
constexpr uint32_t kShortPolys[12] = { 0x402b, 0x4941, 0x4647, 0x5591, 0x6b55, 0x6389,
                                       0x6ce5, 0x4f21, 0x460f, 0x5a49, 0x5811, 0x65ef };

// GF(2^m) built on g1, which the standard chooses primitive (x^16+x^5+x^3+x^2+1 and
// x^14+x^5+x^3+x+1), so alpha = x is a root of g1 and the syndromes S_j = r(alpha^j)
// vanish for j = 1..2t on every codeword.
struct GaloisField {
    int m;
    int order; // 2^m - 1
    std::vector<uint16_t> exp; // 2 * order entries so that exp[a + b] needs no reduction
    std::vector<int32_t> log;

    GaloisField(int bits, uint32_t primitive) : m(bits), order((1 << bits) - 1)
    {
        exp.resize(2 * static_cast<size_t>(order));
        log.assign(static_cast<size_t>(order) + 1, 0);
        uint32_t v = 1;
        for (int i = 0; i < order; ++i) {
            if (i > 0 && v == 1)
                throw std::logic_error("BCH field polynomial is not primitive");
            exp[static_cast<size_t>(i)] = static_cast<uint16_t>(v);
            exp[static_cast<size_t>(i + order)] = static_cast<uint16_t>(v);
            log[v] = i;
            v <<= 1;
            if (v >> bits)
                v ^= primitive;
        }
    }
};

const GaloisField& field(FrameSize frame)
{
    static const GaloisField normal(16, kNormalPolys[0]);
    static const GaloisField shortf(14, kShortPolys[0]);
    return frame == FrameSize::Normal ? normal : shortf;
}

// Polynomial over GF(2) as bits, word e/64 bit e%64 = coefficient of x^e.
using BitPoly = std::vector<uint64_t>;

BitPoly multiply(const BitPoly& a, int deg_a, uint32_t b, int deg_b)
{
    BitPoly r((static_cast<size_t>(deg_a + deg_b) + 64) / 64, 0);
    for (int i = 0; i <= deg_b; ++i) {
        if (!((b >> i) & 1))
            continue;
        for (int e = 0; e <= deg_a; ++e)
            if ((a[static_cast<size_t>(e) / 64] >> (e % 64)) & 1)
                r[static_cast<size_t>(e + i) / 64] ^= uint64_t{ 1 } << ((e + i) % 64);
    }
    return r;
}

inline uint64_t load_be64(const uint8_t* p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | p[i];
    return v;
}


// Root finding for a monic, square-free polynomial that splits over GF(2^m) (checked by
// the caller): Berlekamp's trace algorithm. Tr(beta x) mod f, for beta running over the
// basis alpha^0..alpha^(m-1), is 0 or 1 at each root, so gcd(f, Tr(beta x)) splits f
// unless every root has the same trace; some basis element separates any two distinct
// roots. O(m L^2) per split instead of a Chien search's O(n L).
class RootFinder
{
public:
    static constexpr int kMaxDeg = 12;
    struct Poly {
        int deg = -1; // -1: zero polynomial
        int32_t c[2 * kMaxDeg + 1] = { 0 };
    };

    RootFinder(const uint16_t* exp, const int32_t* log, int order, int m)
        : m_exp(exp), m_log(log), m_order(order), m_m(m)
    {
    }

    // Appends the roots of f (monic, square-free, splitting, degree <= kMaxDeg) to `roots`;
    // false if it could not be split (then f was not as promised).
    bool roots(const Poly& f, int32_t* roots, int& count) const { return split(f, roots, count, 0); }

private:
    int32_t mul(int32_t a, int32_t b) const { return (a && b) ? m_exp[m_log[a] + m_log[b]] : 0; }
    int32_t inv(int32_t a) const { return m_exp[m_order - m_log[a]]; }

    static void trim(Poly& p)
    {
        while (p.deg >= 0 && p.c[p.deg] == 0)
            --p.deg;
    }
    // a mod b, b != 0.
    Poly mod(Poly a, const Poly& b) const
    {
        const int32_t lead_inv = inv(b.c[b.deg]);
        for (int k = a.deg; k >= b.deg; --k) {
            if (a.c[k] == 0)
                continue;
            const int32_t f = mul(a.c[k], lead_inv);
            for (int j = 0; j <= b.deg; ++j)
                a.c[k - b.deg + j] ^= mul(f, b.c[j]);
        }
        a.deg = std::min(a.deg, b.deg - 1);
        trim(a);
        return a;
    }
    // a / b for b dividing a.
    Poly quotient(Poly a, const Poly& b) const
    {
        Poly q;
        q.deg = a.deg - b.deg;
        const int32_t lead_inv = inv(b.c[b.deg]);
        for (int k = a.deg; k >= b.deg; --k) {
            const int32_t f = mul(a.c[k], lead_inv);
            q.c[k - b.deg] = f;
            if (f)
                for (int j = 0; j <= b.deg; ++j)
                    a.c[k - b.deg + j] ^= mul(f, b.c[j]);
        }
        return q;
    }
    Poly monic(Poly p) const
    {
        const int32_t lead_inv = inv(p.c[p.deg]);
        for (int i = 0; i <= p.deg; ++i)
            p.c[i] = mul(p.c[i], lead_inv);
        return p;
    }
    Poly gcd(Poly a, Poly b) const
    {
        while (b.deg >= 0) {
            Poly r = mod(a, b);
            a = b;
            b = r;
        }
        return monic(a);
    }
    bool split(const Poly& f, int32_t* roots, int& count, int first_basis) const
    {
        if (f.deg == 1) { // x + c0
            roots[count++] = f.c[0];
            return true;
        }
        // x^(2^i) mod f for i < m, once per f: then Tr(beta x) mod f is the combination
        // sum_i beta^(2^i) x^(2^i), O(m deg) per basis element.
        Poly powers[16];
        powers[0].deg = 1;
        powers[0].c[1] = 1;
        for (int i = 1; i < m_m; ++i) {
            const Poly& prev = powers[i - 1];
            Poly sq;
            sq.deg = 2 * prev.deg;
            for (int j = 0; j <= prev.deg; ++j)
                sq.c[2 * j] = mul(prev.c[j], prev.c[j]);
            powers[i] = mod(sq, f);
        }
        for (int k = first_basis; k < m_m; ++k) {
            Poly t;
            t.deg = f.deg - 1;
            int64_t beta_log = k; // log of beta^(2^i), beta = alpha^k
            for (int i = 0; i < m_m; ++i) {
                const int32_t coef = m_exp[beta_log];
                for (int j = 0; j <= powers[i].deg; ++j)
                    t.c[j] ^= mul(coef, powers[i].c[j]);
                beta_log = (2 * beta_log) % m_order;
            }
            trim(t);
            if (t.deg < 1)
                continue; // constant trace on all roots: this basis element does not separate
            const Poly g = gcd(f, t);
            if (g.deg < 1 || g.deg >= f.deg)
                continue;
            // Basis elements before k did not separate f's roots, so none separates a factor.
            return split(g, roots, count, k + 1) && split(quotient(f, g), roots, count, k + 1);
        }
        return false;
    }

    const uint16_t* m_exp;
    const int32_t* m_log;
    int m_order, m_m;
};

} // namespace

BchCodec::BchCodec(FrameSize frame, CodeRate rate)
{
    const CodeParams& c = code_params(frame, rate); // throws ConfigError for short 9/10
    const GaloisField& gf = field(frame);
    m_k = c.kbch;
    m_n = c.nbch;
    m_t = c.t;
    m_m = gf.m;
    m_field_order = gf.order;
    m_exp = gf.exp.data();
    m_log = gf.log.data();
    const int d = m_n - m_k;
    if (d != m_m * m_t || d > 192 || d % 8 != 0 || m_k % 8 != 0)
        throw std::logic_error("BCH parameters inconsistent with Tables 5a/5b");

    // g = g1 * ... * gt.
    const uint32_t* polys = frame == FrameSize::Normal ? kNormalPolys : kShortPolys;
    BitPoly g{ 1 };
    int deg = 0;
    for (int i = 0; i < m_t; ++i) {
        g = multiply(g, deg, polys[i], m_m);
        deg += m_m;
    }

    // g without its x^d term, left-aligned like a Remainder: x^e sits at bit 192-d+e.
    Remainder glow;
    for (int e = 0; e < d; ++e) {
        if ((g[static_cast<size_t>(e) / 64] >> (e % 64)) & 1) {
            int p = 192 - d + e;
            glow.w[2 - p / 64] |= uint64_t{ 1 } << (p % 64);
        }
    }
    // x^(d+i) mod g for i = 0..63, by repeated multiplication by x.
    std::array<Remainder, 64> power;
    Remainder r = glow; // x^d mod g
    for (int i = 0; i < 64; ++i) {
        power[static_cast<size_t>(i)] = r;
        uint64_t carry = r.w[0] >> 63;
        r.w[0] = (r.w[0] << 1) | (r.w[1] >> 63);
        r.w[1] = (r.w[1] << 1) | (r.w[2] >> 63);
        r.w[2] <<= 1;
        if (carry)
            for (int w = 0; w < 3; ++w)
                r.w[w] ^= glow.w[w];
    }
    // Slice s, byte v: v * x^(d + 8s) mod g; v's bit b is the coefficient of x^(d+8s+b).
    for (int s = 0; s < kSlices; ++s) {
        for (int v = 0; v < 256; ++v) {
            Remainder acc;
            for (int b = 0; b < 8; ++b)
                if ((v >> b) & 1)
                    for (int w = 0; w < 3; ++w)
                        acc.w[w] ^= power[static_cast<size_t>(8 * s + b)].w[w];
            m_slice[static_cast<size_t>(s)][static_cast<size_t>(v)] = acc;
        }
    }

    // Self-check: alpha^1..alpha^2t must be roots of g, or the decoder would be wrong.
    for (int j = 1; j <= 2 * m_t; ++j) {
        uint16_t sum = 0;
        for (int e = 0; e <= d; ++e)
            if ((g[static_cast<size_t>(e) / 64] >> (e % 64)) & 1)
                sum ^= m_exp[(static_cast<int64_t>(j) * e) % m_field_order];
        if (sum != 0)
            throw std::logic_error("BCH generator lacks the root alpha^" + std::to_string(j));
    }
}

std::vector<uint64_t> BchCodec::generator() const
{
    const uint32_t* polys = m_m == 16 ? kNormalPolys : kShortPolys;
    BitPoly g{ 1 };
    int deg = 0;
    for (int i = 0; i < m_t; ++i) {
        g = multiply(g, deg, polys[i], m_m);
        deg += m_m;
    }
    return g;
}

BchCodec::Remainder BchCodec::message_remainder(const uint8_t* msg) const
{
    // Invariant: r = (message bits so far) * x^d mod g. Each step folds 64 message bits
    // into the top word: r*x^64 + M*x^d = (r_hi ^ M) * x^d + r_lo * x^64, and the first
    // term is the XOR of eight per-byte table entries.
    uint64_t r0 = 0, r1 = 0, r2 = 0;
    const size_t nbytes = k_bytes();
    size_t i = 0;
    constexpr size_t kStepBytes = kSlices;
    for (; i + kStepBytes <= nbytes; i += kStepBytes) {
        uint64_t top;
        if constexpr (kStepBytes == 8) {
            top = r0 ^ load_be64(msg + i);
            r0 = r1;
            r1 = r2;
            r2 = 0;
        } else {
            constexpr int sh = 8 * kStepBytes;
            uint64_t m = 0;
            for (size_t b = 0; b < kStepBytes; ++b)
                m = (m << 8) | msg[i + b];
            top = (r0 >> (64 - sh)) ^ m;
            r0 = (r0 << sh) | (r1 >> (64 - sh));
            r1 = (r1 << sh) | (r2 >> (64 - sh));
            r2 <<= sh;
        }
        for (int s = 0; s < kSlices; ++s) {
            const Remainder& e = m_slice[static_cast<size_t>(s)][(top >> (8 * s)) & 0xff];
            r0 ^= e.w[0];
            r1 ^= e.w[1];
            r2 ^= e.w[2];
        }
    }
    for (; i < nbytes; ++i) {
        const unsigned top = static_cast<unsigned>((r0 >> 56) ^ msg[i]);
        r0 = (r0 << 8) | (r1 >> 56);
        r1 = (r1 << 8) | (r2 >> 56);
        r2 <<= 8;
        const Remainder& e = m_slice[0][top];
        r0 ^= e.w[0];
        r1 ^= e.w[1];
        r2 ^= e.w[2];
    }
    Remainder r;
    r.w[0] = r0;
    r.w[1] = r1;
    r.w[2] = r2;
    return r;
}

void BchCodec::encode(const uint8_t* in, uint8_t* out) const
{
    const Remainder r = message_remainder(in);
    if (out != in)
        std::memcpy(out, in, k_bytes());
    uint8_t* parity = out + k_bytes();
    const size_t pbytes = static_cast<size_t>(parity_bits()) / 8;
    for (size_t b = 0; b < pbytes; ++b)
        parity[b] = static_cast<uint8_t>(r.w[b / 8] >> (56 - 8 * (b % 8)));
}

int BchCodec::chien_search(const int32_t* lambda, int L, int* positions) const
{
    // Lambda(alpha^-e) for e = 0 .. n_bch-1, term i updated by alpha^-i per step (logs).
    const int N = m_field_order;
    int32_t logs[kMaxT + 1];
    int32_t steps[kMaxT + 1];
    int terms = 0;
    for (int i = 1; i <= L; ++i) {
        if (lambda[i] == 0)
            continue;
        logs[terms] = m_log[lambda[i]];
        steps[terms] = N - i;
        ++terms;
    }
    int found = 0;
    for (int e = 0; e < m_n && found < L; ++e) {
        int32_t sum = 1;
        for (int i = 0; i < terms; ++i) {
            sum ^= m_exp[logs[i]];
            const int32_t next = logs[i] + steps[i];
            logs[i] = next >= N ? next - N : next;
        }
        if (sum == 0)
            positions[found++] = e;
    }
    return found;
}

BchResult BchCodec::decode(uint8_t* data) const
{
    BchResult result;
    const int d = parity_bits();
    const int N = m_field_order;

    // Remainder of the received word mod g = (message * x^d mod g) XOR received parity.
    Remainder r = message_remainder(data);
    const uint8_t* parity = data + k_bytes();
    for (size_t b = 0; b < static_cast<size_t>(d) / 8; ++b)
        r.w[b / 8] ^= static_cast<uint64_t>(parity[b]) << (56 - 8 * (b % 8));
    if ((r.w[0] | r.w[1] | r.w[2]) == 0) {
        result.ok = true;
        return result;
    }

    // Syndromes S_j = rem(alpha^j) (g(alpha^j) = 0 for j <= 2t). Odd j directly over
    // the set bits of the remainder, even j as squares: S_2j = S_j^2 in GF(2^m).
    int32_t syn[2 * kMaxT + 1] = { 0 }; // field elements, index 1..2t
    const int two_t = 2 * m_t;
    for (int w = 0; w < 3; ++w) {
        uint64_t bits = r.w[w];
        while (bits) {
            const int pos = __builtin_ctzll(bits);
            bits &= bits - 1;
            const int e = (2 - w) * 64 + pos - (192 - d); // power of x; j*e < 24*192 < N
            for (int j = 1; j < two_t; j += 2)
                syn[j] ^= m_exp[j * e];
        }
    }
    for (int j = 2; j <= two_t; j += 2) {
        const int32_t h = syn[j / 2];
        syn[j] = h ? m_exp[2 * m_log[h]] : 0;
    }

    auto mul = [&](int32_t a, int32_t b) -> int32_t {
        return (a && b) ? m_exp[m_log[a] + m_log[b]] : 0;
    };
    auto div = [&](int32_t a, int32_t b) -> int32_t { // b != 0
        return a ? m_exp[m_log[a] - m_log[b] + N] : 0;
    };

    // Berlekamp-Massey: shortest LFSR (error locator Lambda) generating S_1..S_2t.
    int32_t lambda[2 * kMaxT + 2] = { 1 };
    int32_t prev[2 * kMaxT + 2] = { 1 };
    int32_t tmp[2 * kMaxT + 2];
    int L = 0, shift = 1;
    int32_t prev_disc = 1;
    for (int step = 0; step < two_t; ++step) {
        int32_t disc = syn[step + 1];
        for (int i = 1; i <= L; ++i)
            disc ^= mul(lambda[i], syn[step + 1 - i]);
        if (disc == 0) {
            ++shift;
            continue;
        }
        const int32_t coef = div(disc, prev_disc);
        if (2 * L <= step) {
            std::memcpy(tmp, lambda, sizeof(lambda));
            for (int i = 0; i + shift <= two_t; ++i)
                lambda[i + shift] ^= mul(coef, prev[i]);
            std::memcpy(prev, tmp, sizeof(prev));
            L = step + 1 - L;
            prev_disc = disc;
            shift = 1;
        } else {
            for (int i = 0; i + shift <= two_t; ++i)
                lambda[i + shift] ^= mul(coef, prev[i]);
            ++shift;
        }
    }
    int degree = two_t;
    while (degree > 0 && lambda[degree] == 0)
        --degree;
    if (L > m_t || degree != L || L == 0)
        return result; // failure: more errors than t

    // A correctable pattern's locator has L distinct roots in GF(2^m), i.e. divides
    // x^(2^m) - x. Checking that (m squarings mod Lambda, a few microseconds) rejects
    // almost every uncorrectable frame before the Chien search, which costs O(n_bch L).
    if (L >= 2) {
        int32_t rem[kMaxT] = { 0, 1 }; // x mod Lambda (L >= 2)
        int32_t sq[2 * kMaxT] = { 0 };
        for (int round = 0; round < m_m; ++round) {
            for (int i = 0; i < 2 * L - 1; ++i)
                sq[i] = 0;
            for (int i = 0; i < L; ++i) // (sum r_i x^i)^2 = sum r_i^2 x^2i in characteristic 2
                sq[2 * i] = mul(rem[i], rem[i]);
            for (int k = 2 * L - 2; k >= L; --k) {
                if (sq[k] == 0)
                    continue;
                const int32_t f = div(sq[k], lambda[L]);
                for (int j = 0; j <= L; ++j)
                    sq[k - L + j] ^= mul(f, lambda[j]);
            }
            for (int i = 0; i < L; ++i)
                rem[i] = sq[i];
        }
        bool is_x = rem[1] == 1;
        for (int i = 0; i < L && is_x; ++i)
            is_x = i == 1 || rem[i] == 0;
        if (!is_x)
            return result; // repeated roots or roots outside GF(2^m): not correctable
    }

    // Roots: an error at power e means Lambda(alpha^-e) = 0. Only e < n_bch exist in the
    // shortened code; a root beyond them (or too few roots) means the pattern is not
    // correctable.
    int positions[kMaxT];
    int found = 0;
    if (L == 1) {
        // Lambda = 1 + l1 x: alpha^e = l1.
        const int e = m_log[lambda[1]];
        if (e < m_n)
            positions[found++] = e;
    } else {
        RootFinder finder(m_exp, m_log, N, m_m);
        RootFinder::Poly f;
        f.deg = L;
        for (int i = 0; i <= L; ++i)
            f.c[i] = div(lambda[i], lambda[L]); // monic, same roots
        int32_t roots[kMaxT];
        int count = 0;
        if (m_root_search == RootSearch::TraceAlgorithm && finder.roots(f, roots, count)) {
            for (int i = 0; i < count; ++i) {
                const int e = (N - m_log[roots[i]]) % N; // root = alpha^-e
                if (e < m_n)
                    positions[found++] = e;
            }
        } else {
            found = chien_search(lambda, L, positions);
        }
    }
    if (found != L)
        return result;

    for (int i = 0; i < found; ++i) {
        const int bit = m_n - 1 - positions[i];
        data[bit / 8] = static_cast<uint8_t>(data[bit / 8] ^ (0x80 >> (bit % 8)));
    }
    result.ok = true;
    result.corrected_bits = found;
    return result;
}

} // namespace dualsat
