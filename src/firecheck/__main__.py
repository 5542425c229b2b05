"""``python -m firecheck`` runs the command-line tool."""

from .cli import main

main()
