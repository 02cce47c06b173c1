"""Kulcs-Soft webshop integration: parsers for the documents Kulcs sends."""
