"""The shared core: models, configuration, errors and the event log.

Layers import one way: ``models`` imports nothing of ours; ``log`` imports
``models`` and ``errors``; services import ``core`` and never each other.
"""
