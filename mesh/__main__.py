"""`python -m mesh` runs the codemesh CLI: how the embedded mesh starts its child roles."""

from mesh.cli import main

raise SystemExit(main())
