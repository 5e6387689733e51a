"""`python -m crawler.relevance FILE.jsonl`: the stable scoring interface."""

from crawler.relevance.assess import main

raise SystemExit(main())
