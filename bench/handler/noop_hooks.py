"""Benchmark hooks: one no-op hook per event, so every message runs a hook."""

import dredd_hooks as hooks


@hooks.before_all
def before_all(transactions):
    pass


@hooks.before_each
def before_each(transaction):
    pass


@hooks.before_each_validation
def before_each_validation(transaction):
    pass


@hooks.after_each
def after_each(transaction):
    pass


@hooks.after_all
def after_all(transactions):
    pass
