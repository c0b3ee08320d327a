//! Authentication (身份认证): bearer JWTs verified against configured keys, and built-in
//! accounts with argon2id passwords, short-lived access tokens and rotating refresh tokens.

pub mod graphql;
pub mod jwt;
pub mod password;
pub mod service;
pub mod throttle;
