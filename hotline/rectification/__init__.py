"""Rectification (整改): a notice to a unit, its report, the verification."""
