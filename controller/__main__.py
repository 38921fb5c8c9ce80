"""`python -m controller` runs the accessctl command line."""

from controller.app.cli import main

main()
