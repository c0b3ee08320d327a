//! Built-in accounts (内置账号) and their refresh tokens.

pub mod refresh_token;
pub mod user;
