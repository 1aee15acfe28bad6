"""A scripted client/server conversation over four ``MemoryBIO``\\ s, with
a tap on every delivery.

The script is the same for every profile: handshake rounds (each side's
``do_handshake()`` followed by delivering what it wrote), then application
data both ways, then ``unwrap()`` on both sides.  A *send step* moves
everything one side wrote into the other side's incoming BIO; the flight
fuzzer's tap may replace those bytes (and split their delivery) at chosen
send steps.  The script never looks at outcomes: after a failure it goes
on calling, because calls made after a failure must behave too.
"""

import sslbio

from . import outcomes, profiles

HANDSHAKE_ROUNDS = 5
SERVER_DATA = b"server says hello " * 4
CLIENT_DATA = b"client says hello " * 5


def script():
    """The steps of one conversation: ``(action, side, argument)``."""
    steps = []
    for _ in range(HANDSHAKE_ROUNDS):
        steps += [("handshake", "client", None), ("send", "client", None),
                  ("handshake", "server", None), ("send", "server", None)]
    steps += [
        ("write", "server", SERVER_DATA), ("send", "server", None),
        ("read", "client", 1024), ("read", "client", 1024),
        ("write", "client", CLIENT_DATA), ("send", "client", None),
        ("read", "server", 1024), ("read", "server", 1024),
        ("unwrap", "client", None), ("send", "client", None),
        ("unwrap", "server", None), ("send", "server", None),
        ("unwrap", "client", None), ("read", "server", 1024),
    ]
    return steps


SCRIPT = script()
SEND_STEPS = [i for i, step in enumerate(SCRIPT) if step[0] == "send"]


def peer(side):
    return "server" if side == "client" else "client"


class Conversation(object):
    """A client and a server ``SSLObject`` for one profile, driven by the
    script; every call goes through ``transcript``."""

    def __init__(self, profile, transcript, session=None):
        client_ctx, server_ctx = profiles.contexts(profile)
        self.transcript = transcript
        self.bios = {}
        for name in ("client.in", "client.out", "server.in", "server.out"):
            self.bios[name] = sslbio.MemoryBIO()
        self.objects = {
            "client": client_ctx.wrap_bio(
                self.bios["client.in"], self.bios["client.out"],
                server_hostname=profiles.HOSTNAME, session=session),
            "server": server_ctx.wrap_bio(
                self.bios["server.in"], self.bios["server.out"],
                server_side=True),
        }
        # Whether each side's do_handshake() has succeeded: decides what
        # the receiver is poked with between pieces of a split delivery.
        self.done = {"client": False, "server": False}

    # -- steps ------------------------------------------------------------------
    def run(self, tap=None, first=0, stop=len(SCRIPT)):
        """Run ``SCRIPT[first:stop]``; ``tap(step_index, sender, data)``
        returns the chunks to deliver instead of ``data`` (a list of byte
        strings)."""
        for index in range(first, stop):
            action, side, argument = SCRIPT[index]
            label = "%d %s.%s" % (index, side, action)
            if action == "send":
                self.send(label, side, index, tap)
            else:
                self.act(label, action, side, argument)

    def act(self, label, action, side, argument=None):
        obj = self.objects[side]
        call = self.transcript.call
        if action == "handshake":
            ok, _ = call(label, outcomes.RECORD_LAYER, obj.do_handshake)
            if ok:
                self.done[side] = True
        elif action == "write":
            call(label, outcomes.RECORD_LAYER, obj.write, argument)
        elif action == "read":
            call(label, outcomes.RECORD_LAYER, obj.read, argument,
                 binary_result=True)
        elif action == "unwrap":
            call(label, outcomes.RECORD_LAYER, obj.unwrap)
        else:
            raise ValueError("unknown action %r" % (action,))

    def pending_output(self, side):
        return self.bios[side + ".out"].read()

    def send(self, label, side, index=None, tap=None):
        """Deliver what ``side`` wrote to its peer (through ``tap``)."""
        data = self.pending_output(side)
        pieces = tap(index, side, data) if tap is not None else [data]
        receiver = peer(side)
        incoming = self.bios[receiver + ".in"]
        for n, piece in enumerate(pieces):
            if n:
                # Between pieces the receiver runs with a partial record.
                self.poke("%s poke%d" % (label, n), receiver)
            if piece:
                self.transcript.call("%s write%d" % (label, n),
                                     outcomes.RECORD_LAYER, incoming.write,
                                     piece)
        self.transcript.record(label, ["ok", sum(len(p) for p in pieces)])

    def poke(self, label, side):
        if self.done[side]:
            self.act(label, "read", side, 1024)
        else:
            self.act(label, "handshake", side)


def honest_run(profile, session=None):
    """One unmutated conversation: ``(transcript, flights, client
    session)``; ``flights`` is ``[(send step, sender, bytes), ...]`` for
    the non-empty deliveries."""
    transcript = outcomes.Transcript()
    conversation = Conversation(profile, transcript, session=session)
    flights = []

    def record(index, side, data):
        if data:
            flights.append((index, side, data))
        return [data]

    # The client's session is only complete after the TLS 1.3 tickets,
    # which arrive with the first application data: take it before unwrap.
    cut = SCRIPT.index(("write", "client", CLIENT_DATA))
    conversation.run(record, 0, cut)
    client_session = conversation.objects["client"].session
    conversation.run(record, cut)
    return transcript, flights, client_session
