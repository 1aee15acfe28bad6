"""The calls made after a conversation: every public ``SSLObject`` and
``MemoryBIO`` call, in a random order, on both sides.

After a mutated flight one side has usually failed; Python 3 keeps raising
``ssl.SSLError`` subclasses (never ``socket.error``, never a crash) on
every later call and keeps answering the queries.  The battery checks both
sides in whatever state the case left them.
"""

from . import known, outcomes

_READ_SIZES = (1, 7, 1024, 16384, 16385, 100000)
_WRITE_SIZES = (0, 1, 100, 16384, 16385, 40000)
_SPLIT_SIZES = (1, 4, 5, 6, 100)


def _calls(conversation, side, rng, tamper):
    """The menu: ``name -> thunk`` recording one call (or a short series)
    in the conversation's transcript."""
    obj = conversation.objects[side]
    incoming = conversation.bios[side + ".in"]
    outgoing = conversation.bios[side + ".out"]
    call = conversation.transcript.call
    rl, nothing = outcomes.RECORD_LAYER, outcomes.NOTHING

    def label(name):
        return "battery %s.%s" % (side, name)

    def read():
        size = rng.choice(_READ_SIZES)
        call(label("read(%d)" % size), rl, obj.read, size,
             binary_result=True)

    def read_into():
        size = rng.choice(_READ_SIZES)
        buffer = bytearray(rng.choice((1, 100, 20000)))
        call(label("read(%d, buffer)" % size), rl, obj.read, size, buffer)

    def write():
        size = rng.choice(_WRITE_SIZES)
        call(label("write(%d)" % size), rl, obj.write, b"w" * size)

    def deliver():
        # Hand what this side wrote to its peer, sometimes mutated again.
        conversation.send(label("send"), side, None,
                          tamper if rng.chance(25) else None)

    def eof():
        call(label("incoming.write_eof"), nothing, incoming.write_eof)

    def garbage():
        call(label("incoming.write"), rl, incoming.write,
             rng.bytes(rng.choice(_SPLIT_SIZES)))

    def drain():
        call(label("outgoing.read"), nothing, outgoing.read,
             binary_result=True)

    def attribute(name):
        return lambda: call(label(name), nothing, getattr, obj, name)

    menu = {
        "do_handshake": lambda: call(label("do_handshake"), rl,
                                     obj.do_handshake),
        "read": read,
        "read_into": read_into,
        "write": write,
        "unwrap": lambda: call(label("unwrap"), rl, obj.unwrap),
        "verify_client_post_handshake": lambda: call(
            label("verify_client_post_handshake"),
            outcomes.POST_HANDSHAKE_AUTH +
            known.refusals("verify_client_post_handshake"),
            obj.verify_client_post_handshake),
        "getpeercert": lambda: call(label("getpeercert"), outcomes.PEERCERT,
                                    obj.getpeercert),
        "getpeercert(True)": lambda: call(
            label("getpeercert(True)"), outcomes.PEERCERT, obj.getpeercert,
            True, binary_result=True),
        "version": lambda: call(label("version"), nothing, obj.version),
        "cipher": lambda: call(label("cipher"), nothing, obj.cipher),
        "shared_ciphers": lambda: call(
            label("shared_ciphers"), nothing + known.refusals("shared_ciphers"),
            obj.shared_ciphers),
        "compression": lambda: call(label("compression"), nothing,
                                    obj.compression),
        "pending": lambda: call(label("pending"), nothing, obj.pending),
        "selected_alpn_protocol": lambda: call(
            label("selected_alpn_protocol"), nothing,
            obj.selected_alpn_protocol),
        "get_channel_binding": lambda: call(
            label("get_channel_binding"), nothing, obj.get_channel_binding,
            "tls-unique", binary_result=True),
        "session": lambda: call(label("session"), outcomes.SESSION,
                                getattr, obj, "session"),
        "session_reused": attribute("session_reused"),
        "server_side": attribute("server_side"),
        "server_hostname": attribute("server_hostname"),
        "incoming.pending": lambda: call(label("incoming.pending"), nothing,
                                         getattr, incoming, "pending"),
        "incoming.eof": lambda: call(label("incoming.eof"), nothing,
                                     getattr, incoming, "eof"),
        "send": deliver,
        "write_eof": eof,
        "garbage": garbage,
        "drain": drain,
    }
    return menu


# Calls in the order a menu is drawn from (a dict's order differs between
# 2.7 and 3.x; a seed must pick the same call on both).
_NAMES = ("do_handshake", "read", "read_into", "write", "unwrap",
          "verify_client_post_handshake", "getpeercert", "getpeercert(True)",
          "version", "cipher", "shared_ciphers", "compression", "pending",
          "selected_alpn_protocol", "get_channel_binding", "session",
          "session_reused", "server_side", "server_hostname",
          "incoming.pending", "incoming.eof", "send", "write_eof", "garbage",
          "drain")
# Connection-changing calls are drawn more often than queries.
_WEIGHTS = dict((name, 1) for name in _NAMES)
_WEIGHTS.update({"do_handshake": 4, "read": 5, "read_into": 2, "write": 4,
                 "unwrap": 3, "send": 6, "write_eof": 1, "garbage": 1})


def run(conversation, rng, tamper):
    """Make 8 to 25 calls, each on a random side; ``tamper`` is the case's
    mutation tap, used again by some deliveries."""
    menus = dict((side, _calls(conversation, side, rng, tamper))
                 for side in ("client", "server"))
    weighted = [(_WEIGHTS[name], name) for name in _NAMES]
    for _ in range(rng.between(8, 25)):
        side = rng.choice(("client", "server"))
        menus[side][rng.weighted(weighted)]()
