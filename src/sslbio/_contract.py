"""The contract between the fronts and the engines, as code.

The fronts (``_bio.MemoryBIO``, ``_sslobject.SSLObject``,
``_session.SSLSession``) declare, with ``@engine_method``, each method an
engine's concrete class must supply: the private primitives the fronts call
(``_engine_init``, ``_handshake``, ``_read_for_buffer``, ...) and the public
methods whose whole work is the engine's (``pending()``, ``cipher()``, ...,
and ``read()``/``write()``, which an engine serves in one Python frame over
the fronts' argument checks).  The declaration carries the method's
docstring, Python 3's behaviour, written once: ``complete()`` gives it to
each engine's implementation, and refuses a class that leaves a declared
method out.  Nothing of this runs per call: a concrete class is checked
once, when its engine is imported.
"""

__all__ = ["engine_method", "declared", "unimplemented", "complete"]

# The mark of a declaration (the same attribute as abc's abstract methods).
_MARK = "__isabstractmethod__"


def engine_method(func):
    """Declare ``func`` (its signature and docstring; its body is never
    run) as a method each engine implements."""
    setattr(func, _MARK, True)
    return func


def _function_of(attribute):
    # A property is declared through its getter.
    return attribute.fget if isinstance(attribute, property) else attribute


def _is_declaration(attribute):
    return getattr(_function_of(attribute), _MARK, False)


def _lookup(cls, name):
    """``(the class that holds it, name as cls resolves it)``, without
    binding it."""
    for klass in cls.__mro__:
        if name in vars(klass):
            return klass, vars(klass)[name]
    raise AttributeError(name)


def declared(front):
    """The names ``front`` (and its bases) declare with
    ``@engine_method``, sorted."""
    return sorted(set(name for klass in front.__mro__
                      for name, attribute in vars(klass).items()
                      if _is_declaration(attribute)))


def unimplemented(cls, front):
    """The declared names of ``front`` that ``cls`` leaves unimplemented."""
    return [name for name in declared(front)
            if _is_declaration(_lookup(cls, name)[1])]


def complete(cls, front):
    """Check that ``cls`` implements everything ``front`` declares
    (``TypeError`` naming what is missing) and give each implementation
    without a docstring the declaration's."""
    missing = unimplemented(cls, front)
    if missing:
        raise TypeError("%s.%s does not implement %s"
                        % (cls.__module__, cls.__name__, ", ".join(missing)))
    for name in declared(front):
        doc = _function_of(_lookup(front, name)[1]).__doc__
        owner, attribute = _lookup(cls, name)
        if isinstance(attribute, property):
            if attribute.__doc__ is None:
                setattr(owner, name, property(attribute.fget, attribute.fset,
                                              attribute.fdel, doc))
            continue
        function = getattr(attribute, "__func__", attribute)
        if getattr(function, "__doc__", None) is None:
            try:
                function.__doc__ = doc
            except (AttributeError, TypeError):
                pass  # a C function: its own docstring stays
    return cls
