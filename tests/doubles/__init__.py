"""Test doubles used only by the tests."""
