// SPDX-License-Identifier: GPL-3.0-or-later
// Internal to the LDPC decoder: the layered schedule derived from the Annex B/C tables and
// the kernel interface the scalar / SSE4.1 / AVX2 implementations share. The family follows
// dualsat/core/simd.h: the scalar reference and the dispatch in ldpc_decoder.cc, the vector
// kernel once in ldpc_decoder_simd.h, instantiated by ldpc_decoder_{sse41,avx2}.cc.
#pragma once

#include <dualsat/coding/ldpc_decoder.h>
#include <dualsat/core/simd.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace dualsat {
namespace ldpc_detail {

constexpr int kLanes = 360;       // rows per layer = bits per block (§5.3.2: 360 columns)
constexpr int kPaddedLanes = 384; // per-layer vectors are padded to 12 AVX2 registers

// One edge block of a layer: the 360 edges between the layer's 360 rows and one 360-bit
// variable block. Lane t of the layer reads bit (t + rot) mod 360 of the block.
struct LayerEdge {
    uint16_t block; // 0 .. groups-1: information group; groups + a: parity block P_a
    uint16_t rot;   // 0 .. 359
    uint8_t flags;
};
// The block appears more than once in this layer: its L update waits for the layer's
// check-node computation (see ldpc_decoder.h) and is applied in edge order.
constexpr uint8_t kEdgeMulti = 1;
// Layer 0's connection to P_(q-1): lane 0 (row 0) has no p_(-1); it reads as +127 and the
// variable it would address is not updated.
constexpr uint8_t kEdgePhantomLane0 = 2;

struct LdpcSchedule {
    int n = 0, k = 0, q = 0, groups = 0, blocks = 0;
    std::vector<uint32_t> layer_begin; // q + 1 entries into `edges`
    std::vector<LayerEdge> edges;
    int max_layer_degree = 0;
    LdpcAlgorithm algorithm = LdpcAlgorithm::NormalisedMinSum;
    int16_t scale_q15 = 24576; // normalised: f(m) = (m * scale_q15 + 2^14) >> 15
    int8_t offset = 1;         // offset: f(m) = max(m - offset, 0)
    int8_t message_limit = 127; // check-to-variable magnitudes are capped here

    int layer_degree(int a) const
    {
        return static_cast<int>(layer_begin[static_cast<size_t>(a) + 1] -
                                layer_begin[static_cast<size_t>(a)]);
    }
    const LayerEdge* layer(int a) const { return edges.data() + layer_begin[static_cast<size_t>(a)]; }
};

// Check-node magnitude post-processing, shared by all kernels (the fixed-point definition).
inline int check_node_scale(const LdpcSchedule& s, int m)
{
    int f;
    if (s.algorithm == LdpcAlgorithm::NormalisedMinSum)
        f = (m * s.scale_q15 + (1 << 14)) >> 15;
    else
        f = m > s.offset ? m - s.offset : 0;
    return f < s.message_limit ? f : s.message_limit;
}

class LdpcKernel
{
public:
    virtual ~LdpcKernel() = default;
    // llr: n values; -128 reads as -127. Writes k/8 packed bytes.
    virtual LdpcDecodeResult decode(const int8_t* llr, uint8_t* info_out, int max_iterations) = 0;
};

// The kernels of one SIMD level: a decoder holds per-code state, so the table has a factory.
struct LdpcKernels {
    std::unique_ptr<LdpcKernel> (*make)(const LdpcSchedule& s);
};

// One table per ISA (simd.h): ldpc_decoder.cc, ldpc_decoder_sse41.cc, ldpc_decoder_avx2.cc;
// nullptr where the file was not built for its ISA.
const LdpcKernels* ldpc_kernel_table(simd::Scalar);
const LdpcKernels* ldpc_kernel_table(simd::Sse41);
const LdpcKernels* ldpc_kernel_table(simd::Avx2);

} // namespace ldpc_detail
} // namespace dualsat
