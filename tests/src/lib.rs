//! Test support: a pouchdb-server harness, a chromedriver harness, shared helpers.
