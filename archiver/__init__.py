"""blog-archiver: crawl blogs of any engine, archive every post into SQLite, publish with Datasette."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/blog-archiver/blog-archiver"
