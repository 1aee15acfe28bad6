"""Python 3.11's ``ssl`` enumerations, as plain ``int`` subclasses.

``TLSVersion``, ``VerifyMode``, ``AlertDescription`` and ``_SSLMethod``
behave as 3.11's ``IntEnum`` classes and ``Options`` / ``VerifyFlags`` as its
``IntFlag`` classes (boundary KEEP) do, for what code observes of them:
member lookup by value and by name, iteration, ``name`` / ``value``,
``repr`` (``<TLSVersion.TLSv1_2: 771>``, ``<Options.OP_NO_TLSv1|OP_ALL:
2214592592>``), ``str`` as the number, ``ValueError("5 is not a valid
TLSVersion")``, and for flags ``|``, ``&``, ``^``, ``~`` giving the class
again.  They need no ``enum`` module (2.7 has none; enum34 may be absent or
shadowed), so a vendored copy of sslbio carries them itself.

The classes are made once per process and shared by every copy of sslbio
(``_shared.shared_class``): ``isinstance(ctx.minimum_version,
ssl.TLSVersion)`` holds whichever copy made the value.  Option values depend
on the OpenSSL release; the caller passes what the loaded one has
(``_releases.option_constants``).
"""

import functools
import operator

from ._args import integer_types, long_type

__all__ = ["make_enum", "make_flag", "TLS_VERSIONS", "VERIFY_FLAG_EXTRAS"]

# Python 3.11's TLSVersion: the wire numbers, and the two pseudo-versions
# its minimum_version / maximum_version use for "no bound".
TLS_VERSIONS = [
    ("MINIMUM_SUPPORTED", -2),
    ("SSLv3", 0x0300),
    ("TLSv1", 0x0301),
    ("TLSv1_1", 0x0302),
    ("TLSv1_2", 0x0303),
    ("TLSv1_3", 0x0304),
    ("MAXIMUM_SUPPORTED", -1),
]

# VerifyFlags members 3.11 has and 2.7's _ssl does not export (X509_V_FLAG_*
# values, the same in every OpenSSL release sslbio supports).
VERIFY_FLAG_EXTRAS = [
    ("VERIFY_ALLOW_PROXY_CERTS", 0x40),
    ("VERIFY_X509_PARTIAL_CHAIN", 0x80000),
]


class _EnumType(type):
    """Class-level behaviour of 3.11's enum classes: iteration over the
    canonical members, ``Cls[name]``, ``len``, ``in``, ``__members__``."""

    def __iter__(cls):
        return iter(cls._canonical)

    def __len__(cls):
        return len(cls._canonical)

    def __getitem__(cls, name):
        return cls._by_name[name]

    def __contains__(cls, member):
        return isinstance(member, cls) and member._name_ in cls._by_name

    @property
    def __members__(cls):
        return dict(cls._by_name)

    def __repr__(cls):
        return "<%s '%s'>" % (cls._kind, cls.__name__)


class _Member(object):
    """What members of both kinds share."""

    _kind = "enum"
    _canonical = ()
    _by_name = {}
    _by_value = {}

    @property
    def name(self):
        return self._name_

    @property
    def value(self):
        return int(self)

    def __repr__(self):
        if self._name_ is None:
            return "<%s: %d>" % (type(self).__name__, int(self))
        return "<%s.%s: %d>" % (type(self).__name__, self._name_, int(self))

    # 3.11's IntEnum / IntFlag print and format as the plain number.
    def __str__(self):
        return str(int(self))

    def __format__(self, spec):
        return format(int(self), spec)

    def __reduce__(self):
        return type(self), (int(self),)

    def __copy__(self, memo=None):
        return self

    __deepcopy__ = __copy__


class _IntEnum(_EnumType("_IntEnumBase", (_Member, int), {})):
    """Members are the only instances; ``Cls(value)`` looks one up."""

    def __new__(cls, value):
        try:
            return cls._by_value[value]
        except (KeyError, TypeError):
            pass
        raise ValueError("%r is not a valid %s" % (value, cls.__name__))


def _flag_operator(operation):
    """A binary operator of 3.11's IntFlag: with any integer, a member of
    the class again."""
    def method(self, other):
        if not isinstance(other, integer_types):
            return NotImplemented
        return type(self)(operation(int(self), int(other)))
    return method


class _IntFlag(_EnumType("_IntFlagBase", (_Member, long_type), {})):
    """Any integer is a value (boundary KEEP); a combination is named by its
    one-bit members, lowest bit first, then any member of several bits it
    contains, then the bits no member explains, as 3.11 names it.

    On 2.7 a ``long``, as 2.7's own ``options`` and ``verify_flags`` are:
    ``OP_ALL`` does not fit a 32-bit platform's ``int``."""

    _kind = "flag"

    def __new__(cls, value):
        if not isinstance(value, integer_types):
            raise ValueError("%r is not a valid %s" % (value, cls.__name__))
        if value < 0:
            # 3.11 keeps negative values as their complement within the
            # width of the members' bits.
            value = (1 << cls._all_bits.bit_length()) + value
        found = cls._by_value.get(value)
        if found is not None:
            return found
        members = [cls._by_value[bit] for bit in _bits(value & cls._singles)]
        if value & ~cls._singles:
            for member in cls._canonical_with_aliases:
                if member not in members and int(member) and \
                        int(member) & value == int(member):
                    members.append(member)
        unknown = value ^ _union(members)
        name = "|".join(member._name_ for member in members) or None
        if name is not None and unknown:
            name += "|%d" % unknown
        pseudo = long_type.__new__(cls, value)
        pseudo._name_ = name
        return pseudo

    __or__ = __ror__ = _flag_operator(operator.or_)
    __and__ = __rand__ = _flag_operator(operator.and_)
    __xor__ = __rxor__ = _flag_operator(operator.xor)

    def __invert__(self):
        return type(self)(~int(self))


def _bits(value):
    while value:
        bit = value & -value
        yield bit
        value ^= bit


def _union(members):
    return functools.reduce(operator.or_, map(int, members), 0)


def _populate(cls, members):
    by_name, by_value, canonical = {}, {}, []
    number_type = long_type if issubclass(cls, long_type) else int
    for name, value in members:
        if value in by_value:  # an alias: the first name keeps the value
            by_name[name] = by_value[value]
            continue
        member = number_type.__new__(cls, value)
        member._name_ = name
        by_name[name] = by_value[value] = member
        canonical.append(member)
    cls._by_name, cls._by_value = by_name, by_value
    cls._canonical_with_aliases = list(canonical)
    for name, member in by_name.items():
        setattr(cls, name, member)
    return canonical


def make_enum(name, members, module="ssl"):
    """An IntEnum-like class ``name`` with ``members``, ``[(name, value)]``
    in definition order (a repeated value is an alias of the first name)."""
    cls = _EnumType(str(name), (_IntEnum,), {"__module__": module})
    cls._canonical = tuple(_populate(cls, members))
    return cls


def make_flag(name, members, module="ssl"):
    """An IntFlag-like class, members sorted by value as 3.11's
    ``_convert_`` does; iteration shows the one-bit members only."""
    members = sorted(members, key=lambda item: (item[1], item[0]))
    cls = _EnumType(str(name), (_IntFlag,), {"__module__": module})
    canonical = _populate(cls, members)
    cls._canonical = tuple(m for m in canonical
                           if int(m) and int(m) & (int(m) - 1) == 0)
    cls._singles = _union(cls._canonical)
    cls._all_bits = _union(canonical)
    return cls
