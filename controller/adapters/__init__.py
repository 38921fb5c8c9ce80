"""I/O, one module or folder per outside party: Atlassian, GitHub, git, mail, the state directory.

Each adapter turns its party's errors into `controller.core.errors` types and hands the core plain
values. Adapters import the core, never the app or the simulators.
"""
