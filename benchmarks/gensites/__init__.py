"""Blogs built with real generators and published themes, with gold known by construction (see README.md)."""
