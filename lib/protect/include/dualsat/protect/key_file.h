// SPDX-License-Identifier: GPL-3.0-or-later
// The protected profile's key file: a key id and a 256-bit master key, read only from a
// file that nobody but its owner can read.
//
// Format (version 1), ASCII, one item per line, '#' lines ignored, nothing else allowed:
//
//     dualsat-key-file 1
//     key-id     <64 hex digits: 32 bytes, the key's public name>
//     master-key <64 hex digits: 32 bytes, the secret>
//
// e.g. made with `printf 'dualsat-key-file 1\nkey-id %s\nmaster-key %s\n' "$(openssl rand
// -hex 32)" "$(openssl rand -hex 32)" > k && chmod 600 k`. The first line carries the
// format version: a reader refuses a version it does not know instead of guessing.
//
// Refused (ConfigError saying why, never naming key bytes): a path that is a symlink or not
// a regular file, a file not owned by the expected user (the daemon's effective uid by
// default), permission bits other than 0600 or 0400 (checked with fstat on the descriptor
// that is read, so the file checked is the file read), more than 4096 bytes, a bad header,
// a missing, repeated or unknown line, hex of the wrong length. The file's text is read
// into a locked buffer and wiped after parsing; the master key goes straight into a
// SecureKey.
#pragma once

#include <dualsat/protect/secure_key.h>

#include <array>
#include <cstdint>
#include <string>
#include <sys/types.h>

namespace dualsat {

constexpr uint32_t kKeyFileVersion = 1;
constexpr size_t kKeyIdBytes = 32;
constexpr size_t kKeyFileMaxBytes = 4096;

using KeyId = std::array<uint8_t, kKeyIdBytes>;

struct KeyMaterial {
    uint32_t version = kKeyFileVersion;
    KeyId key_id{};
    SecureKey master;
};

// Reads and checks a key file; the owner must be `owner` (default: geteuid()).
KeyMaterial load_key_file(const std::string& path);
KeyMaterial load_key_file(const std::string& path, uid_t owner);

// Writes a version-1 key file with mode 0600 (O_EXCL: never over an existing file),
// fsynced. For key generation tools and tests.
void write_key_file(const std::string& path, const KeyId& key_id, const SecureKey& master);

} // namespace dualsat
