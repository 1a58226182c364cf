"""Oversight: the live dashboard of central PR, central inspection and district heads
(dashboard.py). It reads the task index and the instance rows only and plugs no hook into the
engine, so it is not in programmes.PROGRAMMES."""
