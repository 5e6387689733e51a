"""scrapyd: scale-out over Scrapyd nodes. The HTTP client and dispatcher (`dispatcher`), the deploy command that
ships a pointer egg (`deploy`), and the Scrapyd project that runs on each node (`project`).
"""
