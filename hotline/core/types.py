"""Shared type aliases."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

# Hotline uses Django's default user model.
AnyUser = User | AnonymousUser

__all__ = ["AnyUser", "User"]
