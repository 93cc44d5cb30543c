"""phonebar: a SIP softphone bar driven over a local HTTP JSON API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("phonebar")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
