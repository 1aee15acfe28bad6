"""A seeded random number generator that gives the same numbers everywhere.

``random.Random`` is not enough: with the same seed, ``randrange``,
``choice`` and ``shuffle`` return different values on 2.7 and 3.x (3.2
changed how they use the underlying generator).  The differential mode runs
one seed under both lines and needs one case, so the fuzzers draw from this
SplitMix64 generator instead: a few lines of integer arithmetic whose output
depends on nothing but the seed.
"""

import struct

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


class Rng(object):
    """SplitMix64 (Steele, Lea and Flood, 2014) with a few conveniences."""

    __slots__ = ("_state",)

    def __init__(self, seed):
        self._state = int(seed) & _MASK

    def next64(self):
        """The next 64-bit unsigned integer."""
        self._state = z = (self._state + _GOLDEN) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def below(self, n):
        """An integer in ``[0, n)``.  The modulo bias (n / 2**64) is far
        below anything a fuzzer could notice."""
        if n <= 0:
            raise ValueError("below() needs a positive bound")
        return self.next64() % n

    def between(self, low, high):
        """An integer in ``[low, high]``."""
        return low + self.below(high - low + 1)

    def chance(self, percent):
        """True with probability ``percent`` / 100."""
        return self.below(100) < percent

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def weighted(self, pairs):
        """One ``value`` of ``[(weight, value), ...]``."""
        total = sum(weight for weight, _ in pairs)
        point = self.below(total)
        for weight, value in pairs:
            if point < weight:
                return value
            point -= weight
        raise AssertionError("unreachable")

    def bytes(self, n):
        """``n`` random bytes."""
        words = [struct.pack("<Q", self.next64()) for _ in range((n + 7) // 8)]
        return b"".join(words)[:n]

    def fork(self, label):
        """An independent generator for one part of a case.  Parts draw from
        their own forks so that a change in how much one part draws does not
        shift the numbers every later part sees."""
        mixed = self._state
        for char in label:
            mixed = ((mixed ^ ord(char)) * 0x100000001B3) & _MASK
        return Rng(Rng(mixed).next64())
