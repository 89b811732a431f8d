// SPDX-License-Identifier: GPL-3.0-or-later
//
// The SIMD dispatch of dualsat/core/simd.h: which kernel table a requested level selects,
// the fallback when an ISA's table was not built, the levels tests iterate over, and the
// DUALSAT_SIMD override of the default level as every kernel family sees it.
#include <catch2/catch.hpp>
#include <dualsat/coding/ldpc_decoder.h>
#include <dualsat/core/simd.h>
#include <dualsat/dsp/fir_kernels.h>
#include <dualsat/dsp/sample_kernels.h>
#include <dualsat/mapping/constellation.h>
#include <dualsat/mapping/soft_demapper.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <type_traits>

using namespace dualsat;

namespace {

struct Table {
    SimdLevel level;
};
const Table kScalar{ SimdLevel::Scalar };
const Table kSse41{ SimdLevel::SSE41 };
const Table kAvx2{ SimdLevel::AVX2 };

// A family with every ISA's table, and one whose AVX2 file was built without AVX2.
struct AllBuilt {
    const Table* operator()(simd::Scalar) const { return &kScalar; }
    const Table* operator()(simd::Sse41) const { return &kSse41; }
    const Table* operator()(simd::Avx2) const { return &kAvx2; }
};
struct NoAvx2 {
    const Table* operator()(simd::Scalar) const { return &kScalar; }
    const Table* operator()(simd::Sse41) const { return &kSse41; }
    const Table* operator()(simd::Avx2) const { return nullptr; }
};

const SimdLevel kAllLevels[] = { SimdLevel::Scalar, SimdLevel::SSE41, SimdLevel::AVX2 };

// Sets DUALSAT_SIMD for its lifetime (unset when value is null), then restores it.
class EnvOverride
{
public:
    explicit EnvOverride(const char* value)
    {
        if (const char* old = std::getenv("DUALSAT_SIMD"))
            m_old = old;
        set(value);
    }
    ~EnvOverride() { set(m_old ? m_old->c_str() : nullptr); }
    EnvOverride(const EnvOverride&) = delete;
    EnvOverride& operator=(const EnvOverride&) = delete;

private:
    static void set(const char* value)
    {
        if (value)
            setenv("DUALSAT_SIMD", value, 1);
        else
            unsetenv("DUALSAT_SIMD");
    }
    std::optional<std::string> m_old;
};

} // namespace

TEST_CASE("simd::select: the requested level, lowered to what the CPU supports", "[simd][cpu]")
{
    for (SimdLevel level : kAllLevels) {
        INFO(to_string(level));
        const auto s = simd::select(level, AllBuilt{});
        CHECK(s.level == supported(level));
        CHECK(s.table->level == s.level);
    }
}

TEST_CASE("simd::select: an ISA whose table was not built falls back to the next one down", "[simd][cpu]")
{
    const auto s = simd::select(SimdLevel::AVX2, NoAvx2{});
    CHECK(s.level == supported(SimdLevel::SSE41));
    CHECK(s.table->level == s.level);
    const auto scalar_only = simd::select(SimdLevel::AVX2, [](auto isa) -> const Table* {
        return std::is_same_v<decltype(isa), simd::Scalar> ? &kScalar : nullptr;
    });
    CHECK(scalar_only.level == SimdLevel::Scalar);
    CHECK(scalar_only.table == &kScalar);
}

TEST_CASE("simd::supported_levels: scalar up to the detected level, each one supported", "[simd][cpu]")
{
    const auto levels = simd::supported_levels();
    REQUIRE(levels.size() == static_cast<size_t>(detected_simd_level()) + 1);
    for (size_t i = 0; i < levels.size(); ++i) {
        CHECK(levels[i] == static_cast<SimdLevel>(i));
        CHECK(supported(levels[i]) == levels[i]);
    }
}

TEST_CASE("DUALSAT_SIMD lowers every family's default level and never raises it", "[simd][cpu]")
{
    const SimdLevel hw = detected_simd_level();
    const Constellation qpsk(ModCod{ Modulation::QPSK, CodeRate::R1_2 });
    struct Case {
        const char* env;
        SimdLevel want;
    };
    for (const Case& c : { Case{ nullptr, hw }, Case{ "scalar", SimdLevel::Scalar },
                           Case{ "sse41", supported(SimdLevel::SSE41) },
                           Case{ "avx2", supported(SimdLevel::AVX2) } }) {
        INFO("DUALSAT_SIMD=" << (c.env ? c.env : "(unset)"));
        EnvOverride env(c.env);
        CHECK(active_simd_level() == c.want);
        CHECK(kernels::fir_kernels_for(active_simd_level()).level == c.want);
        CHECK(SoftDemapper(qpsk).simd_level() == c.want);
        CHECK(LdpcDecoder(FrameSize::Short, CodeRate::R1_2).kernel() == c.want);
    }
    // An explicit level is the caller's choice: the variable does not apply.
    EnvOverride env("scalar");
    CHECK(kernels::fir_kernels_for(SimdLevel::AVX2).level == supported(SimdLevel::AVX2));
    CHECK(SoftDemapper(qpsk, DemapAlgorithm::MaxLog, SimdLevel::AVX2).simd_level() ==
          supported(SimdLevel::AVX2));
}

#if defined(__x86_64__)
TEST_CASE("x86-64 builds carry every ISA's kernels (the *_sse41/_avx2 files got their flags)", "[simd][cpu]")
{
    // A kernel file built without its -m flags compiles to "no table" and the family
    // silently runs the next level down; this catches that.
    CHECK(kernels::fir_kernel_table(simd::Sse41{}) != nullptr);
    CHECK(kernels::fir_kernel_table(simd::Avx2{}) != nullptr);
    CHECK(kernels::sample_kernel_table(simd::Sse41{}) != nullptr);
    CHECK(kernels::sample_kernel_table(simd::Avx2{}) != nullptr);
    const Constellation apsk(ModCod{ Modulation::APSK16, CodeRate::R2_3 });
    LdpcDecoderOptions sse41, avx2;
    sse41.kernel = LdpcDecoderOptions::Kernel::SSE41;
    avx2.kernel = LdpcDecoderOptions::Kernel::AVX2;
    for (SimdLevel level : simd::supported_levels()) {
        INFO(to_string(level));
        CHECK(kernels::fir_kernels_for(level).level == level);
        CHECK(kernels::sample_kernels_for(level).level == level);
        CHECK(SoftDemapper(apsk, DemapAlgorithm::MaxLog, level).simd_level() == level);
    }
    CHECK(LdpcDecoder(FrameSize::Short, CodeRate::R1_2, sse41).kernel() == supported(SimdLevel::SSE41));
    CHECK(LdpcDecoder(FrameSize::Short, CodeRate::R1_2, avx2).kernel() == supported(SimdLevel::AVX2));
}
#endif
