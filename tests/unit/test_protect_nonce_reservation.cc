// SPDX-License-Identifier: GPL-3.0-or-later
#include "../protect/protect_test_util.h"

#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/framing/bbheader.h>
#include <dualsat/protect/frame_protection.h>
#include <dualsat/protect/nonce_reservation.h>

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/wait.h>

using namespace dualsat;
using namespace protect_test;

namespace {

std::string read_all(const std::string& path)
{
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("NonceReservation: reserves ahead on disk, a restart skips what may have been used",
          "[protect]")
{
    ScratchDir dir;
    const std::string p = dir.file("state");
    {
        NonceReservation r(p, "link=1 direction=forward", 100);
        CHECK(r.reserved() == 100);
        CHECK(read_all(p) == "dualsat-nonce-state 1\nbinding link=1 direction=forward\nreserved 100\n");
        for (uint64_t i = 0; i < 100; ++i)
            REQUIRE(r.next() == i);
        CHECK(r.reservations() == 1);
        CHECK(r.next() == 100); // the next block is written before 100 is used
        CHECK(r.reservations() == 2);
        CHECK(read_all(p).find("reserved 200\n") != std::string::npos);
        for (int i = 0; i < 50; ++i)
            r.next();
    } // no clean shutdown exists: the file says 200 whatever was used
    NonceReservation again(p, "link=1 direction=forward", 100);
    CHECK(again.next() == 200);
    CHECK(read_all(p).find("reserved 300\n") != std::string::npos);
}

TEST_CASE("NonceReservation: a foreign, damaged or unwritable state is an error, never a restart at 0",
          "[protect]")
{
    ScratchDir dir;
    const std::string p = dir.file("state");
    { NonceReservation r(p, "link=1 direction=forward"); }
    CHECK_THROWS_WITH(NonceReservation(p, "link=1 direction=return"), Catch::Contains("another key/link/direction"));
    const auto write = [&](const std::string& text) {
        std::ofstream f(p, std::ios::trunc);
        f << text;
    };
    write("dualsat-nonce-state 1\nbinding link=1 direction=forward\nreserved 12x\n");
    CHECK_THROWS_WITH(NonceReservation(p, "link=1 direction=forward"), Catch::Contains("bad reserved value"));
    write("dualsat-nonce-state 1\nbinding link=1 direction=forward\nreserved 12");
    CHECK_THROWS_WITH(NonceReservation(p, "link=1 direction=forward"), Catch::Contains("truncated"));
    write("");
    CHECK_THROWS_WITH(NonceReservation(p, "link=1 direction=forward"), Catch::Contains("not a version-1"));
    write("dualsat-nonce-state 1\nbinding link=1 direction=forward\nreserved 99999999999999999999\n");
    CHECK_THROWS_WITH(NonceReservation(p, "link=1 direction=forward"), Catch::Contains("bad reserved value"));
    // The end of the counter space.
    write("dualsat-nonce-state 1\nbinding link=1 direction=forward\nreserved 18446744073709551613\n");
    {
        NonceReservation r(p, "link=1 direction=forward", 100);
        CHECK(r.next() == 18446744073709551613ull);
        CHECK(r.next() == 18446744073709551614ull);
        CHECK_THROWS_AS(r.next(), Error);
    }
    CHECK_THROWS_WITH(NonceReservation(p, "link=1 direction=forward"), Catch::Contains("exhausted"));
    // A directory that cannot be written: no counter.
    CHECK_THROWS_AS(NonceReservation(dir.file("no/such/dir/state"), "x"), Error);
    CHECK_THROWS_AS(NonceReservation("/proc/dualsat-nonce", "x"), Error);
    CHECK_THROWS_AS(NonceReservation(dir.file("s2"), "bad\nbinding"), ConfigError);
    CHECK_THROWS_AS(NonceReservation(dir.file("s2"), "x", 0), ConfigError);
}

TEST_CASE("FrameSealer: kill -9 mid-stream and restart, no nonce is ever sent twice", "[protect]")
{
    // A child seals frames as fast as it can and writes every counter that went "on air"
    // to a pipe; the parent kills it with SIGKILL at a random point, three times, then
    // a last transmitter runs in the parent. Every counter seen must be unique.
    ScratchDir dir;
    const std::string state = dir.file("nonce");
    const FrameFormat format{ { Modulation::QPSK, CodeRate::R1_4 }, FrameSize::Short, false };
    const auto seal_one = [&format](FrameSealer& sealer) {
        std::vector<uint8_t> f(384, 0);
        BbHeader h;
        h.stream_type = StreamType::Transport;
        h.upl = 188 * 8;
        h.sync = 0x47;
        h.dfl = 800;
        sealer.apply(format, 0, h, f.data() + kBbHeaderBytes, f.size() - kBbHeaderBytes);
        return parse_protect_header(f.data() + kBbHeaderBytes).counter;
    };
    const auto make_sealer = [&state] {
        FrameSealerConfig c;
        c.link_id = 2;
        c.nonce_state_path = state;
        c.reservation_block = 64; // many reservations, so kills land around them
        c.clock = [] { return (7 * 3600 + 1) * kNs; };
        return std::make_unique<FrameSealer>(test_schedule(), c);
    };
    std::vector<uint64_t> on_air;
    for (int run = 0; run < 3; ++run) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(fds[0]);
            try {
                auto sealer = make_sealer();
                for (;;) {
                    const uint64_t c = seal_one(*sealer);
                    if (::write(fds[1], &c, sizeof c) != sizeof c)
                        ::_exit(2);
                }
            } catch (...) {
                ::_exit(3);
            }
        }
        ::close(fds[1]);
        const size_t kill_after = 500 + static_cast<size_t>(run) * 777;
        size_t got = 0;
        uint64_t c;
        while (got < kill_after && ::read(fds[0], &c, sizeof c) == sizeof c) {
            on_air.push_back(c);
            ++got;
        }
        ::kill(pid, SIGKILL);
        while (::read(fds[0], &c, sizeof c) == sizeof c) // what was sent before the kill
            on_air.push_back(c);
        ::close(fds[0]);
        int status = 0;
        ::waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status));
        REQUIRE(got == kill_after);
    }
    auto sealer = make_sealer();
    for (int i = 0; i < 1000; ++i)
        on_air.push_back(seal_one(*sealer));
    const std::set<uint64_t> unique(on_air.begin(), on_air.end());
    INFO(on_air.size() << " frames on air");
    CHECK(unique.size() == on_air.size());
    CHECK(on_air.size() >= 500 + 1277 + 2054 + 1000);
}
