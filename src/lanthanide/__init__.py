"""lanthanide: China's export controls on critical minerals and technologies as cited data."""

__version__ = "0.1.0"
__all__ = ["__version__"]
