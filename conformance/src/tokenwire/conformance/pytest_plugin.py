"""pytest plugin: run the tokenwire conformance suite against your own transport.

Registered through the ``pytest11`` entry point; it adds nothing until a test asks for it.
"""
