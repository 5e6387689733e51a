"""`python -m crawler.cli`: the same as the `coverwatch` command."""

from crawler.cli.app import main

main()
