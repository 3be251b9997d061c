"""Reading a corpus: the manifest, article files and their problems."""
