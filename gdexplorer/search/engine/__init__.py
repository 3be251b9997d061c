"""The fragile layer: the only code that reads Whoosh's codec and matcher internals.

Everything here goes through ``adapter``, which checks that the internals it needs are there and
otherwise falls back to Whoosh's own public matchers (slower, same answers).
"""
