"""extract: bytes in, article out. HTML through trafilatura and JSON-LD, PDFs in logical right-to-left order
(pdfminer glyphs + bidi), publication dates by evidence, language by metadata and script.

Pure: imports only the standard library, its parsing libraries, `crawler.model` and `crawler.textnorm`;
never Scrapy, the web framework or the database.
"""
