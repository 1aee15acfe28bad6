"""MemoryBIO on its own: construction, write/read/pending/eof, object model."""

from __future__ import print_function

import array
import copy
import pickle
import ssl
import sys
import weakref

from conformance.recorder import integer_types
from conformance.scenarios import scenario


@scenario("bio.fresh")
def fresh(rec):
    bio = ssl.MemoryBIO()
    rec.value("type name", type(bio).__name__)
    rec.call("pending", getattr, bio, "pending")
    rec.call("eof", getattr, bio, "eof")
    rec.call("read()", bio.read)
    rec.call("read(0)", bio.read, 0)
    rec.call("read(5)", bio.read, 5)
    rec.call("read(-1)", bio.read, -1)
    rec.call("pending after reads", getattr, bio, "pending")


@scenario("bio.construct")
def construct(rec):
    rec.call("MemoryBIO(123)", ssl.MemoryBIO, 123)
    rec.call("MemoryBIO(b'x')", ssl.MemoryBIO, b"x")
    rec.call("MemoryBIO(size=1)", lambda: ssl.MemoryBIO(size=1))
    rec.call("MemoryBIO() is new", lambda: ssl.MemoryBIO() is not ssl.MemoryBIO())
    rec.call("isinstance", lambda: isinstance(ssl.MemoryBIO(), ssl.MemoryBIO))


@scenario("bio.write_types")
def write_types(rec):
    bio = ssl.MemoryBIO()
    rec.call("write bytes", bio.write, b"ab")
    rec.call("write bytearray", bio.write, bytearray(b"cd"))
    rec.call("write memoryview", bio.write, memoryview(b"ef"))
    rec.call("write memoryview slice", bio.write, memoryview(b"xghx")[1:3])
    rec.call("write array('b')", bio.write, array.array("b", [105, 106]))
    rec.call("write array('B')", bio.write, array.array("B", [107]))
    rec.call("pending", getattr, bio, "pending")
    rec.call("read all", bio.read)
    rec.call("write array('i') returns", bio.write, array.array("i", [0]))
    rec.call("pending after array('i')", getattr, bio, "pending")
    rec.call("drain", bio.read)
    rec.call("write text", bio.write, u"text")
    rec.call("write None", bio.write, None)
    rec.call("write int", bio.write, 5)
    rec.call("write list", bio.write, [1, 2])
    rec.call("write no argument", bio.write)
    rec.call("write two arguments", bio.write, b"a", b"b")
    rec.call("write b''", bio.write, b"")
    rec.call("write bytearray()", bio.write, bytearray())
    rec.call("pending after failures", getattr, bio, "pending")
    rec.call("eof after empty writes", getattr, bio, "eof")


@scenario("bio.read_sizes")
def read_sizes(rec):
    bio = ssl.MemoryBIO()
    bio.write(b"0123456789")
    rec.call("read(3)", bio.read, 3)
    rec.call("read(0)", bio.read, 0)
    rec.call("read(-2)", bio.read, -2)
    rec.call("read(True)", bio.read, True)
    rec.call("read(size=2)", lambda: bio.read(size=2))
    rec.call("read(n=2)", lambda: bio.read(n=2))
    rec.call("read(1.5)", bio.read, 1.5)
    rec.call("read(None)", bio.read, None)
    rec.call("read('3')", bio.read, "3")
    rec.call("read(2**31)", bio.read, 2 ** 31)
    rec.call("read(2**31 - 1)", bio.read, 2 ** 31 - 1)
    bio.write(b"0123456789")
    rec.call("read(-2**31)", bio.read, -2 ** 31)
    rec.call("read(-2**31 - 1)", bio.read, -2 ** 31 - 1)
    rec.call("read(2**63)", bio.read, 2 ** 63)
    rec.call("read(sys.maxsize)", bio.read, sys.maxsize)
    rec.call("read(1, 2)", bio.read, 1, 2)
    rec.call("pending at end", getattr, bio, "pending")


@scenario("bio.fifo")
def fifo(rec):
    bio = ssl.MemoryBIO()
    for chunk in (b"one ", b"two ", b"three"):
        bio.write(chunk)
    rec.call("pending", getattr, bio, "pending")
    rec.call("read(5)", bio.read, 5)
    rec.call("pending after read(5)", getattr, bio, "pending")
    rec.call("read(100)", bio.read, 100)
    rec.call("read() when empty", bio.read)
    big = b"x" * (1 << 20)
    rec.call("write 1 MiB", bio.write, big)
    rec.call("pending 1 MiB", getattr, bio, "pending")
    rec.call("read 1 MiB equal", lambda: bio.read() == big)


@scenario("bio.read_sizes_around_buffers")
def read_sizes_around_buffers(rec):
    # Reads just below, at and above the sizes an engine may keep a reused
    # buffer of (16 KiB, 64 KiB), in order and each with the right bytes.
    data = bytes(bytearray(i % 251 for i in range(400000)))
    bio = ssl.MemoryBIO()
    bio.write(data)
    offset = 0
    for size in (16383, 16384, 16385, 65535, 65536, 65537, 1):
        piece = bio.read(size)
        rec.value("read(%d) is the next bytes" % size,
                  piece == data[offset:offset + size])
        offset += len(piece)
    rec.call("pending", getattr, bio, "pending")
    rec.value("read() is the rest", bio.read() == data[offset:])
    bio.write(data[:65537])
    rec.value("read() of 65537 bytes", bio.read() == data[:65537])
    bio.write(data[:65536])
    rec.value("read(70000) of 65536 bytes", bio.read(70000) == data[:65536])


@scenario("bio.eof")
def eof(rec):
    bio = ssl.MemoryBIO()
    bio.write(b"tail")
    rec.call("eof with data", getattr, bio, "eof")
    rec.call("write_eof", bio.write_eof)
    rec.call("eof after write_eof, data pending", getattr, bio, "eof")
    rec.call("write after write_eof", bio.write, b"more")
    rec.call("write b'' after write_eof", bio.write, b"")
    rec.call("pending", getattr, bio, "pending")
    rec.call("read()", bio.read)
    rec.call("eof when drained", getattr, bio, "eof")
    rec.call("read() at eof", bio.read)
    rec.call("read(0) at eof", bio.read, 0)
    rec.call("write_eof again", bio.write_eof)
    rec.call("write_eof(1)", bio.write_eof, 1)
    rec.call("eof still", getattr, bio, "eof")


@scenario("bio.attributes")
def attributes(rec):
    bio = ssl.MemoryBIO()
    rec.call("set new attribute", setattr, bio, "extra", 1)
    rec.call("set pending", setattr, bio, "pending", 1)
    rec.call("set eof", setattr, bio, "eof", True)
    rec.call("del eof", delattr, bio, "eof")
    rec.call("pending is an integer",
             lambda: isinstance(bio.pending, integer_types))
    rec.call("eof type", lambda: type(bio.eof).__name__)
    rec.call("has __dict__", hasattr, bio, "__dict__")


@scenario("bio.copy_pickle_weakref")
def copy_pickle_weakref(rec):
    bio = ssl.MemoryBIO()
    bio.write(b"data")
    rec.call("pickle.dumps proto 0", pickle.dumps, bio, 0)
    rec.call("pickle.dumps proto 2", pickle.dumps, bio, 2)
    rec.call("copy.copy", copy.copy, bio)
    rec.call("copy.deepcopy", copy.deepcopy, bio)
    rec.call("weakref.ref", weakref.ref, bio)
    rec.call("weakref.proxy", weakref.proxy, bio)
    rec.call("data intact", bio.read)
