"""``python -m jirga`` runs the command line."""

from jirga.cli import main

main()
