"""Maillage: the open atlas of open-innovation structures in French territories."""

__version__ = "0.1.0"
