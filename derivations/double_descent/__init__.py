"""Double descent: exact risk curves, their numerics, Monte Carlo simulators and experiments."""
