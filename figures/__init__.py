"""The papers' figures, regenerated from the package's models: ``python -m figures``."""
