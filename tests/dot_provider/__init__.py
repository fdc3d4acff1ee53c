"""A small Django project serving django-oauth-toolkit, a third-party provider for the probes.

Started by :mod:`tests.dot_peer` (``python -m tests.dot_provider.serve PORT``) on loopback, with
a SQLite database in a temporary directory and an RSA key generated per run. Its data (one user,
three applications) is created by :mod:`tests.dot_provider.seed` before it serves.
"""
