"""scrapyd: scale-out over Scrapyd nodes. The nodes' HTTP API (`client`), the pure placement and job decisions
(`jobs`), what the shared database says about a job (`runs`), the dispatcher that follows each crawl (`dispatcher`),
the deploy command that ships a pointer egg (`deploy`), and the Scrapyd project that runs on each node (`project`).
"""
