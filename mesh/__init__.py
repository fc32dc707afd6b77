"""codemesh's shared layer: protocol, codec, models, store, discovery, config, logging, CLI.

Every role imports this package; it imports only the standard library and third-party packages,
never `broker`, `worker` or `dashboard`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("codemesh")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
