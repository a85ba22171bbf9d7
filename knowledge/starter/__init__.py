"""The starter knowledge base: Markdown articles written from the seed documents."""
