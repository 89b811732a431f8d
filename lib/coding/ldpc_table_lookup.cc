// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/coding/ldpc_tables.h>

namespace dualsat {

extern const LdpcTable kLdpcTablesNormal[kNumCodeRates];
extern const LdpcTable kLdpcTablesShort[kNumCodeRates];

const LdpcTable& ldpc_table(FrameSize frame, CodeRate rate)
{
    code_params(frame, rate); // throws for codes the standard does not define
    const LdpcTable* tables = frame == FrameSize::Normal ? kLdpcTablesNormal : kLdpcTablesShort;
    return tables[static_cast<int>(rate)];
}

} // namespace dualsat
