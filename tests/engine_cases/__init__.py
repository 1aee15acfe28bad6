"""Helpers for test_engine.py, test_errors.py and test_openssl_binding.py.

Everything here is 2/3-compatible: the same helpers drive sslbio on Python
2.7 and the standard library on Python 3 (where they check the tests'
expectations against the reference implementation).
"""
