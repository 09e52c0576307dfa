"""Messaging front ends: each turns platform updates into events and replies into platform calls."""
