"""Helpers the tests share: fixtures stay in conftest.py, everything a test imports lives here."""
