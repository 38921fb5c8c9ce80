"""`python -m controller` runs the accessctl command line."""

from controller.cli import main

main()
