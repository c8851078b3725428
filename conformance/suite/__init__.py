"""The conformance suite as a pytest module: ``pytest --pyargs dropout_conformance.suite --dropout-impl=X``."""
