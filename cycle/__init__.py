"""cycle: a system-dynamics toolkit for the technology-industry-finance cycle.

The equations live in Vensim files under ``models/`` (installed as ``cycle.models``);
this package translates them with PySD, runs them, and wraps the results as pandas
DataFrames indexed by time (calendar years; 2022.0 is the end of 2021).
"""

from cycle.errors import CycleError
from cycle.model import Model, load_model, model_path

__all__ = ["CycleError", "Model", "load_model", "model_path", "__version__"]
__version__ = "0.1.0"
