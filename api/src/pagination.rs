//! Relay connections with keyset cursors, shared by every list field.
//!
//! A cursor is the opaque base64 of the ordering name, the sort key of the row and its id,
//! so the next page is `WHERE (key, id) > (cursor.key, cursor.id)`: a deep page costs what
//! the first page costs.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::error::{AppError, AppResult};

/// Page size when `first` is not given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// Validates `first`: 0..=100, 20 when absent.
pub fn page_size(first: Option<i32>) -> AppResult<u64> {
    match first {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if n < 0 => Err(AppError::bad_input("first", "first must not be negative")),
        Some(n) if n as u64 > MAX_PAGE_SIZE => Err(AppError::bad_input(
            "first",
            format!("first must be at most {MAX_PAGE_SIZE}"),
        )),
        Some(n) => Ok(n as u64),
    }
}

/// Position of a row in one ordering.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cursor {
    /// Name of the ordering the cursor belongs to.
    pub o: String,
    /// Sort key of the row, as text.
    pub k: String,
    /// Row id, the tie-break.
    pub i: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        // Serialising a struct of strings and an integer cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Decodes `after`, which must come from the same ordering.
    pub fn decode(raw: &str, ordering: &str) -> AppResult<Self> {
        let invalid = || AppError::bad_input("after", "after is not a cursor of this list");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        if cursor.o != ordering {
            return Err(AppError::bad_input(
                "after",
                "after belongs to another ordering; start again without it",
            ));
        }
        Ok(cursor)
    }
}

/// A page of rows from a service, each with its cursor.
pub struct Page<T> {
    pub items: Vec<(String, T)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows.
    pub fn from_rows(mut rows: Vec<T>, limit: u64, after_given: bool, cursor: impl Fn(&T) -> Cursor) -> Self {
        let has_next_page = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        Page {
            items: rows.into_iter().map(|r| (cursor(&r).encode(), r)).collect(),
            has_next_page,
            has_previous_page: after_given,
        }
    }

    pub fn map<U>(self, f: impl Fn(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
        }
    }
}

/// A deferred `COUNT(*)`, run only when a client asks for `totalCount`.
pub type CountFn = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = AppResult<u64>> + Send>> + Send + Sync>;

/// Relay page information.
#[derive(async_graphql::SimpleObject, Clone)]
pub struct PageInfo {
    /// Whether more rows follow this page.
    pub has_next_page: bool,
    /// Whether rows precede this page (true when `after` was given).
    pub has_previous_page: bool,
    /// Cursor of the first row of this page.
    pub start_cursor: Option<String>,
    /// Cursor of the last row of this page; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// Defines a Relay connection and edge type for a node type.
#[macro_export]
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, " (Relay connection).")]
        pub struct $conn {
            pub page: $crate::pagination::Page<$node>,
            pub count: $crate::pagination::CountFn,
        }

        #[doc = concat!("One of ", $what, " with its cursor.")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Opaque cursor of this row; pass it as `after` to continue after it.
            pub cursor: String,
            /// The row.
            pub node: $node,
        }

        #[doc = concat!("A page of ", $what, " (Relay connection).")]
        #[async_graphql::Object]
        impl $conn {
            /// The rows of this page with their cursors.
            async fn edges(&self) -> Vec<$edge> {
                self.page
                    .items
                    .iter()
                    .map(|(cursor, node)| $edge {
                        cursor: cursor.clone(),
                        node: node.clone(),
                    })
                    .collect()
            }

            /// The rows of this page.
            async fn nodes(&self) -> Vec<$node> {
                self.page.items.iter().map(|(_, n)| n.clone()).collect()
            }

            /// Paging information.
            async fn page_info(&self) -> $crate::pagination::PageInfo {
                $crate::pagination::PageInfo {
                    has_next_page: self.page.has_next_page,
                    has_previous_page: self.page.has_previous_page,
                    start_cursor: self.page.items.first().map(|(c, _)| c.clone()),
                    end_cursor: self.page.items.last().map(|(c, _)| c.clone()),
                }
            }

            /// Number of rows matching the filter, over all pages (counted only when asked).
            async fn total_count(&self) -> async_graphql::Result<u64> {
                Ok((self.count)().await?)
            }
        }
    };
}
