"""quantc: calibration and scripting for the quantc quantization compiler."""
from . import reference  # noqa: F401
