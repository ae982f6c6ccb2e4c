"""A user's model file as text, shared by the analysis and the command-line tests: a memorizer whose squared
norm per unit margin grows like c_m D^gamma, every symbol the file's own."""

POWER_LAW = '''
import sympy as sp
from theory.dynamics import Model
# The package declares D, lam, c_m, ... with other assumptions: these are the file's own symbols.
th_m, th_g = sp.symbols("theta_m theta_g", positive=True)
a, b = sp.symbols("a b", real=True)
y, c_m, c_g, D, lam, gamma, eta_m, eta_g = sp.symbols("y c_m c_g D lam gamma eta_m eta_g", positive=True)
z_m, z_g = th_m**2 / (c_m * D**gamma), th_g**2 / c_g
POWER = Model(
    name="power_law", state=(th_m, th_g), params=(y, c_m, c_g, D, lam, gamma, eta_m, eta_g),
    objective=(y - z_m - z_g) ** 2 / 2 + lam / 2 * (th_m**2 + th_g**2), rates=(eta_m, eta_g), coordinates=(a, b),
    to_state=(sp.sqrt(c_m * D**gamma) * sp.exp(a / 2), sp.sqrt(c_g) * sp.exp(b / 2)),
    observables={"train_margin": z_m + z_g, "test_margin": z_g},
    defaults={y: 1.0, c_m: 0.1, c_g: 5.0, D: 10.0, lam: 0.02, gamma: 1.5, eta_m: 1.0, eta_g: 0.5},
    initial={a: sp.log(sp.Rational(1, 100)), b: sp.log(sp.Rational(1, 10**6))},
)
'''
