"""tokenwire.conformance: vectors from the providers' documents, and the machinery to run them.

Holds the shared test vectors (data files under ``vectors/``), the loopback replay server, the suite
runner and its pytest plugin, the embedded reference providers, and live probes.
"""
