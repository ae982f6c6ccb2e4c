"""The models in SymPy, each formula written once with its source."""
