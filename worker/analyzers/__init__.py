"""Language analyzers: one module per language on the shared tree-sitter engine, found through
the `codemesh.analyzers` entry points so another package can add a language."""
