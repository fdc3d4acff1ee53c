"""tokenwire.adapters: everything that does I/O around the sans-IO core.

Transports (:mod:`.httpcore`, :mod:`.stdlib`), the drivers that step core flows over them
(:mod:`.drive`), provider profiles (:mod:`.profiles`), token sources and stores, and the CLI.
Import the submodule you need; this package imports nothing heavy on its own.
"""
