// SPDX-License-Identifier: GPL-3.0-or-later
// The only cryptographic primitives of the protected profile, all OpenSSL 3 EVP calls (no
// hand-written cryptography): AES-256-GCM (NIST SP 800-38D) with 96-bit nonces and 16-byte
// tags, the AES-256-CTR keystream (SP 800-38A) and HKDF-SHA-384 (RFC 5869).
//
// OpenSSL keeps its expanded AES key inside the EVP_CIPHER_CTX (ordinary heap, wiped by
// EVP_CIPHER_CTX_free); our copies of keys are SecureKeys.
#pragma once

#include <dualsat/protect/secure_key.h>

#include <cstddef>
#include <cstdint>

struct evp_cipher_ctx_st;

namespace dualsat {

// One AES-256-GCM key, ready to seal and open any number of messages. One thread at a
// time (it holds an EVP context); Error when OpenSSL fails (not for a bad tag).
class AesGcm256
{
public:
    static constexpr size_t kNonceBytes = 12;
    static constexpr size_t kTagBytes = 16;

    explicit AesGcm256(const SecureKey& key);
    ~AesGcm256();
    AesGcm256(const AesGcm256&) = delete;
    AesGcm256& operator=(const AesGcm256&) = delete;

    // Encrypts data[0..len) in place and writes the tag.
    void seal(const uint8_t* nonce, const uint8_t* aad, size_t aad_len, uint8_t* data, size_t len,
              uint8_t* tag);
    // Decrypts in place and checks the tag; false (and data wiped) when it does not match.
    bool open(const uint8_t* nonce, const uint8_t* aad, size_t aad_len, uint8_t* data, size_t len,
              const uint8_t* tag);

private:
    evp_cipher_ctx_st* m_enc = nullptr;
    evp_cipher_ctx_st* m_dec = nullptr;
};

// len bytes of AES-256-CTR keystream (the encryption of zeros) from the 16-byte initial
// counter block iv (incremented as one 128-bit big-endian number, SP 800-38A B.1).
void aes256_ctr_keystream(const SecureKey& key, const uint8_t* iv, uint8_t* out, size_t len);

// HKDF-SHA-384 (RFC 5869, extract then expand) of `ikm` into `out` (kBytes).
void hkdf_sha384(const SecureKey& ikm, const uint8_t* salt, size_t salt_len, const uint8_t* info,
                 size_t info_len, SecureKey& out);

} // namespace dualsat
