# SPDX-License-Identifier: GPL-3.0-or-later
"""gr-dualsat: DVB-S2 civil and protected satellite modem blocks for GNU Radio.

The compiled blocks and the modem-core types (MODCODs, frame formats, BBHEADER) come from
the pybind11 module; pure-Python helpers live beside it.
"""

from .dualsat_python import *  # noqa: F401,F403
