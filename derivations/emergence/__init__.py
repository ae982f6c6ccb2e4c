"""Emergence: phase-transition and mirage forms, finite test sets, skill graphs and multi-task emergence."""
