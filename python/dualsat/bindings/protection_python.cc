// SPDX-License-Identifier: GPL-3.0-or-later
// The protected profile's settings and status (gnuradio/dualsat/protection.h); the blocks
// themselves are bound in tx_bc_python.cc / rx_cb_python.cc.
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/protection.h>

namespace py = pybind11;

void bind_protection(py::module& m)
{
    using ::dualsat::LinkDirection;
    py::enum_<LinkDirection>(m, "LinkDirection")
        .value("FORWARD", LinkDirection::Forward)
        .value("RETURN", LinkDirection::Return);

    using ::dualsat::PlTimeBase;
    py::enum_<PlTimeBase>(m, "PlTimeBase",
                          "Time base of keyed PL sequences that never repeat (pl_period 0)")
        .value("SAMPLE_COUNTER", PlTimeBase::SampleCounter)
        .value("UTC", PlTimeBase::Utc);

    using C = gr::dualsat::protection_config;
    py::class_<C>(m, "protection_config", "Settings of a protected link (key file, link, epochs, TRANSEC/COMSEC)")
        .def(py::init<>())
        .def_readwrite("key_file", &C::key_file)
        .def_readwrite("link_id", &C::link_id)
        .def_readwrite("direction", &C::direction)
        .def_readwrite("utc_epochs", &C::utc_epochs)
        .def_readwrite("epoch", &C::epoch)
        .def_readwrite("slot_seconds", &C::slot_seconds)
        .def_readwrite("overlap_seconds", &C::overlap_seconds)
        .def_readwrite("nonce_state_file", &C::nonce_state_file)
        .def_readwrite("transec", &C::transec)
        .def_readwrite("comsec", &C::comsec)
        .def_readwrite("pl_period", &C::pl_period)
        .def_readwrite("pl_time_base", &C::pl_time_base)
        .def_readwrite("symbol_rate", &C::symbol_rate)
        .def_readwrite("pl_frame_symbols", &C::pl_frame_symbols)
        .def_readwrite("pl_path_delay_s", &C::pl_path_delay_s)
        .def_readwrite("pl_search_window", &C::pl_search_window)
        .def_readwrite("fixed_format", &C::fixed_format)
        .def_readwrite("replay_window", &C::replay_window)
        .def_readwrite("codeword_interleaving", &C::codeword_interleaving);

    using S = gr::dualsat::protection_status;
    py::class_<S>(m, "protection_status", "Key id, epoch and counters of a protected block (never key bytes)")
        .def_readonly("comsec", &S::comsec)
        .def_readonly("transec", &S::transec)
        .def_readonly("key_id", &S::key_id)
        .def_readonly("key_tag", &S::key_tag)
        .def_readonly("epoch", &S::epoch)
        .def_readonly("key_reloads", &S::key_reloads)
        .def_readonly("pl_period", &S::pl_period)
        .def_readonly("pl_time_base", &S::pl_time_base)
        .def_readonly("frames_sealed", &S::frames_sealed)
        .def_readonly("next_counter", &S::next_counter)
        .def_readonly("nonce_reservations", &S::nonce_reservations)
        .def_readonly("key_changes", &S::key_changes)
        .def_readonly("opened", &S::opened)
        .def_readonly("malformed", &S::malformed)
        .def_readonly("unknown_key", &S::unknown_key)
        .def_readonly("stale_epoch", &S::stale_epoch)
        .def_readonly("replayed", &S::replayed)
        .def_readonly("auth_failed", &S::auth_failed)
        .def_property_readonly("dropped", [](const S& s) {
            return s.malformed + s.unknown_key + s.stale_epoch + s.replayed + s.auth_failed;
        });
}
