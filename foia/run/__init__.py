"""Running a dump: the pipeline (inventory → extraction jobs → store → normalization), its
incremental cache keys and its progress events."""
