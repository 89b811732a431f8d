#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The modem's main job, from a fresh clone on Debian 12: install dependencies, build,
# then run the headless modem daemon in loopback (TX -> AWGN channel -> RX in one process,
# no radio hardware) with examples/modemd/loopback.yaml and carry real UDP traffic
# through it: numbered packets into its UDP input, every packet at the forward address
# checked byte for byte and for order. Prints the daemon's status line every second
# (lock, MODCOD, Es/N0, goodput, FER, packets in/out) and a summary (sent, received,
# lost, corrupted, out of order); exits non-zero if the traffic did not flow intact.
#
#   bash scripts/loopback.sh [--duration S] [--window N] [-c CONFIG]
#
# Extra arguments go to scripts/modemd_traffic.py (--help lists them). The config's
# ports (UDP 5000/5001, HTTP 8080 on 127.0.0.1) must be free.
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$SRC/scripts/install-deps.sh"
bash "$SRC/scripts/build.sh" "$SRC/build"
CONFIG="$SRC/examples/modemd/loopback.yaml"
exec /usr/bin/python3 "$SRC/scripts/modemd_traffic.py" \
  --modemd "$SRC/build/apps/dualsat-modemd/dualsat-modemd" -c "$CONFIG" "$@"
