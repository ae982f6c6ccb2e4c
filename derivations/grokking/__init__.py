"""Grokking: the two-circuit models' derived forms, fixed points, simulations and phase diagrams."""
