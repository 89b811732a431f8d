#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: the protected twins tx_protected_bc -> pulse_shaper_cc -> channel_emulator_cc ->
rx_protected_cb with key files made by the test (mode 0600). GSE PDUs must come out
exact and in order; idle frames are sealed fill (no dummy PLFRAME, every frame the same
length); a receiver with another key file delivers nothing (with TRANSEC it never locks;
with COMSEC only it decodes and refuses every frame, counted as unknown_key); the civil
rx_cb finds nothing on the protected carrier; key-file and setting errors are ValueErrors
at construction; status shows key id and counters, never key bytes."""

import os
import shutil
import tempfile

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

from gnuradio import dualsat

F, C, M = dualsat.FrameSize, dualsat.CodeRate, dualsat.Modulation
P = dualsat.msg_ports
# QPSK 1/2 short with pilots: 90 + 8100 + 5 pilot blocks of 36 symbols.
FRAME_SYMBOLS = 8370
FRAMES = 36
SPS = 2.37


def write_key_file(path, key_id, master, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, 'w') as f:
        f.write('dualsat-key-file 1\nkey-id %s\nmaster-key %s\n' % (key_id.hex(), master.hex()))
    os.chmod(path, mode)  # whatever the umask did


def make_pdus(count, seed=3):
    rng = np.random.default_rng(seed)
    pdus = []
    for k in range(count):
        p = rng.integers(0, 256, int(rng.integers(60, 500)), dtype=np.uint8)
        p[0] = 0x45  # IPv4 version nibble
        p[1:3] = [k >> 8, k & 0xff]
        pdus.append(p)
    return pdus


class qa_protected_link(gr_unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='dualsat-qa-protect-')
        self.key = os.path.join(self.dir, 'link.key')
        self.master = bytes(range(32))
        write_key_file(self.key, bytes(range(0x40, 0x60)), self.master)
        self.other_key = os.path.join(self.dir, 'other.key')
        write_key_file(self.other_key, bytes(range(0x80, 0xa0)), bytes(range(100, 132)))

    def tearDown(self):
        shutil.rmtree(self.dir)

    def tx(self, **kw):
        args = dict(key_file=self.key, link_id=3, epoch=11,
                    nonce_state_file=os.path.join(self.dir, 'nonce'), workers=1)
        args.update(kw)
        return dualsat.tx_protected_bc(dualsat.TxInputMode.GSE, F.SHORT, C.C1_2, M.QPSK,
                                       pilots=True, **args)

    def rx(self, symbol_rate=1.0, **kw):
        # The transmitter's fixed format: keyed sequences that never repeat (the default,
        # pl_period 0) are predicted from frames of its length.
        args = dict(key_file=self.key, link_id=3, epoch=11,
                    frame_format=dualsat.parse_frame_format('QPSK 1/2 short pilots'))
        args.update(kw)
        return dualsat.rx_protected_cb(symbol_rate, SPS * symbol_rate, 0.2, **args)

    def run_link(self, tx, receivers, pdus, frames=FRAMES, sample_rate=None):
        tb = gr.top_block()
        head = blocks.head(gr.sizeof_gr_complex, frames * FRAME_SYMBOLS)
        tags = blocks.vector_sink_c()  # for the "plframe" tags
        shaper = dualsat.pulse_shaper_cc(0.2, 2, 16, SPS / 2)
        chan = dualsat.channel_emulator_cc(12.0, samples_per_symbol=SPS, symbol_energy=SPS,
                                           frequency_offset=0.03 / SPS,
                                           sample_clock_offset_ppm=50.0, seed=9)
        tb.connect(tx, head, shaper, chan)
        if sample_rate:  # live: the samples arrive at their rate
            live = blocks.throttle(gr.sizeof_gr_complex, sample_rate)
            tb.connect(chan, live)
            chan = live
        tb.connect(head, tags)
        sinks = []
        for rx in receivers:
            snk = blocks.null_sink(1)
            dbg = blocks.message_debug()
            tb.connect(chan, rx, snk)
            tb.msg_connect(rx, P.pdus, dbg, 'store')
            sinks.append(dbg)
        for p in pdus:
            tx.to_basic_block()._post(pmt.intern(P.pdus),
                                      pmt.cons(pmt.make_dict(), pmt.init_u8vector(len(p), p.tolist())))
        tb.run()
        return sinks, tags

    def received(self, dbg, pdus):
        ks = []
        for i in range(dbg.num_messages()):
            data = np.array(pmt.u8vector_elements(pmt.cdr(dbg.get_message(i))), dtype=np.uint8)
            k = (int(data[1]) << 8) | int(data[2])
            np.testing.assert_array_equal(data, pdus[k])
            ks.append(k)
        return ks

    def test_001_loopback_fill_wrong_key_civil(self):
        pdus = make_pdus(40)
        tx = self.tx()
        good = self.rx()
        stranger = self.rx(key_file=self.other_key)  # another key file: TRANSEC keys too
        civil = dualsat.rx_cb(1.0, SPS, 0.2)
        (got, wrong, plain), tags = self.run_link(tx, [good, stranger, civil], pdus)

        # Exact and in order, from the first frame after lock to the last PDU (fill
        # frames follow the traffic, so the last data frame is closed).
        ks = self.received(got, pdus)
        self.assertGreater(len(ks), 0)
        self.assertEqual(ks, list(range(ks[0], len(pdus))))
        self.assertLessEqual(ks[0], 15)

        # On air: only data frames of the one format, all the same length; idle frames
        # are sealed fill.
        st = tx.stats()
        self.assertEqual(st.dummy_frames, 0)
        self.assertGreater(st.fill_frames, 5)
        self.assertGreaterEqual(st.frames, FRAMES)
        lengths = set()
        frame_tags = [t for t in tags.tags() if pmt.symbol_to_string(t.key) == 'plframe']
        for t in frame_tags:
            d = pmt.to_python(t.value)
            self.assertFalse(d['dummy'])
            self.assertEqual(d['modcod'], 4)  # QPSK 1/2
            lengths.add(d['symbols'])
        self.assertEqual(lengths, {FRAME_SYMBOLS})
        self.assertGreaterEqual(len(frame_tags), FRAMES)
        ps = tx.protection()
        self.assertTrue(ps.comsec and ps.transec)
        self.assertEqual(ps.frames_sealed, st.frames)
        self.assertEqual(ps.key_id, bytes(range(0x40, 0x60)).hex())
        self.assertEqual(ps.epoch, 11)
        self.assertEqual(ps.pl_period, 0)  # never repeats
        self.assertEqual(ps.pl_time_base, 'sample_counter')

        rs = good.status()
        self.assertEqual(rs.frames, rs.frames_ok)
        self.assertGreater(rs.fill_frames, 3)
        self.assertEqual(rs.open_failures, 0)
        self.assertEqual(rs.dummy_frames, 0)
        self.assertEqual(good.gse_pdus(), len(ks))
        rp = good.protection()
        self.assertEqual(rp.opened, rs.frames_ok)
        self.assertEqual(rp.dropped, 0)
        self.assertEqual(rp.epoch, 11)
        self.assertEqual(rp.key_id, ps.key_id)
        # Status carries public names only.
        for s in (ps, rp):
            text = ' '.join(str(getattr(s, a)) for a in dir(s) if not a.startswith('_'))
            self.assertNotIn(self.master.hex(), text)

        # Every key wrong: the keyed carrier is not even found. Civil: nothing either.
        for rx, dbg in ((stranger, wrong), (civil, plain)):
            self.assertEqual(dbg.num_messages(), 0)
            self.assertEqual(rx.status().frames_ok, 0)
            self.assertEqual(rx.status().acquisitions, 0)
            self.assertEqual(rx.gse_pdus(), 0)

    def test_002_comsec_only_wrong_key_counts_every_frame(self):
        # Without TRANSEC the frames are found and decoded by anyone (Gold code 0), and a
        # receiver with another key file must refuse every one and count it.
        pdus = make_pdus(20, seed=5)
        tx = self.tx(transec=False)
        good = self.rx(transec=False)
        wrong = self.rx(transec=False, key_file=self.other_key)
        (got, bad), _ = self.run_link(tx, [good, wrong], pdus, frames=24)
        ks = self.received(got, pdus)
        self.assertEqual(ks, list(range(ks[0], len(pdus))))
        self.assertEqual(bad.num_messages(), 0)
        ws = wrong.status()
        self.assertGreater(ws.frames, 15)
        self.assertEqual(ws.open_failures, ws.frames)
        self.assertEqual(ws.fill_frames, 0)
        wp = wrong.protection()
        self.assertEqual(wp.unknown_key, ws.frames)
        self.assertEqual(wp.opened, 0)
        self.assertEqual(wp.dropped, ws.frames)

    def test_006_codeword_interleaving_both_ends(self):
        # The codeword interleaving (not DVB-S2) must be on at both ends: with it the link
        # carries the PDUs; a receiver without it finds the frames (same PL layer) but
        # decodes none.
        pdus = make_pdus(15, seed=11)
        tx = self.tx(codeword_interleaving=True)
        good = self.rx(codeword_interleaving=True)
        plain = self.rx()
        (got, none), _ = self.run_link(tx, [good, plain], pdus, frames=20)
        ks = self.received(got, pdus)
        self.assertEqual(ks, list(range(ks[0], len(pdus))))
        self.assertEqual(good.status().frames, good.status().frames_ok)
        self.assertEqual(none.num_messages(), 0)
        self.assertGreater(plain.status().frames, 10)
        self.assertEqual(plain.status().frames_ok, 0)

    def test_004_transec_only_fill(self):
        # TRANSEC without COMSEC: idle frames are empty data frames hidden by the keyed
        # scrambling (no seal, no nonce file needed); the receiver counts them as fill.
        pdus = make_pdus(15, seed=7)
        tx = self.tx(comsec=False, nonce_state_file='')
        rx = self.rx(comsec=False)
        (got,), tags = self.run_link(tx, [rx], pdus, frames=20)
        ks = self.received(got, pdus)
        self.assertEqual(ks, list(range(ks[0], len(pdus))))
        self.assertEqual(tx.stats().dummy_frames, 0)
        self.assertGreater(tx.stats().fill_frames, 3)
        self.assertEqual(tx.protection().frames_sealed, 0)
        rs = rx.status()
        self.assertEqual(rs.frames, rs.frames_ok)
        self.assertGreater(rs.fill_frames, 2)
        self.assertEqual(rx.protection().opened, 0)
        self.assertFalse(rx.protection().comsec)

    def test_006_utc_time_base_and_the_window(self):
        # The UTC time base at a nominal 100 ksym/s (83.7 ms frames), live (throttled to the
        # sample rate): the transmitter starts at the frame due now since 1970 (~2.2e10),
        # the receiver predicts the frame on the air from its clock while it searches (its
        # window of 4 tolerates +-2 frames: a receiver running up to ~170 ms behind the air
        # on a loaded machine still finds it). A receiver that assumes a path delay of 10 s
        # predicts ~120 frames too early, outside its window: nothing.
        pdus = make_pdus(15, seed=11)
        utc = dict(pl_time_base=dualsat.PlTimeBase.UTC)
        rate = 1e5
        tx = self.tx(symbol_rate=rate, **utc)
        good = self.rx(symbol_rate=rate, **utc)
        late = self.rx(symbol_rate=rate, pl_path_delay_s=10.0, **utc)
        sample_counter = self.rx()  # predicts frame 0: ~2e10 frames off
        (got, none1, none2), _ = self.run_link(tx, [good, late, sample_counter], pdus, frames=20,
                                               sample_rate=SPS * rate)
        ks = self.received(got, pdus)
        self.assertGreater(len(ks), 0)
        self.assertEqual(ks, list(range(ks[0], len(pdus))))
        self.assertLessEqual(ks[0], 10)
        self.assertEqual(good.protection().pl_time_base, 'utc')
        for rx, dbg in ((late, none1), (sample_counter, none2)):
            self.assertEqual(dbg.num_messages(), 0)
            self.assertEqual(rx.status().acquisitions, 0)

    def test_003_errors_at_construction(self):
        loose = os.path.join(self.dir, 'loose.key')
        write_key_file(loose, bytes(32), bytes(range(32)), mode=0o644)
        with self.assertRaisesRegex(ValueError, 'mode 0644'):
            self.rx(key_file=loose)
        bad = os.path.join(self.dir, 'bad.key')
        fd = os.open(bad, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write('dualsat-key-file 1\nkey-id 00\n')
        with self.assertRaisesRegex(ValueError, 'key-id must be 64 hex digits'):
            self.tx(key_file=bad)
        with self.assertRaisesRegex(ValueError, 'cannot open'):
            self.rx(key_file=os.path.join(self.dir, 'missing.key'))
        with self.assertRaisesRegex(ValueError, 'nonce_state_file'):
            self.tx(nonce_state_file='')
        with self.assertRaisesRegex(ValueError, 'neither TRANSEC nor COMSEC'):
            self.rx(transec=False, comsec=False)
        with self.assertRaisesRegex(ValueError, 'pl_period'):
            self.rx(pl_period=-1)
        with self.assertRaisesRegex(ValueError, 'pl_period'):
            self.rx(pl_period=65537)
        # Sequences that never repeat: the receiver needs the frame length, the transmitter
        # a fixed format, a UTC time base the transmitter's symbol rate.
        with self.assertRaisesRegex(ValueError, 'pl_frame_symbols'):
            self.rx(frame_format=None)
        with self.assertRaisesRegex(ValueError, 'pl_search_window'):
            self.rx(pl_search_window=17)
        with self.assertRaisesRegex(ValueError, 'pl_path_delay_s'):
            self.rx(pl_path_delay_s=-1.0)
        with self.assertRaisesRegex(ValueError, 'needs fixed_format'):
            self.tx(fixed_format=False)
        with self.assertRaisesRegex(ValueError, 'symbol_rate'):
            self.tx(pl_time_base=dualsat.PlTimeBase.UTC)
        self.rx(pl_period=4, frame_format=None)  # repeating: no time base, no length
        # A fixed format refuses changes (the link state would show).
        tx = self.tx()
        with self.assertRaisesRegex(ValueError, 'fixed format'):
            tx.set_format(dualsat.parse_frame_format('8PSK 3/5 short pilots'))
        tx2 = self.tx(fixed_format=False, pl_period=4, nonce_state_file=os.path.join(self.dir, 'n2'))
        tx2.set_format(dualsat.parse_frame_format('8PSK 3/5 short pilots'))
        self.assertEqual(tx2.protection().frames_sealed, 0)

    def test_005_key_reload_and_commanded_epoch(self):
        # The daemon's SIGHUP / POST /protect/reload and POST /protect/epoch, on the blocks.
        tx, rx = self.tx(), self.rx()
        stale = self.rx()  # built from the old key, never reloaded
        self.assertFalse(tx.reload_keys())  # the file holds the key in use: nothing changes
        self.assertFalse(rx.reload_keys())
        old_id = tx.protection().key_id
        # A new key replaces the file (as an operator would: written aside, renamed over).
        new_id = bytes(range(0xc0, 0xe0))
        aside = os.path.join(self.dir, 'new.key')
        write_key_file(aside, new_id, bytes(range(200, 232)))
        os.replace(aside, self.key)
        self.assertTrue(tx.reload_keys())
        self.assertTrue(rx.reload_keys())
        for blk in (tx, rx):
            self.assertEqual(blk.protection().key_id, new_id.hex())
            self.assertNotEqual(blk.protection().key_id, old_id)
            self.assertEqual(blk.protection().key_reloads, 1)
        # Epochs by command (fixed epoch 11 here): both ends move to 12.
        tx.set_epoch(12)
        rx.set_epoch(12)
        self.assertEqual(rx.protection().epoch, 12)
        with self.assertRaisesRegex(ValueError, 'outside'):
            rx.set_epoch(-1)
        # A file that may not be used is refused, and the key in use stays.
        os.chmod(self.key, 0o644)
        with self.assertRaisesRegex(ValueError, 'the key in use stays'):
            rx.reload_keys()
        self.assertEqual(rx.protection().key_id, new_id.hex())
        os.chmod(self.key, 0o600)

        pdus = make_pdus(20, seed=11)
        (got, old), tags = self.run_link(tx, [rx, stale], pdus, frames=24)
        ks = self.received(got, pdus)
        self.assertGreater(len(ks), 12)
        self.assertEqual(ks, list(range(ks[0], ks[0] + len(ks))))
        self.assertEqual(tx.protection().epoch, 12)
        self.assertEqual(old.num_messages(), 0)  # the old key finds no frame
        self.assertEqual(stale.status().frames_ok, 0)

        # UTC epochs cannot be commanded; the civil blocks have no keys.
        with self.assertRaisesRegex(ValueError, 'UTC'):
            self.rx(utc_epochs=True).set_epoch(3)
        civil = dualsat.tx_bc(dualsat.TxInputMode.GSE, F.SHORT, C.C1_2, M.QPSK)
        with self.assertRaisesRegex(ValueError, 'civil'):
            civil.reload_keys()


if __name__ == '__main__':
    gr_unittest.run(qa_protected_link)
