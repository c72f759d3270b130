// Benchmark hooks: one no-op hook per event, as noop_hooks.py has.
const hooks = require('hooks');

hooks.beforeAll((transactions, done) => done());
hooks.beforeEach((transaction, done) => done());
hooks.beforeEachValidation((transaction, done) => done());
hooks.afterEach((transaction, done) => done());
hooks.afterAll((transactions, done) => done());
