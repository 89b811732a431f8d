// SPDX-License-Identifier: GPL-3.0-or-later
#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/core/simd.h>
#include <dualsat/coding/ldpc_decoder.h>
#include <dualsat/coding/ldpc_tables.h>

#include "ldpc_test_channel.h"

#include <cmath>
#include <limits>
#include <vector>

using namespace dualsat;
using dualsat_test::Gaussian;

namespace {

constexpr double kQuant = 4.0; // int8 steps per unit of channel LLR

struct Frame {
    std::vector<uint8_t> info_packed;
    std::vector<int8_t> llr;
};

Frame make_frame(FrameSize fs, CodeRate rate, double ebn0_db, Gaussian& g)
{
    const auto& t = ldpc_table(fs, rate);
    auto info = dualsat_test::random_bits(g.engine(), t.k);
    auto cw = dualsat_test::ldpc_encode_bit_serial(t, info);
    Frame f;
    f.info_packed = dualsat_test::pack_msb_first(info);
    if (std::isinf(ebn0_db)) {
        f.llr.resize(cw.size());
        for (size_t i = 0; i < cw.size(); ++i)
            f.llr[i] = cw[i] ? int8_t(-20) : int8_t(20);
    } else {
        f.llr = dualsat_test::bpsk_awgn_llrs(cw, ebn0_db, double(t.k) / t.n, kQuant, g);
    }
    return f;
}

// Every kernel this CPU runs, scalar first.
std::vector<LdpcDecoderOptions::Kernel> available_kernels()
{
    std::vector<LdpcDecoderOptions::Kernel> k;
    for (SimdLevel level : simd::supported_levels()) {
        switch (level) {
        case SimdLevel::Scalar:
            k.push_back(LdpcDecoderOptions::Kernel::Scalar);
            break;
        case SimdLevel::SSE41:
            k.push_back(LdpcDecoderOptions::Kernel::SSE41);
            break;
        case SimdLevel::AVX2:
            k.push_back(LdpcDecoderOptions::Kernel::AVX2);
            break;
        }
    }
    return k;
}

SimdLevel level_of(LdpcDecoderOptions::Kernel k)
{
    switch (k) {
    case LdpcDecoderOptions::Kernel::SSE41:
        return SimdLevel::SSE41;
    case LdpcDecoderOptions::Kernel::AVX2:
        return SimdLevel::AVX2;
    default:
        return SimdLevel::Scalar;
    }
}

LdpcDecoderOptions with_kernel(LdpcDecoderOptions o, LdpcDecoderOptions::Kernel k)
{
    o.kernel = k;
    return o;
}

const char* name(LdpcDecoderOptions::Kernel k)
{
    switch (k) {
    case LdpcDecoderOptions::Kernel::Scalar:
        return "scalar";
    case LdpcDecoderOptions::Kernel::SSE41:
        return "sse41";
    case LdpcDecoderOptions::Kernel::AVX2:
        return "avx2";
    default:
        return "auto";
    }
}

} // namespace

TEST_CASE("LDPC decoder: every code decodes a noiseless frame in one iteration", "[ldpc][decoder]")
{
    Gaussian g(1);
    for (FrameSize fs : { FrameSize::Normal, FrameSize::Short }) {
        for (int r = 0; r < kNumCodeRates; ++r) {
            const CodeRate rate = static_cast<CodeRate>(r);
            if (!code_exists(fs, rate)) {
                CHECK_THROWS_AS(LdpcDecoder(fs, rate), ConfigError);
                continue;
            }
            const Frame f = make_frame(fs, rate, std::numeric_limits<double>::infinity(), g);
            for (auto kernel : available_kernels()) {
                INFO(to_string(fs) << " " << to_string(rate) << " " << name(kernel));
                LdpcDecoder dec(fs, rate, with_kernel({}, kernel));
                REQUIRE(dec.n() == code_params(fs, rate).nldpc);
                REQUIRE(dec.k() == code_params(fs, rate).nbch);
                std::vector<uint8_t> out(static_cast<size_t>(dec.k() / 8), 0x5a);
                const auto res = dec.decode(f.llr.data(), out.data());
                CHECK(res.converged);
                CHECK(res.iterations_used == 1);
                CHECK(out == f.info_packed);
            }
        }
    }
}

TEST_CASE("LDPC decoder: noisy BPSK/AWGN frames above threshold decode", "[ldpc][decoder]")
{
    struct Point {
        FrameSize fs;
        CodeRate rate;
        double ebn0_db; // about 1 dB above the code's threshold (Table 13 minus BCH margin)
    };
    const Point points[] = {
        { FrameSize::Normal, CodeRate::R1_2, 1.9 },  { FrameSize::Normal, CodeRate::R3_4, 3.2 },
        { FrameSize::Normal, CodeRate::R9_10, 4.8 }, { FrameSize::Short, CodeRate::R1_2, 2.8 },
        { FrameSize::Short, CodeRate::R2_3, 3.4 },   { FrameSize::Short, CodeRate::R8_9, 5.0 },
    };
    Gaussian g(2);
    for (const auto& p : points) {
        const Frame f = make_frame(p.fs, p.rate, p.ebn0_db, g);
        for (auto kernel : available_kernels()) {
            INFO(to_string(p.fs) << " " << to_string(p.rate) << " " << name(kernel));
            LdpcDecoderOptions o;
            o.max_iterations = 30;
            LdpcDecoder dec(p.fs, p.rate, with_kernel(o, kernel));
            std::vector<uint8_t> out(static_cast<size_t>(dec.k() / 8));
            const auto res = dec.decode(f.llr.data(), out.data());
            CHECK(res.converged);
            CHECK(res.iterations_used >= 2); // noisy frames: the channel alone is not a codeword
            CHECK(res.iterations_used <= 30);
            CHECK(out == f.info_packed);
        }
    }
}

TEST_CASE("LDPC decoder: SIMD kernels match the scalar reference bit for bit", "[ldpc][decoder][simd]")
{
    auto kernels = available_kernels();
    if (kernels.size() == 1) {
        WARN("no SIMD kernel on this CPU");
        return;
    }
    struct Point {
        FrameSize fs;
        CodeRate rate;
        double ebn0_db; // near or below threshold: long runs, some frames fail
        LdpcAlgorithm algorithm;
    };
    const Point points[] = {
        { FrameSize::Normal, CodeRate::R1_2, 0.9, LdpcAlgorithm::NormalisedMinSum },
        { FrameSize::Normal, CodeRate::R3_5, 1.6, LdpcAlgorithm::OffsetMinSum },
        { FrameSize::Normal, CodeRate::R9_10, 3.6, LdpcAlgorithm::NormalisedMinSum },
        { FrameSize::Short, CodeRate::R1_4, 0.0, LdpcAlgorithm::NormalisedMinSum },
        { FrameSize::Short, CodeRate::R1_2, 1.6, LdpcAlgorithm::OffsetMinSum },
        { FrameSize::Short, CodeRate::R3_4, 3.0, LdpcAlgorithm::NormalisedMinSum },
        { FrameSize::Short, CodeRate::R5_6, 3.3, LdpcAlgorithm::NormalisedMinSum },
        { FrameSize::Short, CodeRate::R8_9, 4.0, LdpcAlgorithm::NormalisedMinSum },
    };
    Gaussian g(3);
    int failures_seen = 0, successes_seen = 0;
    for (const auto& p : points) {
        LdpcDecoderOptions o;
        o.max_iterations = 20;
        o.algorithm = p.algorithm;
        o.scale = 0.8125f;
        o.offset = 3;
        o.message_limit = p.algorithm == LdpcAlgorithm::OffsetMinSum ? 127 : 40;
        LdpcDecoder ref(p.fs, p.rate, with_kernel(o, LdpcDecoderOptions::Kernel::Scalar));
        REQUIRE(ref.kernel() == SimdLevel::Scalar);
        const int frames = p.fs == FrameSize::Normal ? 2 : 4;
        for (int i = 0; i < frames; ++i) {
            Frame f = make_frame(p.fs, p.rate, p.ebn0_db, g);
            for (size_t b = 0; b < f.llr.size(); b += 997)
                if (f.llr[b] < -8)
                    f.llr[b] = -128; // out-of-range input every kernel must read as -127
            std::vector<uint8_t> want(static_cast<size_t>(ref.k() / 8));
            const auto want_res = ref.decode(f.llr.data(), want.data());
            (want_res.converged ? successes_seen : failures_seen)++;
            for (size_t ki = 1; ki < kernels.size(); ++ki) {
                INFO(to_string(p.fs) << " " << to_string(p.rate) << " " << name(kernels[ki])
                                     << " frame " << i);
                LdpcDecoder dec(p.fs, p.rate, with_kernel(o, kernels[ki]));
                REQUIRE(dec.kernel() == level_of(kernels[ki]));
                std::vector<uint8_t> got(want.size());
                const auto res = dec.decode(f.llr.data(), got.data());
                CHECK(res.iterations_used == want_res.iterations_used);
                CHECK(res.converged == want_res.converged);
                CHECK(got == want);
            }
        }
    }
    // The comparison must have covered both decoding outcomes.
    CHECK(failures_seen > 0);
    CHECK(successes_seen > 0);
}

TEST_CASE("LDPC decoder: iteration cap on undecodable input", "[ldpc][decoder]")
{
    Gaussian g(4);
    for (auto kernel : available_kernels()) {
        for (FrameSize fs : { FrameSize::Normal, FrameSize::Short }) {
            INFO(name(kernel) << " " << to_string(fs));
            LdpcDecoderOptions o;
            o.max_iterations = 3;
            LdpcDecoder dec(fs, CodeRate::R2_3, with_kernel(o, kernel));
            std::vector<int8_t> llr(static_cast<size_t>(dec.n()));
            for (auto& v : llr)
                v = static_cast<int8_t>(static_cast<int>(g.engine()() % 255) - 127);
            std::vector<uint8_t> out(static_cast<size_t>(dec.k() / 8));
            auto res = dec.decode(llr.data(), out.data());
            CHECK_FALSE(res.converged);
            CHECK(res.iterations_used == 3);
            dec.set_max_iterations(7);
            res = dec.decode(llr.data(), out.data());
            CHECK_FALSE(res.converged);
            CHECK(res.iterations_used == 7);
            // Extreme inputs: saturated and -128 everywhere.
            std::fill(llr.begin(), llr.end(), int8_t(-128));
            res = dec.decode(llr.data(), out.data());
            CHECK(res.iterations_used >= 1);
        }
    }
}

TEST_CASE("LDPC decoder: decoder is reusable across frames and codes", "[ldpc][decoder]")
{
    // Frame by frame with changing MODCOD: decoders keep no state between frames.
    Gaussian g(5);
    for (auto kernel : available_kernels()) {
        INFO(name(kernel));
        LdpcDecoder a(FrameSize::Short, CodeRate::R1_2, with_kernel({}, kernel));
        LdpcDecoder b(FrameSize::Short, CodeRate::R3_4, with_kernel({}, kernel));
        for (int i = 0; i < 3; ++i) {
            for (LdpcDecoder* d : { &a, &b }) {
                const Frame f = make_frame(FrameSize::Short, d->code_rate(),
                                           d->code_rate() == CodeRate::R1_2 ? 3.0 : 4.0, g);
                std::vector<uint8_t> out(static_cast<size_t>(d->k() / 8));
                const auto res = d->decode(f.llr.data(), out.data());
                CHECK(res.converged);
                CHECK(out == f.info_packed);
            }
        }
    }
}

TEST_CASE("LDPC decoder: float entry quantises like the int8 one, NaN is an erasure", "[ldpc][decoder]")
{
    Gaussian g(6);
    const auto& t = ldpc_table(FrameSize::Short, CodeRate::R1_2);
    const auto info = dualsat_test::random_bits(g.engine(), t.k);
    const auto cw = dualsat_test::ldpc_encode_bit_serial(t, info);
    std::vector<float> llr_f(cw.size());
    std::vector<int8_t> llr_q(cw.size());
    const double sigma2 = 0.5;
    for (size_t i = 0; i < cw.size(); ++i) {
        const double y = (cw[i] ? -1.0 : 1.0) + std::sqrt(sigma2) * g();
        llr_f[i] = static_cast<float>(2.0 * y / sigma2);
        llr_q[i] = dualsat_test::quantise_llr(llr_f[i], 4.0);
    }
    for (auto kernel : available_kernels()) {
        INFO(name(kernel));
        LdpcDecoder dec(FrameSize::Short, CodeRate::R1_2, with_kernel({}, kernel));
        std::vector<uint8_t> out_f(static_cast<size_t>(dec.k() / 8)), out_q(out_f.size());
        const auto rf = dec.decode(llr_f.data(), 4.0f, out_f.data());
        const auto rq = dec.decode(llr_q.data(), out_q.data());
        CHECK(rf.iterations_used == rq.iterations_used);
        CHECK(out_f == out_q);
        CHECK(rf.converged);
        CHECK(out_f == dualsat_test::pack_msb_first(info));

        std::vector<float> llr_nan = llr_f;
        for (size_t i = 0; i < llr_nan.size(); i += 97)
            llr_nan[i] = std::numeric_limits<float>::quiet_NaN();
        const auto rn = dec.decode(llr_nan.data(), 4.0f, out_f.data());
        CHECK(rn.erased_inputs == static_cast<int>((llr_nan.size() + 96) / 97));
        CHECK(rn.converged);
        CHECK(out_f == dualsat_test::pack_msb_first(info));
    }
}

TEST_CASE("LDPC decoder: bad options are rejected", "[ldpc][decoder]")
{
    LdpcDecoderOptions o;
    o.max_iterations = 0;
    CHECK_THROWS_AS(LdpcDecoder(FrameSize::Normal, CodeRate::R1_2, o), ConfigError);
    o = {};
    o.scale = 0.0f;
    CHECK_THROWS_AS(LdpcDecoder(FrameSize::Normal, CodeRate::R1_2, o), ConfigError);
    o.scale = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_AS(LdpcDecoder(FrameSize::Normal, CodeRate::R1_2, o), ConfigError);
    o = {};
    o.message_limit = 0;
    CHECK_THROWS_AS(LdpcDecoder(FrameSize::Normal, CodeRate::R1_2, o), ConfigError);
    o = {};
    o.offset = 128;
    CHECK_THROWS_AS(LdpcDecoder(FrameSize::Normal, CodeRate::R1_2, o), ConfigError);
    LdpcDecoder dec(FrameSize::Short, CodeRate::R1_3);
    CHECK_THROWS_AS(dec.set_max_iterations(0), ConfigError);
    CHECK_THROWS_AS(LdpcDecoder(FrameSize::Short, CodeRate::R9_10), ConfigError);
}
