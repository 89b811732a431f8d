// SPDX-License-Identifier: GPL-3.0-or-later
#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/protect/replay_window.h>

using namespace dualsat;

TEST_CASE("ReplayWindow: fresh, repeated, old, and jumps", "[protect]")
{
    ReplayWindow w(1024);
    CHECK(w.size() == 1024);
    CHECK(w.check(5));
    w.accept(5);
    CHECK_FALSE(w.check(5));
    CHECK(w.check(4));
    CHECK(w.check(6));
    w.accept(2000); // 4 and 6 now fall out of the window
    CHECK_FALSE(w.check(4));
    CHECK_FALSE(w.check(976));
    CHECK(w.check(977));
    CHECK(w.check(1999));
    w.accept(1999);
    CHECK_FALSE(w.check(1999));
    w.accept(2010); // 2001..2009 enter unseen; 1999 stays seen
    CHECK(w.check(2005));
    CHECK_FALSE(w.check(1999));
    CHECK_FALSE(w.check(2000));
    w.accept(1000000); // a jump beyond the window clears it
    CHECK_FALSE(w.check(2010));
    CHECK(w.check(999999));
    CHECK_THROWS_AS(ReplayWindow(1023), ConfigError);
    CHECK(ReplayWindow(1025).size() == 1088);
}
