"""coach: a voice interview coach for Machine Learning Engineer interviews."""

__version__ = "0.1.0"
