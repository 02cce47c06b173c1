"""Queries on the read models (asyncpg), shaped as the JSON API answers them."""
