// AVX2 LDPC decoder kernel (placeholder until the vector kernel lands).
#include "ldpc_decoder_internal.h"

namespace dualsat {
namespace ldpc_detail {
std::unique_ptr<LdpcKernel> make_avx2_kernel(const LdpcSchedule&) { return nullptr; }
} // namespace ldpc_detail
} // namespace dualsat
