// SPDX-License-Identifier: GPL-3.0-or-later
#include "data_plane.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace modemd {

socklen_t make_sockaddr(const Endpoint& ep, sockaddr_storage& ss)
{
    std::memset(&ss, 0, sizeof ss);
    auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
    if (inet_pton(AF_INET, ep.host.c_str(), &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(ep.port);
        return sizeof(sockaddr_in);
    }
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET6, ep.host.c_str(), &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(ep.port);
        return sizeof(sockaddr_in6);
    }
    throw ResourceError("'" + ep.host + "' is not an IP address");
}

namespace {

uint16_t bound_port(int fd)
{
    sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

} // namespace

DataPlane::DataPlane(const Config& config, TxInput* input) : m_cfg(config), m_input(input)
{
    const auto& d = m_cfg.data;
    try {
        if (input && d.ip_listen)
            m_ip_in = open_udp("data.ip.listen", *d.ip_listen, true);
        if (input && d.ts_listen)
            m_ts_in = open_udp("data.ts.listen", *d.ts_listen, true);
        if (d.ip_forward)
            m_ip_out = open_udp("data.ip.forward", *d.ip_forward, false);
        if (d.ts_forward)
            m_ts_out = open_udp("data.ts.forward", *d.ts_forward, false);
        if (!d.tun.empty())
            open_tun(d.tun);
    } catch (...) {
        for (int fd : { m_ip_in.fd, m_ts_in.fd, m_ip_out.fd, m_ts_out.fd, m_tun_fd })
            if (fd >= 0)
                ::close(fd);
        throw;
    }
    m_ts_buf.reserve(static_cast<size_t>(d.ts_packets_per_datagram) * dualsat::kTsPacketBytes);
}

DataPlane::~DataPlane()
{
    stop();
    for (int fd : { m_ip_in.fd, m_ts_in.fd, m_ip_out.fd, m_ts_out.fd, m_tun_fd })
        if (fd >= 0)
            ::close(fd);
}

DataPlane::Socket DataPlane::open_udp(const std::string& key, const Endpoint& ep, bool bind_it)
{
    sockaddr_storage ss;
    socklen_t len = make_sockaddr(ep, ss);
    Socket s;
    s.key = key;
    s.fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s.fd < 0)
        throw ResourceError(key + ": socket(): " + std::strerror(errno));
    if (bind_it) {
        int rcvbuf = 4 << 20; // absorb bursts while the TX drains at the symbol rate
        ::setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        // Each datagram then carries the socket's count of datagrams dropped for a full
        // receive buffer (socket(7)), so that input lost in the kernel is visible.
        int on = 1;
        ::setsockopt(s.fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
        if (::bind(s.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
            int e = errno;
            ::close(s.fd);
            throw ResourceError(key + ": cannot bind UDP " + ep.text() + ": " + std::strerror(e));
        }
        s.bound = ep;
        s.bound.port = bound_port(s.fd);
    } else {
        // connect() fixes the destination; sends then go to it with send().
        if (::connect(s.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
            int e = errno;
            ::close(s.fd);
            throw ResourceError(key + ": cannot address UDP " + ep.text() + ": " + std::strerror(e));
        }
        s.bound = ep;
    }
    return s;
}

void DataPlane::open_tun(const std::string& name)
{
    int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        throw ResourceError("data.ip.tun: cannot open /dev/net/tun: " + std::string(std::strerror(e)) +
                            (e == ENOENT ? " (no TUN support: modprobe tun, or in a container "
                                           "pass the device)"
                                         : ""));
    }
    ifreq ifr{};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
        int e = errno;
        ::close(fd);
        if (e == EPERM)
            throw ResourceError("data.ip.tun: creating TUN interface '" + name +
                                "' needs CAP_NET_ADMIN: run as root, or give the capability "
                                "(systemd: AmbientCapabilities=CAP_NET_ADMIN), or drop data.ip.tun");
        throw ResourceError("data.ip.tun: TUNSETIFF '" + name + "': " + std::strerror(e));
    }
    m_tun_fd = fd;
    m_tun_name = ifr.ifr_name;
}

void DataPlane::start()
{
    if (m_running.exchange(true))
        return;
    if (m_ip_in.fd >= 0)
        m_threads.emplace_back([this] { udp_loop(m_ip_in.fd, false); });
    if (m_ts_in.fd >= 0)
        m_threads.emplace_back([this] { udp_loop(m_ts_in.fd, true); });
    if (m_tun_fd >= 0 && m_input)
        m_threads.emplace_back([this] { tun_loop(); });
    if (m_ts_out.fd >= 0)
        m_threads.emplace_back([this] { ts_flush_loop(); });
}

void DataPlane::stop()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_running = false;
    }
    m_stop_cv.notify_all();
    for (auto& t : m_threads)
        if (t.joinable())
            t.join();
    m_threads.clear();
}

void DataPlane::udp_loop(int fd, bool ts)
{
    std::vector<uint8_t> buf(65536);
    pollfd p{ fd, POLLIN, 0 };
    while (m_running) {
        int r = ::poll(&p, 1, 100); // wake up to notice stop()
        if (r <= 0)
            continue;
        // Drain everything that is waiting before polling again.
        while (m_running) {
            iovec iov{ buf.data(), buf.size() };
            alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint32_t))];
            msghdr msg{};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
            if (n < 0)
                break;
            std::optional<uint32_t> drops;
            for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                    uint32_t v;
                    std::memcpy(&v, CMSG_DATA(c), sizeof v);
                    drops = v;
                }
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                ++m_stats.datagrams_in;
                m_stats.bytes_in += static_cast<uint64_t>(n);
                if (drops) // the socket's running total (it wraps at 2^32; a gauge would too)
                    (ts ? m_stats.ts_listen_kernel_drops : m_stats.ip_listen_kernel_drops) = *drops;
            }
            if (ts)
                m_input->push_ts(buf.data(), static_cast<size_t>(n));
            else
                m_input->push_ip(buf.data(), static_cast<size_t>(n), m_cfg.data.ethertype);
        }
    }
}

void DataPlane::tun_loop()
{
    std::vector<uint8_t> buf(65536);
    pollfd p{ m_tun_fd, POLLIN, 0 };
    while (m_running) {
        if (::poll(&p, 1, 100) <= 0)
            continue;
        ssize_t n = ::read(m_tun_fd, buf.data(), buf.size());
        if (n <= 0)
            continue;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            ++m_stats.tun_packets_in;
        }
        m_input->push_ip(buf.data(), static_cast<size_t>(n), 0);
    }
}

void DataPlane::send_to(const Socket& s, const uint8_t* data, size_t len)
{
    ssize_t n = ::send(s.fd, data, len, MSG_DONTWAIT);
    if (n == static_cast<ssize_t>(len)) {
        ++m_stats.datagrams_out;
        m_stats.bytes_out += len;
    } else {
        ++m_stats.send_errors; // nobody listening (ECONNREFUSED) or socket full
    }
}

void DataPlane::forward_ip(const uint8_t* data, size_t len)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    ++m_stats.packets_out;
    m_stats.payload_bytes_out += len;
    if (m_ip_out.fd >= 0)
        send_to(m_ip_out, data, len);
    if (m_tun_fd >= 0 && ::write(m_tun_fd, data, len) != static_cast<ssize_t>(len))
        ++m_stats.send_errors;
}

void DataPlane::forward_ts(const uint8_t* packet)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    // Null packets (PID 0x1FFF) carry nothing (ISO/IEC 13818-1 §2.4.3.3); the
    // transmitter stuffs them when idle. They are not forwarded.
    if ((packet[1] & 0x1F) == 0x1F && packet[2] == 0xFF) {
        ++m_stats.null_packets;
        return;
    }
    if (m_ts_out.fd < 0) {
        ++m_stats.packets_out;
        m_stats.payload_bytes_out += dualsat::kTsPacketBytes;
        return;
    }
    if (m_ts_buf.empty())
        m_ts_buf_since = std::chrono::steady_clock::now();
    m_ts_buf.insert(m_ts_buf.end(), packet, packet + dualsat::kTsPacketBytes);
    if (m_ts_buf.size() >= static_cast<size_t>(m_cfg.data.ts_packets_per_datagram) * dualsat::kTsPacketBytes)
        send_ts_locked();
}

// Sends the buffered TS packets as one datagram; they count as out from here.
void DataPlane::send_ts_locked()
{
    if (m_ts_buf.empty())
        return;
    m_stats.packets_out += m_ts_buf.size() / dualsat::kTsPacketBytes;
    m_stats.payload_bytes_out += m_ts_buf.size();
    send_to(m_ts_out, m_ts_buf.data(), m_ts_buf.size());
    m_ts_buf.clear();
}

void DataPlane::flush_ts()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_ts_out.fd >= 0)
        send_ts_locked();
}

// At low rates a datagram may take long to fill: what waits longer than
// data.ts.flush_timeout goes out partly filled (TS over UDP receivers take any multiple of
// 188 bytes).
void DataPlane::ts_flush_loop()
{
    const auto timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(m_cfg.data.ts_flush_timeout));
    const auto period = std::max<std::chrono::steady_clock::duration>(timeout / 4, std::chrono::microseconds(250));
    std::unique_lock<std::mutex> lock(m_mutex);
    while (m_running) {
        m_stop_cv.wait_for(lock, period, [this] { return !m_running; });
        if (!m_ts_buf.empty() && std::chrono::steady_clock::now() - m_ts_buf_since >= timeout)
            send_ts_locked();
    }
}

DataPlaneStats DataPlane::stats() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_stats;
}

nlohmann::json DataPlane::status() const
{
    auto ep = [](const Socket& s) -> nlohmann::json {
        if (s.fd < 0)
            return nullptr;
        return s.bound.text();
    };
    auto st = stats();
    return { { "ip_listen", ep(m_ip_in) },
             { "ip_forward", ep(m_ip_out) },
             { "ts_listen", ep(m_ts_in) },
             { "ts_forward", ep(m_ts_out) },
             { "tun", m_tun_fd >= 0 ? nlohmann::json(m_tun_name) : nlohmann::json(nullptr) },
             { "datagrams_in", st.datagrams_in },
             { "bytes_in", st.bytes_in },
             { "tun_packets_in", st.tun_packets_in },
             { "packets_out", st.packets_out },
             { "payload_bytes_out", st.payload_bytes_out },
             { "datagrams_out", st.datagrams_out },
             { "send_errors", st.send_errors },
             { "ts_null_packets_dropped", st.null_packets },
             { "ip_listen_kernel_drops", m_ip_in.fd >= 0 ? nlohmann::json(st.ip_listen_kernel_drops) : nlohmann::json(nullptr) },
             { "ts_listen_kernel_drops", m_ts_in.fd >= 0 ? nlohmann::json(st.ts_listen_kernel_drops) : nlohmann::json(nullptr) } };
}

} // namespace modemd
