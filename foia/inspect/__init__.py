"""Looking at a finished store: audit a row on its page, the review site, Datasette metadata,
the diff of two releases, and finding a row's source document again."""
