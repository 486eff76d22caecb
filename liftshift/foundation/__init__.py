"""The foundation every other package builds on, and which imports none of them.

The plan model (``plan``), settings, events, atomic file writes (``fileio``), the one factory
for cloud clients (``clients``), the storage adapters and URI rules (``storage``), the machine and
container tables (``catalog``) and the bundled examples. No UI, no feature logic.
"""
