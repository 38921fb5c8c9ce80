"""The application: the thin CLI, one module per verb, what verbs share, reports and the demo.

`cli` parses arguments and calls `commands.<verb>.run`; the wall clock and the environment are
read here and handed down. Commands never import commands: what two verbs share lives beside them
in this package or below it.
"""
