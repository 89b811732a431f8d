// SPDX-License-Identifier: GPL-3.0-or-later
#include "../protect/protect_test_util.h"

#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/protect/key_file.h>

#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace dualsat;
using namespace protect_test;

namespace {

const char kMasterHex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const char kIdHex[] = "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";

void write_text(const std::string& path, const std::string& text, mode_t mode = 0600)
{
    ::unlink(path.c_str());
    {
        std::ofstream f(path);
        f << text;
    }
    REQUIRE(::chmod(path.c_str(), mode) == 0);
}

std::string good_text()
{
    return std::string("# test key\ndualsat-key-file 1\nkey-id ") + kIdHex + "\nmaster-key " + kMasterHex + "\n";
}

// The refusal's message, which must say why and must never carry the key.
std::string refusal(const std::string& path, uid_t owner)
{
    try {
        load_key_file(path, owner);
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        CHECK(what.find(kMasterHex) == std::string::npos);
        CHECK(what.find("1c1d1e1f") == std::string::npos);
        return what;
    }
    FAIL("key file accepted: " << path);
    return {};
}

} // namespace

TEST_CASE("KeyFile: a version-1 file of mode 0600 or 0400 owned by us is read", "[protect]")
{
    ScratchDir dir;
    const std::string p = dir.file("k");
    write_text(p, good_text());
    const KeyMaterial km = load_key_file(p);
    CHECK(km.version == 1);
    CHECK(to_hex(km.master.bytes(), 32) == kMasterHex);
    CHECK(to_hex(km.key_id.data(), 32) == kIdHex);
    REQUIRE(::chmod(p.c_str(), 0400) == 0);
    CHECK(to_hex(load_key_file(p).master.bytes(), 32) == kMasterHex);

    // write_key_file makes what load_key_file reads, mode 0600, never over a file.
    const std::string q = dir.file("written");
    write_key_file(q, km.key_id, km.master);
    struct stat st;
    REQUIRE(::stat(q.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(to_hex(load_key_file(q).master.bytes(), 32) == kMasterHex);
    CHECK_THROWS_AS(write_key_file(q, km.key_id, km.master), ConfigError);
}

TEST_CASE("KeyFile: group/other access, another owner, links and non-files are refused",
          "[protect]")
{
    ScratchDir dir;
    const std::string p = dir.file("k");
    for (mode_t mode : { 0644, 0640, 0604, 0660, 0700, 0666, 0601, 0610 }) {
        INFO("mode " << std::oct << mode);
        write_text(p, good_text(), mode);
        CHECK(refusal(p, geteuid()).find("mode") != std::string::npos);
    }
    write_text(p, good_text());
    CHECK(refusal(p, geteuid() + 1).find("owned by uid") != std::string::npos);
    if (geteuid() == 0) { // really owned by someone else
        REQUIRE(::chown(p.c_str(), 65534, 65534) == 0);
        CHECK(refusal(p, 0).find("owned by uid 65534") != std::string::npos);
        REQUIRE(::chown(p.c_str(), 0, 0) == 0);
    }
    const std::string link = dir.file("link");
    REQUIRE(::symlink(p.c_str(), link.c_str()) == 0);
    CHECK(refusal(link, geteuid()).find("cannot open") != std::string::npos); // O_NOFOLLOW
    CHECK(refusal(dir.path(), geteuid()).find("not a regular file") != std::string::npos);
    CHECK(refusal(dir.file("missing"), geteuid()).find("cannot open") != std::string::npos);
}

TEST_CASE("KeyFile: malformed contents are refused with the reason", "[protect]")
{
    ScratchDir dir;
    const std::string p = dir.file("k");
    const std::string id = std::string("key-id ") + kIdHex + "\n";
    const std::string key = std::string("master-key ") + kMasterHex + "\n";
    struct Case {
        std::string text, reason;
    };
    const std::vector<Case> cases = {
        { "", "empty" },
        { "dualsat-key-file 2\n" + id + key, "version '2'" },
        { "dualsat-key 1\n" + id + key, "expected 'dualsat-key-file" },
        { "dualsat-key-file 1\n" + id, "no master-key" },
        { "dualsat-key-file 1\n" + key, "no key-id" },
        { "dualsat-key-file 1\n" + id + key + key, "given twice" },
        { "dualsat-key-file 1\n" + id + "master-key " + std::string(kMasterHex).substr(2) + "\n",
          "64 hex digits" },
        { "dualsat-key-file 1\n" + id + "master-key " + std::string(kMasterHex).substr(2) + "zz\n",
          "64 hex digits" },
        { "dualsat-key-file 1\n" + id + key + "cipher aes\n", "unknown item" },
        { "dualsat-key-file 1\n" + id + key + std::string(5000, '#'), "larger than 4096" },
    };
    for (const Case& c : cases) {
        INFO(c.reason);
        write_text(p, c.text);
        const std::string why = refusal(p, geteuid());
        CHECK(why.find(c.reason) != std::string::npos);
        CHECK(why.find(p) != std::string::npos);
    }
}
