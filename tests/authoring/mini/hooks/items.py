"""Fixtures for the Items group."""

import dredd_hooks as hooks

from factories import ItemFactory


@hooks.before("Items > Items > List items")
def one_item(transaction):
    ItemFactory()


@hooks.before("Items > Item > Get an item > Example 1")
def item_1(transaction):
    ItemFactory()
