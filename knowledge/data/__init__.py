"""Word lists of the knowledge base analysis (stop words, user dictionary, synonyms)."""
