#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs every Debian 12 package gr-dualsat needs to build, test and run. Idempotent:
# apt-get skips what is already there. Run as root (or through sudo).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake pkg-config git ca-certificates
  # GNU Radio 3.10 incl. gr-dtv, gr-uhd, gr-zeromq, gr-pdu, GRC (grcc) and its Python
  gnuradio gnuradio-dev
  # radio hardware
  libuhd-dev uhd-host
  # DSP / SIMD
  libvolk2-dev libliquid-dev
  # core C++ libraries
  libboost-all-dev libssl-dev libzmq3-dev libspdlog-dev libfmt-dev libgmp-dev
  # dualsat-modemd: YAML config, JSON (control API, SigMF)
  libyaml-cpp-dev nlohmann-json3-dev
  # tests and bindings
  catch2 pybind11-dev python3-dev python3-pygccxml castxml
  # Python side of tests, tools and plots
  python3-numpy python3-matplotlib python3-yaml python3-zmq
  # the operator console's browser tests (headless, ctest -L browser)
  chromium chromium-driver python3-selenium
  # independent known-answer vectors of the protected profile (tests/protect/make_vectors.py)
  python3-cryptography
)

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
