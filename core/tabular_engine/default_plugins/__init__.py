"""Plugins that ship with the core and use the same hooks as everyone else."""
