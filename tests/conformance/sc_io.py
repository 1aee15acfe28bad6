"""Application data: write() argument types, read() sizes and buffers,
pending(), reads that span several records."""

from __future__ import print_function

import array
import sys

from conformance import tls
from conformance.recorder import exception_class_name
from conformance.scenarios import scenario


def _register(version):
    suffix = "" if version is None else "." + version.replace(".", "")
    v = version

    @scenario("io.write_types" + suffix)
    def write_types(rec):
        pair = tls.connect(rec, tls=v)
        c = pair.client
        for label, data in (("bytes", b"ab"), ("bytearray", bytearray(b"cd")),
                            ("memoryview", memoryview(b"ef")),
                            ("memoryview slice", memoryview(b"xghx")[1:3]),
                            ("array('B')", array.array("B", [105, 106])),
                            ("array('i')", array.array("i", [0]))):
            rec.call("write %s" % label, c.write, data)
        for label, data in (("text", u"text"), ("None", None), ("int", 1),
                            ("list", [1])):
            rec.call("write %s" % label, c.write, data)
        rec.call("write b''", c.write, b"")
        rec.call("write()", c.write)
        rec.call("write(data=b'x')", lambda: c.write(data=b"k"))
        pair.flush("client")
        rec.call("server pending() before read", pair.server.pending)
        rec.call("server reads everything", pair.server.read, 100)
        rec.call("server pending() after", pair.server.pending)

    @scenario("io.read_sizes" + suffix)
    def read_sizes(rec):
        pair = tls.connect(rec, tls=v)
        c, s = pair.client, pair.server
        s.write(b"0123456789" * 3)
        pair.flush("server")
        rec.call("read(0) with data waiting", c.read, 0)
        rec.call("pending() after read(0)", c.pending)
        rec.call("read(3)", c.read, 3)
        rec.call("pending() after read(3)", c.pending)
        rec.call("read(len=2)", lambda: c.read(len=2))
        rec.call("read(size=2)", lambda: c.read(size=2))
        rec.call("read(-1)", c.read, -1)
        rec.call("read(True)", c.read, True)
        rec.call("read(2**31)", c.read, 2 ** 31)
        rec.call("read(2**63)", c.read, 2 ** 63)
        rec.call("read(sys.maxsize)", c.read, sys.maxsize)
        rec.call("read(-sys.maxsize - 2)", c.read, -sys.maxsize - 2)
        rec.call("read() default takes the rest", c.read)
        rec.call("read() with nothing left", c.read)
        rec.call("pending() at end", c.pending)
        s.write(b"x")
        pair.flush("server")
        rec.call("read(sys.maxsize) with data", c.read, sys.maxsize)

    @scenario("io.read_into_buffers" + suffix)
    def read_into_buffers(rec):
        pair = tls.connect(rec, tls=v)
        c, s = pair.client, pair.server
        s.write(b"abcdefghijklmnopqrstuvwxyz")
        pair.flush("server")
        buf = bytearray(4)
        rec.call("read(2, bytearray(4))", c.read, 2, buf)
        rec.value("buffer after", buf)
        buf = bytearray(4)
        rec.call("read(10, bytearray(4))", c.read, 10, buf)
        rec.value("buffer after len > size", buf)
        buf = bytearray(3)
        rec.call("read(0, bytearray(3))", c.read, 0, buf)
        rec.value("buffer after len 0", buf)
        buf = bytearray(5)
        rec.call("read(len=-1, buffer=bytearray(5))",
                 lambda: c.read(len=-1, buffer=buf))
        rec.value("buffer after -1", buf)
        buf = bytearray(4)
        view = memoryview(buf)
        rec.call("read(2, memoryview)", c.read, 2, view)
        rec.value("bytearray behind memoryview", buf)
        rec.call("read(2, memoryview slice)", c.read, 2, view[2:])
        rec.value("after slice read", buf)
        rec.call("read(2, bytes)", c.read, 2, b"1234")
        rec.call("read(2, text)", c.read, 2, u"1234")
        rec.call("read(2, memoryview(bytes))", c.read, 2, memoryview(b"12"))
        rec.call("read(2, array('b'))", c.read, 2, array.array("b", [0, 0]))
        rec.call("read(2, bytearray())", c.read, 2, bytearray())
        rec.call("read(2, None)", c.read, 2, None)
        rec.call("rest", c.read)
        rec.call("read(2, bytearray(2)) when empty", c.read, 2, bytearray(2))

    @scenario("io.records" + suffix)
    def records(rec):
        # 100 kB crosses several 16 kB TLS records; pending() reports what
        # is decrypted but not yet read, record by record.
        pair = tls.connect(rec, tls=v)
        data = tls.noise(100000)
        rec.call("server write 100 kB", pair.server.write, data)
        rec.call("outgoing pending > 100 kB", lambda: pair.sout.pending > 100000)
        pair.flush("server")
        rec.call("read(1)", pair.client.read, 1)
        rec.call("pending() after read(1)", pair.client.pending)
        got = [b""]

        def drain():
            while True:
                try:
                    chunk = pair.client.read(7000)
                except Exception as exc:
                    return exception_class_name(exc)
                got[0] += chunk

        rec.call("drain until", drain)
        rec.call("content matches", lambda: data[1:] == got[0])
        rec.call("incoming empty", getattr, pair.cin, "pending")

    @scenario("io.large_reads" + suffix)
    def large_reads(rec):
        # Reads asking for more than a record, as bytes and into a buffer
        # larger than a record, alternately: each returns the next bytes.
        pair = tls.connect(rec, tls=v)
        data = tls.noise(100000)
        pair.server.write(data)
        pair.flush("server")
        got = []
        for turn in range(4):
            if turn % 2:
                buf = bytearray(100000)
                count = rec.call("read(100000, bytearray) %d" % turn,
                                 pair.client.read, 100000, buf)
                got.append(bytes(buf[:count]))
                rec.value("untouched past count %d" % turn,
                          buf[count:] == bytearray(100000 - count))
            else:
                piece = pair.client.read(100000)
                rec.value("read(100000) %d length" % turn, len(piece))
                got.append(piece)
        rec.value("content so far matches",
                  b"".join(got) == data[:sum(len(p) for p in got)])

    @scenario("io.both_directions" + suffix)
    def both_directions(rec):
        pair = tls.connect(rec, tls=v)
        pair.send(rec, "client", b"ping", label="1")
        pair.send(rec, "server", b"pong", label="2")
        pair.send(rec, "client", bytearray(b"x" * 5000), label="3", size=10000)
        rec.call("client pending", pair.client.pending)
        rec.call("server pending", pair.server.pending)

    @scenario("io.before_handshake" + suffix)
    def before_handshake(rec):
        # read()/write() before do_handshake() run the handshake implicitly.
        pair = tls.Pair(tls.client_context(tls=v), tls.server_context(tls=v))
        rec.call("client write", pair.client.write, b"early")
        rec.call("client outgoing has ClientHello",
                 lambda: pair.cout.pending > 0)
        pair.flush("client")
        rec.call("server read", pair.server.read)
        pair.flush("server")
        rec.call("client write again", pair.client.write, b"early")
        pair.flush("client")
        rec.call("server read again", pair.server.read)
        pair.flush("server")
        rec.call("client version", pair.client.version)
        rec.call("server version", pair.server.version)
        rec.call("client read", pair.client.read)


for _version in (None, "1.2"):
    _register(_version)
