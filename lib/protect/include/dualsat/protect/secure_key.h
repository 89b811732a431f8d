// SPDX-License-Identifier: GPL-3.0-or-later
// SecureKey: 32 bytes of key material that never leave locked, wiped memory.
//
// Every key of the protected profile (the master key read from the key file and the keys
// HKDF derives from it) lives in one of these. The bytes sit on a page of their own that
// is mmap'd, mlock'd (never swapped out) and marked MADV_DONTDUMP (not in a core dump);
// they are wiped with OPENSSL_cleanse when the key is destroyed, moved from or replaced,
// before the page is unlocked and unmapped. There is no operator<<, no to_string and no
// comparison: the only way to the bytes is bytes(), for the OpenSSL calls that take a key.
// A failed mlock (RLIMIT_MEMLOCK too small) is a ConfigError: key material is never held
// in memory that may be written to swap.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dualsat {

class SecureKey
{
public:
    static constexpr size_t kBytes = 32; // AES-256, and the HKDF master key

    // A zero key on a locked page. ConfigError when the page cannot be locked.
    SecureKey();
    // Copies kBytes from `bytes` (which the caller wipes). ConfigError as above.
    explicit SecureKey(const uint8_t* bytes);
    ~SecureKey();
    SecureKey(SecureKey&& other) noexcept;            // `other` is left empty
    SecureKey& operator=(SecureKey&& other) noexcept; // our old bytes are wiped first
    SecureKey(const SecureKey&) = delete;
    SecureKey& operator=(const SecureKey&) = delete;

    // False after a move; such a key must not be used (bytes() is then null).
    bool valid() const { return m_page != nullptr; }
    const uint8_t* bytes() const { return m_page; }
    uint8_t* mutable_bytes() { return m_page; }
    // Wipes the bytes (the key stays valid, all zeros).
    void wipe();

private:
    void release() noexcept;
    uint8_t* m_page = nullptr;
};

} // namespace dualsat
