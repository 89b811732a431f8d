// SPDX-License-Identifier: GPL-3.0-or-later
// Catch2 v2 main for the libdualsat unit tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
