#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Known-answer vectors of the protected profile (lib/protect, and the keyed DSSS chips of
lib/antijam), computed independently of them: HKDF-SHA-384, AES-256-GCM and AES-256-CTR from
python3-cryptography, and the DVB-S2 parts (BBHEADER, its CRC-8, the PLS code byte) written
again here from ETSI EN 302 307-1. The construction itself (labels, salt, info, nonce, AAD,
frame layout, R mapping, keyed SOF/PLSC selection, chip mapping) is taken from the headers of
lib/protect and lib/antijam (chip_sequence.h), not from their code.

Usage:
  make_vectors.py [OUT]        write the vectors (default: protect_vectors.inc next to this file)
  make_vectors.py --check FILE regenerate in memory and compare with FILE (exit 1 if they
                               differ, 77 if python3-cryptography is missing)
"""
import os
import sys

try:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
except ImportError:
    print("make_vectors.py: SKIP: python3-cryptography is not importable "
          "(apt-get install python3-cryptography)")
    sys.exit(77)

MASTER = bytes(range(32))
KEY_ID = bytes(range(0x40, 0x60))
SALT = b"dualsat/protect/v1" + KEY_ID
FORWARD, RETURN = 0, 1
STANDARD_SOF = 0x18D2E82


def hkdf(label, epoch, link, direction):
    info = label.encode() + b"\0" + epoch.to_bytes(4, "big") + link.to_bytes(2, "big") + bytes([direction])
    return HKDF(algorithm=hashes.SHA384(), length=32, salt=SALT, info=info).derive(MASTER)


def ctr(key, iv, n):
    enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return enc.update(b"\0" * n) + enc.finalize()


def crc8(data):
    # EN 302 307-1 §5.1.4: g(X) = X^8 + X^7 + X^6 + X^4 + X^2 + 1, MSB first, register 0.
    reg = 0
    for byte in data:
        for bit in range(7, -1, -1):
            fb = ((reg >> 7) ^ (byte >> bit)) & 1
            reg = (reg << 1) & 0xFF
            if fb:
                reg ^= 0xD5
    return reg


def bbheader(dfl, syncd=0):
    # §5.1.6: MATYPE-1 = TS/GS 11 (transport), SIS 1, CCM 1, ISSYI 0, NPD 0, RO 10 (0.20);
    # MATYPE-2 0; UPL 188*8; DFL; SYNC 0x47; SYNCD; CRC-8 of the first 9 bytes.
    h = bytes([0b11110010, 0]) + (188 * 8).to_bytes(2, "big") + dfl.to_bytes(2, "big") + bytes([0x47]) + syncd.to_bytes(2, "big")
    return h + bytes([crc8(h)])


def r_values(key, slot, length):
    ks = ctr(key, slot.to_bytes(8, "big") + bytes(8), (length + 3) // 4)
    return [(ks[i // 4] >> (6 - 2 * (i % 4))) & 3 for i in range(length)]


def keyed_header(key, slot):
    attempt = 0
    while True:
        block = ctr(key, slot.to_bytes(8, "big") + attempt.to_bytes(4, "big") + bytes(4), 16)
        sof = int.from_bytes(block[0:4], "big") >> 6
        mask = int.from_bytes(block[4:12], "big")
        w = bin(sof).count("1")
        if 10 <= w <= 16 and bin(sof ^ STANDARD_SOF).count("1") >= 8 and 24 <= bin(mask).count("1") <= 40:
            return sof, mask, attempt
        attempt += 1


def hop_channel(key, slot, n):
    # Block b of slot k: AES-256-CTR keystream from the counter block k (u64 BE) || b (u64 BE);
    # its four u32 (BE) in order; the first r < floor(2^32 / n) * n gives r mod n.
    limit = (1 << 32) // n * n
    for b in range(1 << 16):
        block = ctr(key, slot.to_bytes(8, "big") + b.to_bytes(8, "big"), 16)
        for i in range(4):
            r = int.from_bytes(block[4 * i:4 * i + 4], "big")
            if r < limit:
                return r % n
    raise AssertionError("no channel")

def dsss_chip_digits(key, symbol, sf):
    # lib/antijam chip_sequence.h: counter block symbol (u64 BE) || 0 (u64), two bits per
    # chip MSB first; the digit is b_I b_Q (chip = ((1 - 2 b_I) + j (1 - 2 b_Q)) / sqrt 2).
    ks = ctr(key, symbol.to_bytes(8, "big") + bytes(8), (2 * sf + 7) // 8)
    return "".join("%x" % ((ks[c // 4] >> (6 - 2 * (c % 4))) & 3) for c in range(sf))


def vectors():
    v = []
    v.append(("master_key", MASTER.hex()))
    v.append(("key_id", KEY_ID.hex()))
    v.append(("key_tag", hkdf("KEY-TAG", 0, 0, FORWARD)[:3].hex()))
    for label, epoch, link, direction in [("COMSEC", 7, 3, FORWARD), ("COMSEC", 7, 3, RETURN), ("COMSEC", 8, 3, FORWARD),
                                          ("COMSEC", 7, 4, FORWARD), ("PL-SCRAMBLING", 7, 3, FORWARD),
                                          ("PL-HEADER", 7, 3, FORWARD), ("ANTI-JAM", 7, 3, FORWARD),
                                          ("HOPPING", 7, 3, FORWARD),
                                          ("COMSEC", 0xFFFFFFFF, 0xFFFF, RETURN)]:
        name = "hkdf.%s.e%d.l%d.%s" % (label, epoch, link, "fwd" if direction == FORWARD else "ret")
        v.append((name, hkdf(label, epoch, link, direction).hex()))

    # One BBFRAME sealed (layout version 2, frame_protection.h): QPSK 1/2 normal with pilots
    # (MODCOD 4, TYPE 01: PLS byte 0x11), K_bch = 32208 (Table 5a) -> data field 4016
    # bytes; plain TS header with DFL 1600, SYNCD 376; payload byte i = (7 i + 3) mod 256;
    # epoch 7, link 3, forward, counter 1000. Sent: DFL = the whole field, SYNCD 0; the
    # body (plain DFL, SYNCD, payload, zeros) fills the field between protect header and tag.
    epoch, counter, plain_dfl, plain_syncd, field_bytes = 7, 1000, 1600, 376, 4016
    payload = bytes((7 * i + 3) & 0xFF for i in range(plain_dfl // 8))
    tag3 = hkdf("KEY-TAG", 0, 0, FORWARD)[:3]
    ph = bytes([2]) + tag3 + epoch.to_bytes(4, "big") + counter.to_bytes(8, "big")
    hdr = bbheader(field_bytes * 8)
    aad = hdr + bytes([(4 << 2) | 0 | 1]) + ph
    nonce = epoch.to_bytes(4, "big") + counter.to_bytes(8, "big")
    body = plain_dfl.to_bytes(2, "big") + plain_syncd.to_bytes(2, "big") + payload
    body += bytes(field_bytes - 16 - 16 - len(body))
    sealed = AESGCM(hkdf("COMSEC", epoch, 3, FORWARD)).encrypt(nonce, body, aad)
    assert len(ph + sealed) == field_bytes
    v.append(("seal.nonce", nonce.hex()))
    v.append(("seal.aad", aad.hex()))
    v.append(("seal.bbheader", hdr.hex()))
    v.append(("seal.field", (ph + sealed).hex()))
    v.append(("seal.plain_bbheader", bbheader(plain_dfl, plain_syncd).hex()))

    scr = hkdf("PL-SCRAMBLING", 7, 3, FORWARD)
    digits = lambda rs: "".join("%x" % r for r in rs)
    v.append(("r.slot0.head", digits(r_values(scr, 0, 256))))
    v.append(("r.slot0.tail", digits(r_values(scr, 0, 33192)[-64:])))
    v.append(("r.slot5.head", digits(r_values(scr, 5, 256))))
    hk = hkdf("PL-HEADER", 7, 3, FORWARD)
    for slot in (0, 5):
        sof, mask, attempt = keyed_header(hk, slot)
        v.append(("plh.slot%d" % slot, "%07x%016x" % (sof, mask)))

    # Hop pattern (lib/antijam hop_schedule.h): slots 0..39 and 2^40..2^40+7 of 64 channels,
    # slots 0..19 of 5 channels (5 does not divide 2^32: the reduction is not a mask).
    hop = hkdf("HOPPING", 7, 3, FORWARD)
    v.append(("hop.n64.slots0", ",".join(str(hop_channel(hop, k, 64)) for k in range(40))))
    v.append(("hop.n64.slots2^40", ",".join(str(hop_channel(hop, (1 << 40) + k, 64)) for k in range(8))))
    v.append(("hop.n5.slots0", ",".join(str(hop_channel(hop, k, 5)) for k in range(20))))

    aj = hkdf("ANTI-JAM", 7, 3, FORWARD)
    v.append(("dsss.e7.sym0.sf64", dsss_chip_digits(aj, 0, 64)))
    v.append(("dsss.e7.sym1.sf4", dsss_chip_digits(aj, 1, 4)))
    v.append(("dsss.e7.sym1.sf5", dsss_chip_digits(aj, 1, 5)))
    v.append(("dsss.e7.sym1099511627781.sf1024.tail", dsss_chip_digits(aj, (1 << 40) + 5, 1024)[-96:]))
    v.append(("dsss.e7.symmax.sf16", dsss_chip_digits(aj, (1 << 64) - 1, 16)))
    v.append(("dsss.e8.sym0.sf64", dsss_chip_digits(hkdf("ANTI-JAM", 8, 3, FORWARD), 0, 64)))
    return v


def render(v):
    lines = ["// SPDX-License-Identifier: GPL-3.0-or-later",
             "// Generated by tests/protect/make_vectors.py (python3-cryptography); do not edit.",
             "// { name, hex } pairs, included by tests/unit/test_protect_kat.cc and test_antijam_chip_sequence.cc."]
    lines += ['{ "%s", "%s" },' % (name, value) for name, value in v]
    return "\n".join(lines) + "\n"


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    text = render(vectors())
    if len(argv) >= 2 and argv[1] == "--check":
        path = argv[2] if len(argv) > 2 else os.path.join(here, "protect_vectors.inc")
        with open(path, encoding="ascii") as f:
            committed = f.read()
        if committed != text:
            print("make_vectors.py: %s differs from what python3-cryptography computes now" % path)
            return 1
        print("make_vectors.py: %s matches (%d vectors)" % (path, len(vectors())))
        return 0
    path = argv[1] if len(argv) > 1 else os.path.join(here, "protect_vectors.inc")
    with open(path, "w", encoding="ascii") as f:
        f.write(text)
    print("make_vectors.py: wrote %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
