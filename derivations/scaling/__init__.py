"""Scaling laws: Kaplan and Chinchilla forms, compute-optimal allocation and the Chinchilla fit."""
