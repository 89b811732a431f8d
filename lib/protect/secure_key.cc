// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/protect/secure_key.h>

#include <openssl/crypto.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace dualsat {

namespace {

size_t page_size()
{
    const long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? static_cast<size_t>(p) : 4096;
}

uint8_t* locked_page()
{
    const size_t size = page_size();
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        throw ConfigError(std::string("SecureKey: cannot map a page for key material: ") +
                          std::strerror(errno));
    if (mlock(p, size) != 0) {
        const int e = errno;
        munmap(p, size);
        throw ConfigError(std::string("SecureKey: cannot lock key material in memory (mlock: ") +
                          std::strerror(e) + "; raise RLIMIT_MEMLOCK / LimitMEMLOCK)");
    }
#ifdef MADV_DONTDUMP
    madvise(p, size, MADV_DONTDUMP); // best effort: a core dump must not carry keys
#endif
    return static_cast<uint8_t*>(p);
}

} // namespace

SecureKey::SecureKey() : m_page(locked_page()) {}

SecureKey::SecureKey(const uint8_t* bytes) : m_page(locked_page())
{
    if (bytes == nullptr) {
        release();
        throw ConfigError("SecureKey: null key bytes");
    }
    std::memcpy(m_page, bytes, kBytes);
}

SecureKey::~SecureKey() { release(); }

SecureKey::SecureKey(SecureKey&& other) noexcept : m_page(other.m_page) { other.m_page = nullptr; }

SecureKey& SecureKey::operator=(SecureKey&& other) noexcept
{
    if (this != &other) {
        release();
        m_page = other.m_page;
        other.m_page = nullptr;
    }
    return *this;
}

void SecureKey::wipe()
{
    if (m_page)
        OPENSSL_cleanse(m_page, kBytes);
}

void SecureKey::release() noexcept
{
    if (!m_page)
        return;
    OPENSSL_cleanse(m_page, page_size());
    munlock(m_page, page_size());
    munmap(m_page, page_size());
    m_page = nullptr;
}

} // namespace dualsat
