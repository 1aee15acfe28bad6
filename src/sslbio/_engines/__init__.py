"""The engines that serve Python 3's in-memory TLS API on 2.7.

An engine module either raises ``EngineUnavailable`` when imported (or any
other exception: its text is the reason) or defines ``NAME``, ``MemoryBIO``,
``SSLObject``, ``SSLSession``, ``describe()`` and ``LIMITATIONS``.
"""


class EngineUnavailable(Exception):
    """This engine cannot serve the running interpreter; the message says
    why."""
