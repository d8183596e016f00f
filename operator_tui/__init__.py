"""operator-tui: the operator's seat and the shared domain/protocol modules.

Importing this package does no work: modules are loaded on use so that
``operator-tui --help`` stays fast.
"""

__version__ = "0.1.0"
