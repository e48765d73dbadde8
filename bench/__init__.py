"""Load benchmarks (see bench/README.md); not part of the application."""
