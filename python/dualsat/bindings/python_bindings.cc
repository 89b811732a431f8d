// Entry point of gnuradio.dualsat.dualsat_python: one bind_* function per header.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void bind_core(py::module& m);
void bind_bb_scrambler_bb(py::module& m);
void bind_pulse_shaper_cc(py::module& m);

PYBIND11_MODULE(dualsat_python, m)
{
    m.doc() = "gr-dualsat DVB-S2 modem blocks";
    // Block base classes (gr::sync_block, ...) must be registered before ours.
    py::module::import("gnuradio.gr");
    bind_core(m);
    bind_bb_scrambler_bb(m);
    bind_pulse_shaper_cc(m);
}
