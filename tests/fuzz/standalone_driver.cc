// SPDX-License-Identifier: GPL-3.0-or-later
//
// main() for a fuzz target when libFuzzer is not available (the normal GCC build): runs
// LLVMFuzzerTestOneInput over every file given (seed corpus, saved regressions), then
// over pseudo-random mutations of those files for a bounded number of runs / seconds.
// The mutations are a small subset of libFuzzer's (bit flips, byte changes, interesting
// values, insert/erase, copy, splice, dictionary tokens), enough to take every target
// off its seeds' paths within seconds. Deterministic for a given --seed, so a failure in
// the test suite reproduces; the failing input is written to --crash-dir if given.
//
//   fuzz_X [--runs N] [--seconds S] [--seed N] [--max-len N] [--dict FILE]
//          [--crash-dir DIR] FILE_OR_DIR...

#include "fuzz_common.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;

// The input being run, written out if the target aborts.
const Bytes* g_current = nullptr;
std::string g_crash_dir;

void save_current(int sig)
{
    if (g_current && !g_crash_dir.empty()) {
        std::string path = g_crash_dir + "/crash-standalone";
        if (FILE* f = std::fopen(path.c_str(), "wb")) {
            std::fwrite(g_current->data(), 1, g_current->size(), f);
            std::fclose(f);
            std::fprintf(stderr, "standalone driver: input written to %s\n", path.c_str());
        }
    }
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

bool read_file(const std::string& path, Bytes& out)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

void collect(const std::string& path, std::vector<std::string>& files)
{
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        return; // a target may have no regressions yet
    if (S_ISREG(st.st_mode)) {
        files.push_back(path);
        return;
    }
    if (!S_ISDIR(st.st_mode))
        return;
    std::vector<std::string> names;
    if (DIR* d = ::opendir(path.c_str())) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.')
                names.push_back(e->d_name);
        ::closedir(d);
    }
    std::sort(names.begin(), names.end()); // deterministic order
    for (const auto& n : names)
        collect(path + "/" + n, files);
}

int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// libFuzzer dictionary format: name="value" per line, \\, \" and \xNN escapes, # comments.
std::vector<Bytes> read_dict(const std::string& path)
{
    std::vector<Bytes> tokens;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        auto q = line.find('"');
        auto e = line.rfind('"');
        if (line.empty() || line[0] == '#' || q == std::string::npos || e <= q)
            continue;
        Bytes t;
        for (size_t i = q + 1; i < e; ++i) {
            if (line[i] == '\\' && i + 1 < e) {
                if (line[i + 1] == 'x' && i + 3 < e && hex_digit(line[i + 2]) >= 0 &&
                    hex_digit(line[i + 3]) >= 0) {
                    t.push_back(static_cast<uint8_t>(hex_digit(line[i + 2]) * 16 +
                                                     hex_digit(line[i + 3])));
                    i += 3;
                } else {
                    t.push_back(static_cast<uint8_t>(line[++i]));
                }
            } else {
                t.push_back(static_cast<uint8_t>(line[i]));
            }
        }
        if (!t.empty())
            tokens.push_back(std::move(t));
    }
    return tokens;
}

class Mutator
{
public:
    Mutator(uint64_t seed, size_t max_len, const std::vector<Bytes>& corpus,
            const std::vector<Bytes>& dict)
        : m_rng(seed), m_max_len(max_len), m_corpus(corpus), m_dict(dict)
    {
    }

    Bytes next()
    {
        Bytes b = m_corpus.empty() ? Bytes{} : m_corpus[below(m_corpus.size())];
        const int n = 1 + static_cast<int>(below(8));
        for (int i = 0; i < n; ++i)
            mutate(b);
        if (b.size() > m_max_len)
            b.resize(m_max_len);
        return b;
    }

private:
    size_t below(size_t n) { return n ? static_cast<size_t>(m_rng() % n) : 0; }

    void mutate(Bytes& b)
    {
        static const uint8_t interesting8[] = { 0x00, 0x01, 0x7F, 0x80, 0xFF, 0x47, 0x0A, 0x20 };
        static const uint32_t interesting32[] = { 0u,          1u,          0x7F800000u /*inf*/,
                                                  0x7FC00000u /*nan*/, 0xFF800000u, 0x00000001u,
                                                  0x7F7FFFFFu, 0x80000000u, 0xFFFFFFFFu };
        switch (below(b.empty() ? 2 : 11)) {
        case 0: // insert random bytes
        case 1: {
            const size_t at = below(b.size() + 1), n = 1 + below(8);
            for (size_t i = 0; i < n; ++i)
                b.insert(b.begin() + static_cast<long>(at), static_cast<uint8_t>(m_rng()));
            break;
        }
        case 2:
            b[below(b.size())] ^= static_cast<uint8_t>(1u << below(8));
            break;
        case 3:
            b[below(b.size())] = static_cast<uint8_t>(m_rng());
            break;
        case 4:
            b[below(b.size())] = interesting8[below(sizeof interesting8)];
            break;
        case 5: { // a 32-bit value (float specials) at a random place
            if (b.size() < 4)
                break;
            const uint32_t v = interesting32[below(sizeof interesting32 / 4)];
            std::memcpy(b.data() + below(b.size() - 3), &v, 4);
            break;
        }
        case 6: { // erase a run
            const size_t at = below(b.size()), n = 1 + below(std::min<size_t>(b.size() - at, 16));
            b.erase(b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + n));
            break;
        }
        case 7: { // duplicate a run somewhere else
            const size_t from = below(b.size()), n = 1 + below(std::min<size_t>(b.size() - from, 32));
            Bytes run(b.begin() + static_cast<long>(from), b.begin() + static_cast<long>(from + n));
            b.insert(b.begin() + static_cast<long>(below(b.size() + 1)), run.begin(), run.end());
            break;
        }
        case 8: { // splice with another corpus element
            if (m_corpus.empty())
                break;
            const Bytes& o = m_corpus[below(m_corpus.size())];
            if (o.empty())
                break;
            const size_t cut = below(b.size() + 1), from = below(o.size());
            b.resize(cut);
            b.insert(b.end(), o.begin() + static_cast<long>(from), o.end());
            break;
        }
        case 9: // truncate
            b.resize(below(b.size() + 1));
            break;
        case 10: { // dictionary token, inserted or overwriting
            if (m_dict.empty()) {
                b[below(b.size())] += static_cast<uint8_t>(below(5)) - 2;
                break;
            }
            const Bytes& t = m_dict[below(m_dict.size())];
            const size_t at = below(b.size() + 1);
            if (m_rng() & 1 || at + t.size() > b.size())
                b.insert(b.begin() + static_cast<long>(at), t.begin(), t.end());
            else
                std::copy(t.begin(), t.end(), b.begin() + static_cast<long>(at));
            break;
        }
        }
    }

    std::mt19937_64 m_rng;
    size_t m_max_len;
    const std::vector<Bytes>& m_corpus;
    const std::vector<Bytes>& m_dict;
};

void run_one(const Bytes& b)
{
    g_current = &b;
    // A copy of exactly the input's size, so ASan (if enabled) sees reads past its end.
    std::unique_ptr<uint8_t[]> copy(new uint8_t[b.size() ? b.size() : 1]);
    if (!b.empty())
        std::memcpy(copy.get(), b.data(), b.size());
    LLVMFuzzerTestOneInput(copy.get(), b.size());
    g_current = nullptr;
}

} // namespace

int main(int argc, char** argv)
{
    uint64_t runs = 10000, seed = 1;
    double seconds = 5.0;
    size_t max_len = 4096;
    std::vector<std::string> paths;
    std::vector<Bytes> dict;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--runs")
            runs = std::stoull(value());
        else if (a == "--seconds")
            seconds = std::stod(value());
        else if (a == "--seed")
            seed = std::stoull(value());
        else if (a == "--max-len")
            max_len = std::stoull(value());
        else if (a == "--dict")
            dict = read_dict(value());
        else if (a == "--crash-dir")
            g_crash_dir = value();
        else
            paths.push_back(a);
    }
    std::signal(SIGABRT, save_current);
    std::signal(SIGSEGV, save_current);

    std::vector<std::string> files;
    for (const auto& p : paths)
        collect(p, files);
    std::vector<Bytes> corpus;
    for (const auto& f : files) {
        Bytes b;
        if (!read_file(f, b)) {
            std::fprintf(stderr, "cannot read %s\n", f.c_str());
            return 2;
        }
        run_one(b);
        corpus.push_back(std::move(b));
    }
    run_one(Bytes{}); // the empty input

    Mutator mutator(seed, max_len, corpus, dict);
    const auto t0 = std::chrono::steady_clock::now();
    uint64_t done = 0;
    for (; done < runs; ++done) {
        if ((done & 63) == 0 &&
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > seconds)
            break;
        run_one(mutator.next());
    }
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%zu corpus files, %llu mutations in %.2f s (seed %llu): no failure\n", files.size(),
                static_cast<unsigned long long>(done), took, static_cast<unsigned long long>(seed));
    return 0;
}
