// SPDX-License-Identifier: GPL-3.0-or-later
// Symbol visibility for the gnuradio-dualsat block library.
#pragma once

#include <gnuradio/attributes.h>

#ifdef gnuradio_dualsat_EXPORTS
#define DUALSAT_API __GR_ATTR_EXPORT
#else
#define DUALSAT_API __GR_ATTR_IMPORT
#endif
