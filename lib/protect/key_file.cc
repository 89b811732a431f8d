// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/protect/key_file.h>

#include <openssl/crypto.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dualsat {

namespace {

// A file descriptor closed on every path out.
struct Fd {
    int fd = -1;
    ~Fd()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Exactly 2 * n hex digits -> n bytes.
bool parse_hex(const char* text, size_t len, uint8_t* out, size_t n)
{
    if (len != 2 * n)
        return false;
    for (size_t i = 0; i < n; ++i) {
        const int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return true;
}

[[noreturn]] void refuse(const std::string& path, const std::string& why)
{
    throw ConfigError("key file " + path + ": " + why);
}

} // namespace

KeyMaterial load_key_file(const std::string& path) { return load_key_file(path, geteuid()); }

KeyMaterial load_key_file(const std::string& path, uid_t owner)
{
    Fd f;
    f.fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (f.fd < 0)
        refuse(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st;
    if (fstat(f.fd, &st) != 0)
        refuse(path, std::string("cannot stat: ") + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        refuse(path, "not a regular file");
    if (st.st_uid != owner)
        refuse(path, "owned by uid " + std::to_string(st.st_uid) + ", not by uid " +
                         std::to_string(owner) + " (the modem's user)");
    const unsigned mode = st.st_mode & 07777;
    if (mode != 0600 && mode != 0400) {
        char m[8];
        std::snprintf(m, sizeof m, "%04o", mode);
        refuse(path, std::string("mode ") + m + ": must be 0600 or 0400 (no access for group or others)");
    }
    if (st.st_size > static_cast<off_t>(kKeyFileMaxBytes))
        refuse(path, "larger than " + std::to_string(kKeyFileMaxBytes) + " bytes");

    // The text holds the key in hex: read it into a locked page, wipe it after.
    static_assert(kKeyFileMaxBytes <= 4096, "the text buffer is one locked page");
    struct TextBuffer {
        char text[kKeyFileMaxBytes + 1];
        // Best effort: the text lives for this call only, on heap pages no SecureKey uses.
        TextBuffer() { mlock(text, sizeof text); }
        ~TextBuffer()
        {
            OPENSSL_cleanse(text, sizeof text);
            munlock(text, sizeof text);
        }
    };
    auto buf = std::make_unique<TextBuffer>();
    size_t len = 0;
    for (;;) {
        const ssize_t n = ::read(f.fd, buf->text + len, kKeyFileMaxBytes + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            refuse(path, std::string("read error: ") + std::strerror(errno));
        if (n == 0)
            break;
        len += static_cast<size_t>(n);
        if (len > kKeyFileMaxBytes)
            refuse(path, "larger than " + std::to_string(kKeyFileMaxBytes) + " bytes");
    }

    KeyMaterial km;
    bool have_header = false, have_id = false, have_key = false;
    size_t pos = 0;
    int line_no = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && buf->text[end] != '\n')
            ++end;
        ++line_no;
        const char* line = buf->text + pos;
        size_t line_len = end - pos;
        pos = end + 1;
        if (line_len > 0 && line[line_len - 1] == '\r')
            --line_len;
        if (line_len == 0 || line[0] == '#')
            continue;
        const std::string where = "line " + std::to_string(line_no);
        if (!have_header) {
            static const char kHeader[] = "dualsat-key-file ";
            const size_t hl = sizeof kHeader - 1;
            if (line_len <= hl || std::memcmp(line, kHeader, hl) != 0)
                refuse(path, where + ": expected 'dualsat-key-file <version>' first");
            const std::string version(line + hl, line_len - hl);
            if (version != std::to_string(kKeyFileVersion))
                refuse(path, "format version '" + version + "' is not supported (this reader knows " +
                                 std::to_string(kKeyFileVersion) + ")");
            have_header = true;
            continue;
        }
        size_t sp = 0;
        while (sp < line_len && line[sp] != ' ')
            ++sp;
        const std::string name(line, sp);
        size_t v = sp;
        while (v < line_len && line[v] == ' ')
            ++v;
        const char* value = line + v;
        const size_t value_len = line_len - v;
        if (name == "key-id") {
            if (have_id)
                refuse(path, where + ": key-id given twice");
            if (!parse_hex(value, value_len, km.key_id.data(), kKeyIdBytes))
                refuse(path, where + ": key-id must be 64 hex digits");
            have_id = true;
        } else if (name == "master-key") {
            if (have_key)
                refuse(path, where + ": master-key given twice");
            if (!parse_hex(value, value_len, km.master.mutable_bytes(), SecureKey::kBytes))
                refuse(path, where + ": master-key must be 64 hex digits");
            have_key = true;
        } else {
            refuse(path, where + ": unknown item '" + name.substr(0, 32) + "'");
        }
    }
    if (!have_header)
        refuse(path, "empty (no 'dualsat-key-file' line)");
    if (!have_id)
        refuse(path, "no key-id line");
    if (!have_key)
        refuse(path, "no master-key line");
    return km;
}

void write_key_file(const std::string& path, const KeyId& key_id, const SecureKey& master)
{
    if (!master.valid())
        throw ConfigError("write_key_file: empty key");
    static const char kDigits[] = "0123456789abcdef";
    struct Text {
        char s[256];
        size_t n = 0;
        ~Text() { OPENSSL_cleanse(s, sizeof s); }
        void put(const char* t) { while (*t) s[n++] = *t++; }
        void hex(const uint8_t* b, size_t len)
        {
            for (size_t i = 0; i < len; ++i) {
                s[n++] = kDigits[b[i] >> 4];
                s[n++] = kDigits[b[i] & 15];
            }
        }
    } text;
    text.put("dualsat-key-file 1\nkey-id ");
    text.hex(key_id.data(), key_id.size());
    text.put("\nmaster-key ");
    text.hex(master.bytes(), SecureKey::kBytes);
    text.put("\n");
    Fd f;
    f.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f.fd < 0)
        throw ConfigError("write_key_file " + path + ": " + std::strerror(errno));
    if (fchmod(f.fd, 0600) != 0)
        throw ConfigError("write_key_file " + path + ": chmod: " + std::strerror(errno));
    size_t off = 0;
    while (off < text.n) {
        const ssize_t w = ::write(f.fd, text.s + off, text.n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            throw ConfigError("write_key_file " + path + ": write: " + std::strerror(errno));
        off += static_cast<size_t>(w);
    }
    if (fsync(f.fd) != 0)
        throw ConfigError("write_key_file " + path + ": fsync: " + std::strerror(errno));
}

} // namespace dualsat
