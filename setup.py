"""Shim so that ``pip install .`` and legacy tools work; metadata lives in setup.cfg."""
from setuptools import setup

setup()
