// SPDX-License-Identifier: GPL-3.0-or-later
// HTTP/1.1 front end of the control API (Boost.Beast): one request per connection, run on
// its own I/O thread. Bounded everywhere a client could hold resources: headers (8 KiB,
// read within 5 s), bodies (64 KiB), the whole exchange (10 s), concurrent connections
// (control.max_connections; when full, the oldest connection still sending its headers is
// closed to make room, or the new one gets 503). Failing accept() (EMFILE, ENFILE) backs
// off instead of retrying at once. POST handlers (which may wait for the transmitter) run
// on a worker thread, so the I/O thread keeps answering GET /status.
#pragma once

#include "control_api.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace modemd {

class HttpServer
{
public:
    // Binds now; throws ResourceError (data_plane.h) if the address cannot be bound.
    HttpServer(ControlApi& api, const std::string& bind, uint16_t port, size_t max_connections = 64);
    ~HttpServer();
    void start();
    void stop();
    uint16_t port() const; // the real port (also when 0 was asked)
    std::string url() const;

    struct Counters {
        uint64_t accept_errors = 0;      // accept() failed (EMFILE, ENFILE, ...): backed off
        uint64_t connections_evicted = 0; // idle (headers not complete) closed to make room
        uint64_t connections_refused = 0; // answered 503: every slot busy with a request
    };
    Counters counters() const;

    struct Impl; // opaque; public so that the sessions (file-local) can name it

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace modemd
