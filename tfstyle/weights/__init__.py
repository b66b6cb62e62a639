"""Weights converted from other projects' published models (each with its licence file here).

* ``microast_v1.keras`` (+ ``.json`` registry entry): MicroAST (Wang et al., AAAI 2023; MIT,
  ``MICROAST_LICENSE.md``), a :class:`tfstyle.models.microast.MicroASTNet`.
"""
import pathlib

FOLDER = pathlib.Path(__file__).resolve().parent
#: The converted MicroAST model (``keras.saving.load_model(MICROAST_FILE)``).
MICROAST_FILE = FOLDER / "microast_v1.keras"
