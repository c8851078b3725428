"""A library that ships a DropoutLayer: the example the docs' snippets check (`mypkg:DropoutLayer`)."""

from .layers import DropoutLayer

__all__ = ["DropoutLayer"]
