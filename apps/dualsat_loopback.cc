// dualsat-loopback: the modem's main job without hardware. Today it runs the baseband
// framing layer end to end: BBFRAMEs (BBHEADER + data field) are built, BB-scrambled,
// passed through a channel that flips bits at a chosen rate, descrambled and parsed.
// Frames whose header fails its CRC-8 are counted and dropped; every accepted frame's data
// field is checked against what was sent. It grows into the full TX -> channel -> RX modem.
#include <dualsat/bb_scrambler.h>
#include <dualsat/bbheader.h>
#include <dualsat/error.h>
#include <dualsat/modcod.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

struct Options {
    long frames = 2000;
    double bit_error_rate = 1e-5;
    std::string modcod = "QPSK 1/2";
    std::string frame = "normal";
    unsigned seed = 1;
};

void usage()
{
    std::printf("usage: dualsat-loopback [--frames N] [--ber P] [--modcod 'QPSK 1/2'] "
                "[--frame normal|short] [--seed S]\n");
}

bool parse_args(int argc, char** argv, Options& o)
{
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto need = [&](const char* name) -> const char* {
            if (i + 1 >= argc)
                throw dualsat::ConfigError(std::string(name) + " needs a value");
            return argv[++i];
        };
        if (a == "--frames")
            o.frames = std::stol(need("--frames"));
        else if (a == "--ber")
            o.bit_error_rate = std::stod(need("--ber"));
        else if (a == "--modcod")
            o.modcod = need("--modcod");
        else if (a == "--frame")
            o.frame = need("--frame");
        else if (a == "--seed")
            o.seed = static_cast<unsigned>(std::stoul(need("--seed")));
        else if (a == "-h" || a == "--help") {
            usage();
            return false;
        } else
            throw dualsat::ConfigError("unknown option '" + a + "'");
    }
    if (o.frames <= 0)
        throw dualsat::ConfigError("--frames must be positive");
    if (!(o.bit_error_rate >= 0.0 && o.bit_error_rate < 0.5))
        throw dualsat::ConfigError("--ber must be in [0, 0.5)");
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    Options opt;
    try {
        if (!parse_args(argc, argv, opt))
            return 0;
        dualsat::ModCod mc = dualsat::parse_modcod(opt.modcod);
        dualsat::FrameSize fs = dualsat::parse_frame_size(opt.frame);
        const auto& code = dualsat::code_params(fs, mc.rate);
        const size_t frame_bytes = static_cast<size_t>(code.kbch) / 8;
        const size_t dfl_bytes = frame_bytes - dualsat::kBbHeaderBytes;

        dualsat::BbScrambler scrambler;
        std::mt19937_64 rng(opt.seed);
        // Geometric gaps between bit errors: cheap at low error rates.
        std::geometric_distribution<long> gap(opt.bit_error_rate > 0 ? opt.bit_error_rate : 1.0);

        long sent = 0, accepted = 0, dropped_crc = 0, payload_errors = 0, other_drops = 0;
        std::vector<uint8_t> tx(frame_bytes), rx(frame_bytes);
        auto t0 = std::chrono::steady_clock::now();
        for (long f = 0; f < opt.frames; ++f) {
            dualsat::BbHeader h;
            h.stream_type = dualsat::StreamType::GenericContinuous;
            h.ccm = true;
            h.dfl = static_cast<uint16_t>(dfl_bytes * 8);
            auto hdr = dualsat::encode_bbheader(h);
            std::memcpy(tx.data(), hdr.data(), hdr.size());
            for (size_t i = dualsat::kBbHeaderBytes; i < frame_bytes; ++i)
                tx[i] = static_cast<uint8_t>(rng());
            std::vector<uint8_t> sent_payload(tx.begin() + dualsat::kBbHeaderBytes, tx.end());
            scrambler.apply_packed(tx.data(), frame_bytes);
            ++sent;

            rx = tx; // channel: independent bit flips at the chosen rate
            if (opt.bit_error_rate > 0) {
                for (long bit = gap(rng); bit < static_cast<long>(frame_bytes * 8); bit += 1 + gap(rng))
                    rx[static_cast<size_t>(bit / 8)] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
            }

            scrambler.apply_packed(rx.data(), frame_bytes);
            dualsat::BbHeader got;
            auto st = dualsat::try_parse_bbheader(rx.data(), frame_bytes, got, dfl_bytes * 8);
            if (st == dualsat::BbHeaderStatus::BadCrc) {
                ++dropped_crc;
                continue;
            }
            if (st != dualsat::BbHeaderStatus::Ok) {
                ++other_drops;
                continue;
            }
            ++accepted;
            if (std::memcmp(rx.data() + dualsat::kBbHeaderBytes, sent_payload.data(), dfl_bytes) != 0)
                ++payload_errors; // no FEC yet: the data field carries the channel's errors
            if ((f + 1) % 500 == 0)
                std::printf("\rframes %ld  accepted %ld  header drops %ld", f + 1, accepted,
                            dropped_crc + other_drops),
                    std::fflush(stdout);
        }
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("\n%s %s, %ld BBFRAMEs of %zu bytes, channel BER %.1e\n",
                    dualsat::to_string(mc).c_str(), dualsat::to_string(fs).c_str(), sent,
                    frame_bytes, opt.bit_error_rate);
        std::printf("accepted %ld, dropped on header CRC %ld, other header drops %ld, "
                    "accepted frames with data-field errors %ld\n",
                    accepted, dropped_crc, other_drops, payload_errors);
        std::printf("framing throughput %.1f Mbit/s\n", sent * frame_bytes * 8 / secs / 1e6);
        // Every frame is either accepted or counted as dropped: nothing disappears.
        return (accepted + dropped_crc + other_drops == sent) ? 0 : 1;
    } catch (const dualsat::Error& e) {
        std::fprintf(stderr, "dualsat-loopback: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dualsat-loopback: bad argument: %s\n", e.what());
        return 2;
    }
}
