"""The version of skstop, read by setup.cfg and recorded in every checkpoint."""

__version__ = "0.1.0"
