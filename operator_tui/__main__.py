"""``python -m operator_tui`` runs the command line (``run`` without typer: see launch.main)."""

from operator_tui.launch import main

main()
