"""``python -m lotrate`` runs the command line."""

from lotrate.cli import main

main()
