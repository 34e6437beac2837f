"""``python -m axon`` runs the command-line interface."""

from axon.cli import main

raise SystemExit(main())
