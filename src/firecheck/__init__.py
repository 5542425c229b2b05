"""firecheck: fire-ban and straw-burning-ban compliance checks for Guyang County."""

__version__ = "0.1.0"
