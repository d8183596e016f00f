"""``python -m operator_tui`` runs the command line."""

from operator_tui.cli import main

main()
