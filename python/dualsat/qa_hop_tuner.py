#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: timed USRP retuning without hardware. hop_tuner -> tune_command_recorder in a
flowgraph (tags on the stream as usrp_sink reads them, messages as the usrp_source /
usrp_sink "command" ports take them); EVERY command's frequency and time is checked
against the keyed hop schedule computed here independently (HKDF-SHA-384 and AES-256-CTR of
python3-cryptography, the definition in lib/antijam hop_schedule.h), every tag's sample
against slot start - lead time, and the slots against a gap-free count. Then a start time
of GPS-era size, re-anchoring on an rx_time tag, the command format gr-uhd reads, and
settings refused at construction."""

import os
import shutil
import tempfile
import unittest

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

from gnuradio import dualsat

try:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
except ImportError:  # the schedule check needs it; Debian: python3-cryptography
    HKDF = None

MASTER = bytes(range(32))
KEY_ID = bytes(range(0x40, 0x60))
LINK, EPOCH = 3, 7
N, SPACING, CENTER = 16, 250e3, 2.45e9
FS, SLOT, GUARD = 1e6, 1000, 400


def write_key_file(path, key_id, master):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write('dualsat-key-file 1\nkey-id %s\nmaster-key %s\n' % (key_id.hex(), master.hex()))


def hop_channels(slots, direction=0):
    """The channel of each slot: HOPPING key = HKDF-SHA-384(salt "dualsat/protect/v1" ||
    key id, info label || 0 || epoch u32 || link u16 || direction u8); block b of slot k
    the AES-256-CTR keystream from counter k u64 || b u64; the first u32 below
    floor(2^32 / N) N, mod N."""
    info = b'HOPPING\0' + EPOCH.to_bytes(4, 'big') + LINK.to_bytes(2, 'big') + bytes([direction])
    key = HKDF(algorithm=hashes.SHA384(), length=32, salt=b'dualsat/protect/v1' + KEY_ID,
               info=info).derive(MASTER)
    limit = (1 << 32) // N * N
    out = []
    for k in slots:
        b = 0
        while True:
            enc = Cipher(algorithms.AES(key), modes.CTR(k.to_bytes(8, 'big') + b.to_bytes(8, 'big'))).encryptor()
            block = enc.update(bytes(16))
            rs = [int.from_bytes(block[4 * i:4 * i + 4], 'big') for i in range(4)]
            good = [r for r in rs if r < limit]
            if good:
                out.append(good[0] % N)
                break
            b += 1
    return out


def freq_of(channel):
    return CENTER + (channel - (N - 1) / 2) * SPACING


class qa_hop_tuner(gr_unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='dualsat-qa-hop-tuner-')
        self.key = os.path.join(self.dir, 'link.key')
        write_key_file(self.key, KEY_ID, MASTER)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def tuner(self, **kw):
        args = dict(lead_time=2.5e-3)
        args.update(kw)
        return dualsat.hop_tuner(self.key, LINK, dualsat.LinkDirection.FORWARD, EPOCH, N, SPACING,
                                 CENTER, FS, SLOT, GUARD, **args)

    def run_tuner(self, tuner, samples, tags=()):
        tb = gr.top_block()
        src = blocks.vector_source_c([0j] * samples, False, 1, list(tags))
        rec = dualsat.tune_command_recorder()
        tb.connect(src, tuner, rec)
        tb.msg_connect(tuner, 'command', rec, 'command')
        tb.run()
        return rec

    def check_times(self, secs, fracs, slots):
        for s, f, k in zip(secs, fracs, slots):
            whole, rest = divmod(k * SLOT, int(FS))  # exact: an integer rate
            self.assertEqual(s, whole, f'slot {k}')
            self.assertAlmostEqual(f, rest / FS, delta=1e-12, msg=f'slot {k}')

    @unittest.skipIf(HKDF is None, 'python3-cryptography missing')
    def test_001_every_command_against_the_schedule(self):
        samples = 50_000
        lead = 2500
        tuner = self.tuner()
        self.assertEqual(tuner.lead_samples(), lead)
        rec = self.run_tuner(tuner, samples)
        # Issued: every slot whose issue point k SLOT - lead lies before the last sample.
        slots = [k for k in range(0, samples // SLOT + lead // SLOT + 2) if k * SLOT - lead < samples]
        chans = hop_channels(slots)
        self.assertGreater(len(set(chans)), N // 2)  # it does hop across the band
        self.assertEqual(rec.malformed(), 0)
        self.assertEqual(tuner.commands_issued(), len(slots))
        self.assertEqual(tuner.next_slot(), slots[-1] + 1)
        self.assertEqual([tuner.channel(k) for k in slots], chans)
        # Tags: one per slot (no slot missed, none twice), lead samples ahead of the slot
        # (the first slots, whose issue point precedes sample 0, at sample 0).
        self.assertEqual(list(rec.tag_offsets()), [max(0, k * SLOT - lead) for k in slots])
        self.assertEqual(tuner.late_commands(), sum(1 for k in slots if k * SLOT - lead < 0))
        np.testing.assert_array_equal(rec.tag_freqs(), [freq_of(c) for c in chans])
        self.check_times(rec.tag_time_secs(), rec.tag_time_fracs(), slots)
        # Messages: the same commands in the same order.
        np.testing.assert_array_equal(rec.message_freqs(), [freq_of(c) for c in chans])
        self.check_times(rec.message_time_secs(), rec.message_time_fracs(), slots)
        self.assertTrue(all(np.isnan(rec.message_lo_offsets())))  # lo_offset 0: key absent

    @unittest.skipIf(HKDF is None, 'python3-cryptography missing')
    def test_002_start_time_and_rx_time_reanchoring(self):
        # Sample 0 at GPS-era radio time 1.7e9 s + 0.2503 s: slot boundaries are those of the
        # radio's time (k SLOT / FS), so the first is 700 samples in.
        secs, frac = 1_700_000_000, 0.2503
        tuner = self.tuner(start_time_secs=secs, start_time_frac=frac, lead_time=0.0)
        base = secs * int(FS) + round(frac * FS)
        # At sample 20_000 the source re-tags the time 0.5 s later than the counter says
        # (what usrp_source does after an overflow).
        jump = 20_000
        t2 = (secs, frac + jump / FS + 0.5)
        tag = gr.tag_t()
        tag.offset = jump
        tag.key = pmt.intern('rx_time')
        tag.value = pmt.make_tuple(pmt.from_uint64(t2[0]), pmt.from_double(t2[1]))
        rec = self.run_tuner(tuner, 40_000, [tag])
        base2 = secs * int(FS) + round(t2[1] * FS) - jump
        first = -(-base // SLOT)
        before = [k for k in range(first, first + 100) if k * SLOT - base < jump]
        first2 = -(-(base2 + jump) // SLOT)
        after = [k for k in range(first2, first2 + 100) if k * SLOT - base2 < 40_000]
        slots = before + after
        self.assertEqual(tuner.bad_time_tags(), 0)
        self.assertEqual(list(rec.tag_offsets()),
                         [k * SLOT - base for k in before] + [k * SLOT - base2 for k in after])
        self.assertEqual(list(rec.tag_offsets())[0], 700)  # radio time ...251000 us
        np.testing.assert_array_equal(rec.tag_freqs(), [freq_of(c) for c in hop_channels(slots)])
        self.check_times(rec.tag_time_secs(), rec.tag_time_fracs(), slots)
        self.assertEqual(len(rec.message_freqs()), len(slots))

    def test_003_command_format_read_by_gr_uhd(self):
        # gr-uhd's usrp_block reads "time" with pmt::car / pmt::cdr (a pair of uint64 full
        # seconds and double fractional seconds), "freq" and "lo_offset" as doubles,
        # "direction" as the symbol "TX" / "RX".
        tuner = self.tuner(lo_offset=5e6, uhd_direction='TX', emit_tags=False)
        dbg = blocks.message_debug()
        tb = gr.top_block()
        tb.connect(blocks.vector_source_c([0j] * 3000, False), tuner, blocks.null_sink(gr.sizeof_gr_complex))
        tb.msg_connect(tuner, 'command', dbg, 'store')
        tb.run()
        self.assertGreater(dbg.num_messages(), 2)
        msg = dbg.get_message(1)
        self.assertTrue(pmt.is_dict(msg))
        t = pmt.dict_ref(msg, pmt.intern('time'), pmt.PMT_NIL)
        self.assertTrue(pmt.is_pair(t) and not pmt.is_tuple(t))
        self.assertEqual(pmt.to_uint64(pmt.car(t)), 0)
        self.assertAlmostEqual(pmt.to_double(pmt.cdr(t)), SLOT / FS)
        self.assertEqual(pmt.to_double(pmt.dict_ref(msg, pmt.intern('freq'), pmt.PMT_NIL)), tuner.tune_freq(1))
        self.assertEqual(pmt.to_double(pmt.dict_ref(msg, pmt.intern('lo_offset'), pmt.PMT_NIL)), 5e6)
        self.assertEqual(pmt.symbol_to_string(pmt.dict_ref(msg, pmt.intern('direction'), pmt.PMT_NIL)), 'TX')

    def test_006_tx_time_tag_on_sample_0(self):
        tuner = self.tuner(start_time_secs=12, start_time_frac=0.5, tag_tx_time=True)
        snk = blocks.vector_sink_c()
        tb = gr.top_block()
        tb.connect(blocks.vector_source_c([0j] * 3000, False), tuner, snk)
        tb.run()
        t = [x for x in snk.tags() if pmt.symbol_to_string(x.key) == 'tx_time']
        self.assertEqual(len(t), 1)
        self.assertEqual(t[0].offset, 0)
        self.assertEqual(pmt.to_uint64(pmt.tuple_ref(t[0].value, 0)), 12)
        self.assertEqual(pmt.to_double(pmt.tuple_ref(t[0].value, 1)), 0.5)
        cmds = [x for x in snk.tags() if pmt.symbol_to_string(x.key) == 'tx_command']
        self.assertEqual(len(cmds), tuner.commands_issued())

    def test_007_analog_chain_gate_tuner_ungate(self):
        # Analog hopping as a flowgraph: hopper_cc with interpolation 1 (the guard pauses
        # alone) -> hop_tuner -> [radio] -> dehopper_cc with interpolation 1. The tuner's
        # slots are the gate's: every command's slot starts on a guard (silence) of the
        # stream it rides on, lead samples after the command, and the ungate gives the
        # modem's stream back unchanged.
        F = dualsat.LinkDirection.FORWARD
        rng = np.random.default_rng(2)
        x = (rng.normal(size=30_000) + 1j * rng.normal(size=30_000)).astype(np.complex64)
        gate = dualsat.hopper_cc(self.key, LINK, F, EPOCH, N, SPACING, FS, SLOT, GUARD, 1)
        tuner = self.tuner(lead_time=3e-4)
        ungate = dualsat.dehopper_cc(self.key, LINK, F, EPOCH, N, SPACING, FS, SLOT, GUARD, 1)
        air, out = blocks.vector_sink_c(), blocks.vector_sink_c()
        tb = gr.top_block()
        tb.connect(blocks.vector_source_c(x.tolist(), False), gate, tuner, ungate, out)
        tb.connect(tuner, air)
        tb.run()
        a = np.array(air.data(), dtype=np.complex64)
        y = np.array(out.data(), dtype=np.complex64)
        n = len(x) // (SLOT - GUARD) * (SLOT - GUARD) - (SLOT - GUARD)  # the last dwell may be open
        np.testing.assert_array_equal(y[:n], x[:n])
        cmds = [t for t in air.tags() if pmt.symbol_to_string(t.key) == 'tx_command']
        self.assertEqual(len(cmds), tuner.commands_issued())
        self.assertGreater(len(cmds), 50)
        for k, t in enumerate(cmds):
            start = k * SLOT
            self.assertEqual(t.offset, max(0, start - 300))
            self.assertEqual(pmt.to_double(pmt.dict_ref(t.value, pmt.intern('freq'), pmt.PMT_NIL)),
                             tuner.tune_freq(k))
            self.assertEqual(gate.channel(k), tuner.channel(k))
            if start + GUARD <= len(a):
                self.assertEqual(np.count_nonzero(a[start:start + GUARD]), 0, f'slot {k}')
                self.assertNotEqual(a[start + GUARD], 0)

    def test_004_refused_settings(self):
        with self.assertRaises(ValueError):  # guard 400 us < 500 us of settling
            self.tuner(settling_time=500e-6)
        with self.assertRaises(ValueError):
            self.tuner(lead_time=-1.0)
        with self.assertRaises(ValueError):
            self.tuner(uhd_direction='both')
        with self.assertRaises(ValueError):
            self.tuner(emit_tags=False, emit_messages=False)
        with self.assertRaises(ValueError):
            dualsat.hop_tuner(os.path.join(self.dir, 'missing.key'), LINK, dualsat.LinkDirection.FORWARD,
                              EPOCH, N, SPACING, CENTER, FS, SLOT, GUARD)

    def test_005_keys_differ_by_direction(self):
        fwd = self.tuner()
        ret = dualsat.hop_tuner(self.key, LINK, dualsat.LinkDirection.RETURN, EPOCH, N, SPACING,
                                CENTER, FS, SLOT, GUARD)
        a = [fwd.channel(k) for k in range(64)]
        b = [ret.channel(k) for k in range(64)]
        self.assertNotEqual(a, b)
        if HKDF is not None:
            self.assertEqual(b, hop_channels(range(64), direction=1))


if __name__ == '__main__':
    gr_unittest.run(qa_hop_tuner)
