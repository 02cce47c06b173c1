"""The domain: what a Kulcs sync or a shop action does to products, prices and categories.

Pure: nothing here touches a database, the network or the clock.
"""
