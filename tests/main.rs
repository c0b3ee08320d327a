//! The integration tests: one binary, one fresh database per test, GraphQL over HTTP.
//!
//! SQLite by default; set `TEST_DATABASE_URL=postgres://user@host:port/db` to run every
//! test on PostgreSQL (each test creates and drops its own database on that server).

mod helpers;

mod access;
mod aggregates;
mod architecture;
mod auth;
mod community;
mod disclosure;
mod enforcement;
mod exports;
mod faults;
mod funeral;
mod gate;
mod hardening;
mod http;
mod hub;
mod mobile;
mod mobile_http;
mod operations;
mod personal;
mod processes;
mod regions;
mod registry;
mod replicas;
mod rural;
mod survey;
mod webhooks;
