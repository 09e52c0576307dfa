"""Domain rules as plain async functions over a database session."""
