"""Shared pytest configuration for the tokenwire test tree."""
