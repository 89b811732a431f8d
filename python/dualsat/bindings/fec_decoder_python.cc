// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/fec_decoder.h>

namespace py = pybind11;

void bind_fec_decoder(py::module& m)
{
    using C = ::dualsat::FecReceiverCounters;
    py::class_<C>(m, "FecReceiverCounters", "Totals of the receiver FEC chain")
        .def_readonly("frames", &C::frames)
        .def_readonly("frames_ok", &C::frames_ok)
        .def_readonly("frames_bad_input", &C::frames_bad_input)
        .def_readonly("frames_bch_failure", &C::frames_bch_failure)
        .def_readonly("frames_open_failed", &C::frames_open_failed)
        .def_readonly("frames_bad_header", &C::frames_bad_header)
        .def_readonly("frames_unsupported_stream", &C::frames_unsupported_stream)
        .def_readonly("frames_ldpc_not_converged", &C::frames_ldpc_not_converged)
        .def_readonly("ldpc_iterations", &C::ldpc_iterations)
        .def_readonly("bch_corrected_bits", &C::bch_corrected_bits)
        .def_readonly("erased_symbols", &C::erased_symbols)
        .def_readonly("ts_packets", &C::ts_packets)
        .def_readonly("ts_crc_errors", &C::ts_crc_errors)
        .def_readonly("gse_pdus", &C::gse_pdus)
        .def_readonly("gse_crc_errors", &C::gse_crc_errors)
        .def("frames_dropped", &C::frames_dropped);

    using blk = gr::dualsat::fec_decoder;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "fec_decoder",
        "DVB-S2 receiver FEC: XFECFRAME PDUs in, TS stream / GSE PDUs / per-frame stats out")
        .def(py::init(&blk::make),
             py::arg("threads") = 0,
             py::arg("max_iterations") = 50,
             py::arg("drop_ts_crc_errors") = false,
             py::arg("queue_frames") = 2,
             py::arg("llr_scale") = 4.0f)
        .def("counters", &blk::counters)
        .def("frames_in_flight", &blk::frames_in_flight)
        .def("bad_pdus", &blk::bad_pdus);
}
