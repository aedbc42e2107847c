"""Benchmarks of escalade's engine against fixed anchors (run ``make bench``)."""
