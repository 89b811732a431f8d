// SPDX-License-Identifier: GPL-3.0-or-later
// gnuradio/dualsat/tag_keys.h in Python: dualsat.msg_ports.modcod, dualsat.tag_keys.plframe,
// dualsat.dict_keys.frame, ... (plain str, for pmt.intern() or a pmt.to_python() dict).
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/tag_keys.h>

namespace py = pybind11;

void bind_tag_keys(py::module& m)
{
    namespace k = gr::dualsat;
    // The Python name is the C++ name, and the value the C++ constant.
#define DUALSAT_KEY(scope, name) scope.attr(#name) = k::scope::name

    py::module msg_ports = m.def_submodule("msg_ports", "message port names of the blocks");
    DUALSAT_KEY(msg_ports, modcod);
    DUALSAT_KEY(msg_ports, pdus);
    DUALSAT_KEY(msg_ports, frames);
    DUALSAT_KEY(msg_ports, stats);
    DUALSAT_KEY(msg_ports, reports);
    DUALSAT_KEY(msg_ports, decision);

    py::module tag_keys = m.def_submodule("tag_keys", "stream tag keys of the blocks");
    DUALSAT_KEY(tag_keys, plframe);

    py::module dict_keys = m.def_submodule(
        "dict_keys", "keys of the dicts in tags, PDU metadata and stats messages");
    DUALSAT_KEY(dict_keys, modcod);
    DUALSAT_KEY(dict_keys, modcod_name);
    DUALSAT_KEY(dict_keys, frame);
    DUALSAT_KEY(dict_keys, pilots);
    DUALSAT_KEY(dict_keys, dummy);
    DUALSAT_KEY(dict_keys, fill);
    DUALSAT_KEY(dict_keys, padded);
    DUALSAT_KEY(dict_keys, frame_counter);
    DUALSAT_KEY(dict_keys, symbols);
    DUALSAT_KEY(dict_keys, data_symbols);
    DUALSAT_KEY(dict_keys, dfl);
    DUALSAT_KEY(dict_keys, packets);
    DUALSAT_KEY(dict_keys, esn0_db);
    DUALSAT_KEY(dict_keys, esn0_db_smoothed);
    DUALSAT_KEY(dict_keys, esn0_var_db2);
    DUALSAT_KEY(dict_keys, start_symbol);
    DUALSAT_KEY(dict_keys, noise_var);
    DUALSAT_KEY(dict_keys, cfo);
    DUALSAT_KEY(dict_keys, cfo_hz);
    DUALSAT_KEY(dict_keys, header_confirmed);
    DUALSAT_KEY(dict_keys, carrier_fine);
    DUALSAT_KEY(dict_keys, status);
    DUALSAT_KEY(dict_keys, ok);
    DUALSAT_KEY(dict_keys, ldpc_iterations);
    DUALSAT_KEY(dict_keys, ldpc_converged);
    DUALSAT_KEY(dict_keys, bch_corrected);
    DUALSAT_KEY(dict_keys, bch_failure);
    DUALSAT_KEY(dict_keys, bbheader_ok);
    DUALSAT_KEY(dict_keys, erased_symbols);
    DUALSAT_KEY(dict_keys, crc_failures);
    DUALSAT_KEY(dict_keys, protocol_type);
    DUALSAT_KEY(dict_keys, label);
    DUALSAT_KEY(dict_keys, label_type);
    DUALSAT_KEY(dict_keys, fragmented);
    DUALSAT_KEY(dict_keys, reason);
    DUALSAT_KEY(dict_keys, text);
    DUALSAT_KEY(dict_keys, changed);
    DUALSAT_KEY(dict_keys, fallback);
    DUALSAT_KEY(dict_keys, time_s);
    DUALSAT_KEY(dict_keys, reported_esn0_db);
    DUALSAT_KEY(dict_keys, predicted_esn0_db);
    DUALSAT_KEY(dict_keys, margin_db);
    DUALSAT_KEY(dict_keys, required_esn0_db);
#undef DUALSAT_KEY
}
