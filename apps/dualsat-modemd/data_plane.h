// SPDX-License-Identifier: GPL-3.0-or-later
// The data plane: UDP (and optionally TUN) in front of the modem. Inputs feed the
// TxInput: one IP packet per UDP datagram (or per TUN read) for GSE, N x 188-byte TS
// packets per datagram for TS. Outputs forward what the receiver decodes: IP packets one
// per datagram, TS packets grouped packets_per_datagram (7 x 188 = 1316 bytes, the usual
// TS-over-UDP convention) per datagram. No GNU Radio headers.
#pragma once

#include "config.h"
#include "tx_input.h"

#include <dualsat/framing/ts_adaptation.h>

#include <nlohmann/json.hpp>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace modemd {

// sockaddr of an endpoint (an IPv4 or IPv6 literal, as the config validated it); throws
// ResourceError for anything else. Shared by the data plane and the ACM return path.
socklen_t make_sockaddr(const Endpoint& ep, sockaddr_storage& ss);

// A socket or device could not be opened. Exit code 4.
class ResourceError : public dualsat::Error
{
public:
    using dualsat::Error::Error;
};

struct DataPlaneStats {
    uint64_t datagrams_in = 0;
    uint64_t bytes_in = 0;
    uint64_t tun_packets_in = 0;
    uint64_t packets_out = 0;   // IP packets / TS packets forwarded (TS with a forward
                                // address: once their datagram is handed to the socket)
    uint64_t payload_bytes_out = 0;
    uint64_t datagrams_out = 0;
    uint64_t bytes_out = 0;
    uint64_t send_errors = 0;
    uint64_t null_packets = 0;  // TS null packets received (stuffing), not forwarded
    // Datagrams the kernel dropped because a listen socket's receive buffer was full
    // (SO_RXQ_OVFL): input lost before the daemon saw it.
    uint64_t ip_listen_kernel_drops = 0;
    uint64_t ts_listen_kernel_drops = 0;
};

class DataPlane
{
public:
    // Opens every configured socket (bind failures -> ResourceError naming the key and
    // address; a TUN without CAP_NET_ADMIN -> ResourceError saying so). input is null
    // for a receive-only daemon.
    DataPlane(const Config& config, TxInput* input);
    ~DataPlane();

    void start();
    // Stops the input threads; nothing more enters the TxInput after it returns.
    void stop();

    // For the receiver: forward one decoded IP packet / TS packet.
    void forward_ip(const uint8_t* data, size_t len);
    // TS packets are grouped data.ts.packets_per_datagram per datagram; a partly filled
    // one goes out after data.ts.flush_timeout at the latest (a thread started by start()).
    void forward_ts(const uint8_t* packet188);
    void flush_ts(); // sends a partly filled TS datagram now

    DataPlaneStats stats() const;
    nlohmann::json status() const; // bound addresses (real ports when 0 was asked)

private:
    struct Socket {
        int fd = -1;
        std::string key;
        Endpoint bound;
    };
    Socket open_udp(const std::string& key, const Endpoint& ep, bool bind_it);
    void open_tun(const std::string& name);
    void udp_loop(int fd, bool ts);
    void tun_loop();
    void send_to(const Socket& s, const uint8_t* data, size_t len);
    void send_ts_locked();
    void ts_flush_loop();

    const Config m_cfg;
    TxInput* m_input;
    Socket m_ip_in, m_ts_in, m_ip_out, m_ts_out;
    int m_tun_fd = -1;
    std::string m_tun_name;
    std::atomic<bool> m_running{ false };
    std::vector<std::thread> m_threads;

    mutable std::mutex m_mutex; // stats and the TS output buffer
    std::condition_variable m_stop_cv;
    DataPlaneStats m_stats;
    std::vector<uint8_t> m_ts_buf;
    std::chrono::steady_clock::time_point m_ts_buf_since; // first packet in m_ts_buf
};

} // namespace modemd
