"""``python -m firecheck`` runs the command-line tool."""

from .launcher import main

main()
