// HTTP/1.1 front end of the control API (Boost.Beast): one request per connection,
// bounded bodies (64 KiB) and timeouts (10 s), run on its own thread.
#pragma once

#include "control_api.h"

#include <cstdint>
#include <memory>
#include <string>

namespace modemd {

class HttpServer
{
public:
    // Binds now; throws ResourceError (data_plane.h) if the address cannot be bound.
    HttpServer(ControlApi& api, const std::string& bind, uint16_t port);
    ~HttpServer();
    void start();
    void stop();
    uint16_t port() const; // the real port (also when 0 was asked)
    std::string url() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace modemd
