// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/protect/aes.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <climits>
#include <cstring>
#include <memory>
#include <string>

namespace dualsat {

namespace {

[[noreturn]] void openssl_failed(const char* what)
{
    char buf[256] = "";
    const unsigned long e = ERR_get_error();
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    throw Error(std::string("OpenSSL: ") + what + (e ? std::string(": ") + buf : std::string()));
}

int checked_int(size_t n)
{
    if (n > static_cast<size_t>(INT_MAX))
        throw Error("OpenSSL: message too long");
    return static_cast<int>(n);
}

// The algorithm objects, fetched once from the default provider.
struct Algorithms {
    EVP_CIPHER* gcm = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    EVP_CIPHER* ctr = EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr);
    EVP_KDF* hkdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    ~Algorithms()
    {
        EVP_CIPHER_free(gcm);
        EVP_CIPHER_free(ctr);
        EVP_KDF_free(hkdf);
    }
};

const Algorithms& algorithms()
{
    static const Algorithms a;
    if (!a.gcm || !a.ctr || !a.hkdf)
        openssl_failed("AES-256-GCM, AES-256-CTR or HKDF is not available");
    return a;
}

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

} // namespace

AesGcm256::AesGcm256(const SecureKey& key)
{
    if (!key.valid())
        throw ConfigError("AesGcm256: empty key");
    const Algorithms& a = algorithms();
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> enc(EVP_CIPHER_CTX_new()), dec(EVP_CIPHER_CTX_new());
    if (!enc || !dec)
        openssl_failed("EVP_CIPHER_CTX_new");
    // The IV length is GCM's default, 12 bytes (the 96-bit nonce of SP 800-38D §8.2).
    if (EVP_EncryptInit_ex2(enc.get(), a.gcm, key.bytes(), nullptr, nullptr) != 1 ||
        EVP_DecryptInit_ex2(dec.get(), a.gcm, key.bytes(), nullptr, nullptr) != 1)
        openssl_failed("AES-256-GCM key setup");
    m_enc = enc.release();
    m_dec = dec.release();
}

AesGcm256::~AesGcm256()
{
    EVP_CIPHER_CTX_free(m_enc);
    EVP_CIPHER_CTX_free(m_dec);
}

void AesGcm256::seal(const uint8_t* nonce, const uint8_t* aad, size_t aad_len, uint8_t* data,
                     size_t len, uint8_t* tag)
{
    int n = 0;
    if (EVP_EncryptInit_ex2(m_enc, nullptr, nullptr, nonce, nullptr) != 1)
        openssl_failed("GCM nonce");
    if (aad_len > 0 && EVP_EncryptUpdate(m_enc, nullptr, &n, aad, checked_int(aad_len)) != 1)
        openssl_failed("GCM AAD");
    if (len > 0 && EVP_EncryptUpdate(m_enc, data, &n, data, checked_int(len)) != 1)
        openssl_failed("GCM encrypt");
    if (EVP_EncryptFinal_ex(m_enc, data + len, &n) != 1)
        openssl_failed("GCM final");
    if (EVP_CIPHER_CTX_ctrl(m_enc, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagBytes), tag) != 1)
        openssl_failed("GCM tag");
}

bool AesGcm256::open(const uint8_t* nonce, const uint8_t* aad, size_t aad_len, uint8_t* data,
                     size_t len, const uint8_t* tag)
{
    int n = 0;
    if (EVP_DecryptInit_ex2(m_dec, nullptr, nullptr, nonce, nullptr) != 1)
        openssl_failed("GCM nonce");
    if (aad_len > 0 && EVP_DecryptUpdate(m_dec, nullptr, &n, aad, checked_int(aad_len)) != 1)
        openssl_failed("GCM AAD");
    if (len > 0 && EVP_DecryptUpdate(m_dec, data, &n, data, checked_int(len)) != 1)
        openssl_failed("GCM decrypt");
    if (EVP_CIPHER_CTX_ctrl(m_dec, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagBytes),
                            const_cast<uint8_t*>(tag)) != 1)
        openssl_failed("GCM set tag");
    if (EVP_DecryptFinal_ex(m_dec, data + len, &n) != 1) {
        ERR_clear_error();
        OPENSSL_cleanse(data, len); // unauthenticated plaintext goes nowhere
        return false;
    }
    return true;
}

void aes256_ctr_keystream(const SecureKey& key, const uint8_t* iv, uint8_t* out, size_t len)
{
    if (!key.valid())
        throw ConfigError("aes256_ctr_keystream: empty key");
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_EncryptInit_ex2(ctx.get(), algorithms().ctr, key.bytes(), iv, nullptr) != 1)
        openssl_failed("AES-256-CTR setup");
    std::memset(out, 0, len);
    int n = 0;
    if (len > 0 && EVP_EncryptUpdate(ctx.get(), out, &n, out, checked_int(len)) != 1)
        openssl_failed("AES-256-CTR");
}

void hkdf_sha384(const SecureKey& ikm, const uint8_t* salt, size_t salt_len, const uint8_t* info,
                 size_t info_len, SecureKey& out)
{
    if (!ikm.valid() || !out.valid())
        throw ConfigError("hkdf_sha384: empty key");
    EVP_KDF_CTX* kctx = EVP_KDF_CTX_new(algorithms().hkdf);
    if (!kctx)
        openssl_failed("EVP_KDF_CTX_new");
    char digest[] = "SHA384";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.bytes()),
                                          SecureKey::kBytes),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt), salt_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(info), info_len),
        OSSL_PARAM_construct_end(),
    };
    const int ok = EVP_KDF_derive(kctx, out.mutable_bytes(), SecureKey::kBytes, params);
    EVP_KDF_CTX_free(kctx);
    if (ok != 1)
        openssl_failed("HKDF-SHA-384");
}

} // namespace dualsat
