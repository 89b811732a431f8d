// SPDX-License-Identifier: GPL-3.0-or-later
// Mapper against a bit-serial reference (label = bits read one by one, first bit = MSB).
#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/mapping/mapper.h>

#include <random>
#include <vector>

using namespace dualsat;

namespace {

int bit_at(const std::vector<uint8_t>& packed, size_t i) { return (packed[i / 8] >> (7 - i % 8)) & 1; }

std::vector<std::complex<float>> reference_map(const Constellation& c,
                                               const std::vector<uint8_t>& packed,
                                               size_t n_symbols)
{
    const int b = c.bits_per_symbol();
    std::vector<std::complex<float>> out(n_symbols);
    for (size_t s = 0; s < n_symbols; ++s) {
        unsigned label = 0;
        for (int j = 0; j < b; ++j)
            label = (label << 1) | static_cast<unsigned>(bit_at(packed, s * static_cast<size_t>(b) + static_cast<size_t>(j)));
        out[s] = c.point(label);
    }
    return out;
}

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n)
{
    std::vector<uint8_t> v(n);
    for (auto& x : v)
        x = static_cast<uint8_t>(rng());
    return v;
}

} // namespace

TEST_CASE("map_frame equals the bit-serial reference for every MODCOD and frame size", "[mapper]")
{
    std::mt19937 rng(7);
    for (FrameSize fs : { FrameSize::Normal, FrameSize::Short })
        for (const auto& f : all_frame_formats(fs, false)) {
            INFO(to_string(f));
            Mapper m(f.modcod, fs);
            REQUIRE(m.frame_symbols() == static_cast<size_t>(f.data_symbols()));
            const auto bits = random_bytes(rng, m.frame_bytes());
            std::vector<std::complex<float>> out(m.frame_symbols() + 1, { 9.0f, 9.0f });
            CHECK(m.map_frame(bits.data(), bits.size(), out.data(), out.size()) == m.frame_symbols());
            const auto ref = reference_map(m.constellation(), bits, m.frame_symbols());
            CHECK(std::equal(ref.begin(), ref.end(), out.begin()));
            CHECK(out.back() == std::complex<float>(9.0f, 9.0f)); // nothing written past the frame
        }
}

TEST_CASE("packed, unpacked and label inputs agree, including partial groups", "[mapper]")
{
    std::mt19937 rng(8);
    for (int n = 1; n <= 28; ++n) {
        const ModCod mc = modcod_from_number(n);
        INFO(to_string(mc));
        Mapper m(mc, FrameSize::Normal);
        const size_t b = static_cast<size_t>(m.bits_per_symbol());
        for (size_t n_symbols : { size_t(1), size_t(7), size_t(13), size_t(300), size_t(1001) }) {
            const auto packed = random_bytes(rng, (n_symbols * b + 7) / 8);
            std::vector<uint8_t> unpacked(n_symbols * b), labels(n_symbols);
            for (size_t i = 0; i < unpacked.size(); ++i)
                unpacked[i] = static_cast<uint8_t>(bit_at(packed, i));
            for (size_t s = 0; s < n_symbols; ++s)
                for (size_t j = 0; j < b; ++j)
                    labels[s] = static_cast<uint8_t>((labels[s] << 1) | unpacked[s * b + j]);
            const auto ref = reference_map(m.constellation(), packed, n_symbols);
            std::vector<std::complex<float>> a(n_symbols), u(n_symbols), l(n_symbols);
            m.map_packed(packed.data(), n_symbols, a.data());
            m.map_unpacked(unpacked.data(), n_symbols, u.data());
            m.map_labels(labels.data(), n_symbols, l.data());
            CHECK(a == ref);
            CHECK(u == ref);
            CHECK(l == ref);
        }
    }
}

TEST_CASE("mapper rejects malformed input and wrong sizes", "[mapper]")
{
    Mapper m({ Modulation::PSK8, CodeRate::R3_5 }, FrameSize::Normal);
    std::vector<std::complex<float>> out(m.frame_symbols());
    std::vector<uint8_t> bits(m.frame_bytes());
    CHECK_THROWS_AS(m.map_frame(bits.data(), bits.size() - 1, out.data(), out.size()), Error);
    CHECK_THROWS_AS(m.map_frame(bits.data(), bits.size(), out.data(), out.size() - 1), Error);
    uint8_t unpacked[6] = { 0, 1, 1, 0, 2, 1 };
    CHECK_THROWS_AS(m.map_unpacked(unpacked, 2, out.data()), FrameError);
    uint8_t labels[3] = { 7, 0, 8 };
    CHECK_THROWS_AS(m.map_labels(labels, 3, out.data()), FrameError);
    CHECK_NOTHROW(m.map_labels(labels, 2, out.data()));
    CHECK_THROWS_AS(Mapper({ Modulation::QPSK, CodeRate::R9_10 }, FrameSize::Short), ConfigError);
}
