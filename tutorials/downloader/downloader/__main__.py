"""``python -m downloader``: run the command line."""

from downloader.cli import main

raise SystemExit(main())
