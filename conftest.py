# Running ``python -m escalade`` executes the CLI; doctest collection must not import it.
collect_ignore = ["src/escalade/__main__.py"]
