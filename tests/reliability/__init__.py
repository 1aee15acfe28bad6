"""Reliability tooling run by tests/test_leaks.py, test_threads.py and
test_security_matrix.py, and usable by hand: each ``*check.py`` module is
also a command-line script (``python tests/reliability/leakcheck.py -h``).

Everything here is 2/3-compatible: the same script measures sslbio on
Python 2.7 and the standard library on Python 3, which is how the figures
are compared.
"""
