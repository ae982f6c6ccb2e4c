"""Closed forms derived from the models, compiled numerics, simulations, Monte Carlo, fits and the command line."""
