"""Implementations of the built-in components (these import torch)."""
