//! Relay connections with keyset cursors, shared by every list field.
//!
//! A cursor is the opaque base64 of the ordering name, the sort key of the row and its id,
//! so the next page is `WHERE (key, id) > (cursor.key, cursor.id)`: a deep page costs what
//! the first page costs. Pages run both ways, as Relay clients expect: `first`/`after`
//! forward, `last`/`before` backward (the scan runs in the opposite direction and the rows
//! are turned back), on the same cursors.
//!
//! A page of parents each with a page of children (`courts { cases(first: 20) }`) is one
//! statement per batch of parents, not one per parent: `per_parent` takes each parent's page
//! through a LATERAL subquery on PostgreSQL (a window function on SQLite), and
//! `NestedPagesLoader` / `NestedCountsLoader` batch the parents of one request; a relation
//! declares itself by implementing `NestedPages`.

use async_graphql::dataloader::Loader;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::Condition;
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, IntoIden, JoinType, OverStatement, Query, SelectStatement,
    WindowStatement,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::Arc;

use crate::error::{AppError, AppResult};

/// Sort direction of every ordered list (`<Type>OrderBy.direction`).
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum OrderDirection {
    /// Ascending.
    #[default]
    Asc,
    /// Descending.
    Desc,
}

impl OrderDirection {
    pub fn order(self) -> sea_orm::Order {
        match self {
            OrderDirection::Asc => sea_orm::Order::Asc,
            OrderDirection::Desc => sea_orm::Order::Desc,
        }
    }
}

/// Page size when `first` is not given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// Cost of a list field: its page size times the cost of one row.
pub fn list_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let n = first.map_or(DEFAULT_PAGE_SIZE as usize, |n| std::cmp::max(n, 0) as usize);
    std::cmp::max(n, 1).saturating_mul(std::cmp::max(child_complexity, 1))
}

/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// Validates the page size argument `field`: 0..=100, 20 when absent.
fn size_of(field: &str, n: Option<i32>) -> AppResult<u64> {
    match n {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if n < 0 => Err(AppError::bad_input(
            field,
            format!("{field} must not be negative"),
        )),
        Some(n) if n as u64 > MAX_PAGE_SIZE => Err(AppError::bad_input(
            field,
            format!("{field} must be at most {MAX_PAGE_SIZE}"),
        )),
        Some(n) => Ok(n as u64),
    }
}

/// The paging arguments of a connection field, as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    /// The four arguments of a connection field, as the resolver received them.
    pub fn new(first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Self {
        PageArgs {
            first,
            after,
            last,
            before,
        }
    }
}

/// A validated page request in one ordering: how many rows, from which cursor, which way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub limit: u64,
    pub cursor: Option<Cursor>,
    /// `last`/`before`: the rows just before the cursor (or the last rows), in order.
    pub backward: bool,
    ordering: String,
}

impl PageRequest {
    /// Validates the arguments against the ordering named `ordering`: `first`/`after` and
    /// `last`/`before` do not mix; each size is 0..=100 (20 when absent).
    pub fn new(args: &PageArgs, ordering: &str) -> AppResult<Self> {
        let backward = args.last.is_some() || args.before.is_some();
        if backward && (args.first.is_some() || args.after.is_some()) {
            return Err(AppError::bad_input(
                "last",
                "page forward with first/after or backward with last/before, not both",
            ));
        }
        let (limit, raw, field) = if backward {
            (size_of("last", args.last)?, args.before.as_deref(), "before")
        } else {
            (size_of("first", args.first)?, args.after.as_deref(), "after")
        };
        let cursor = raw.map(|r| Cursor::decode_as(r, ordering, field)).transpose()?;
        Ok(PageRequest {
            limit,
            cursor,
            backward,
            ordering: ordering.to_owned(),
        })
    }

    /// Whether the statement scans ascending: the ordering's direction, reversed backward.
    pub fn scans_ascending(&self, ascending: bool) -> bool {
        ascending != self.backward
    }

    /// The direction of the statement's ORDER BY.
    pub fn scan_order(&self, ascending: bool) -> sea_orm::Order {
        if self.scans_ascending(ascending) {
            sea_orm::Order::Asc
        } else {
            sea_orm::Order::Desc
        }
    }

    /// The keyset condition: rows beyond the cursor in the scan direction, ordered by `key`
    /// (the cursor's `k`, turned into a value by `value`) then `id`. None without a cursor.
    pub fn seek(
        &self,
        key: Expr,
        value: impl Fn(&str) -> AppResult<Expr>,
        id: Expr,
        ascending: bool,
    ) -> AppResult<Option<Condition>> {
        let Some(c) = &self.cursor else { return Ok(None) };
        let k = value(&c.k)?;
        // A row-value comparison, `(key, id) > (k, i)`: the database starts the index range
        // (key, id) right at the cursor. The equivalent `key > k OR (key = k AND id > i)`
        // walks the index from the list's start and filters, so page n costs n pages.
        let (row, at) = (Expr::tuple([key, id]), Expr::tuple([k, Expr::value(c.i)]));
        let beyond = if self.scans_ascending(ascending) {
            row.gt(at)
        } else {
            row.lt(at)
        };
        Ok(Some(Condition::all().add(beyond)))
    }

    /// The keyset condition for an ordering by a unique key alone (an id, a code): rows
    /// beyond the cursor's key (`value` reads it from the cursor). None without a cursor.
    pub fn seek_unique(
        &self,
        key: Expr,
        value: impl Fn(&Cursor) -> Expr,
        ascending: bool,
    ) -> Option<Condition> {
        let c = self.cursor.as_ref()?;
        let beyond = if self.scans_ascending(ascending) {
            key.gt(value(c))
        } else {
            key.lt(value(c))
        };
        Some(Condition::all().add(beyond))
    }

    /// Rows to fetch: one more than the page, to know whether more follow.
    pub fn fetch(&self) -> u64 {
        self.limit + 1
    }

    /// The page from the `fetch()` rows a statement returned in scan order.
    pub fn page<T>(&self, mut rows: Vec<T>, cursor: impl Fn(&T) -> (String, i64)) -> Page<T> {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        if self.backward {
            rows.reverse();
        }
        let (has_next_page, has_previous_page) = if self.backward {
            (self.cursor.is_some(), more)
        } else {
            (more, self.cursor.is_some())
        };
        Page {
            items: rows
                .into_iter()
                .map(|r| {
                    let (k, i) = cursor(&r);
                    let c = Cursor {
                        o: self.ordering.clone(),
                        k,
                        i,
                    };
                    (c.encode(), r)
                })
                .collect(),
            has_next_page,
            has_previous_page,
        }
    }
}

/// The type of a sort key, to read it back from a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Text,
    Int,
    Date,
}

impl KeyKind {
    fn value(self, text: &str) -> Option<Expr> {
        Some(match self {
            KeyKind::Text => Expr::val(text.to_owned()),
            KeyKind::Int => Expr::val(text.parse::<i64>().ok()?),
            KeyKind::Date => Expr::val(text.parse::<chrono::NaiveDate>().ok()?),
        })
    }
}

/// An ordering of a list by one sort key then id: its name (cursors carry it), the key as
/// SQL and as text read from a row, and the direction.
pub struct Ordering<M> {
    pub name: &'static str,
    pub key: Expr,
    pub kind: KeyKind,
    pub text: fn(&M) -> String,
    pub ascending: bool,
}

/// A page of `query` in `order`, ties broken by `id` (`id_of` reads it from a row): the
/// keyset condition, scan direction, limit and page of every list, in one call.
pub async fn keyset<E: sea_orm::EntityTrait>(
    db: &impl sea_orm::ConnectionTrait,
    query: sea_orm::Select<E>,
    id: Expr,
    id_of: fn(&E::Model) -> i64,
    order: Ordering<E::Model>,
    args: &PageArgs,
) -> AppResult<Page<E::Model>> {
    use sea_orm::{QueryFilter, QueryOrder, QuerySelect};
    let direction = if order.ascending { "asc" } else { "desc" };
    let req = PageRequest::new(args, &format!("{}:{direction}", order.name))?;
    let field = if req.backward { "before" } else { "after" };
    let kind = order.kind;
    let seek = req.seek(
        order.key.clone(),
        |k| {
            kind.value(k)
                .ok_or_else(|| AppError::bad_input(field, format!("{field} is not a cursor of this list")))
        },
        id.clone(),
        order.ascending,
    )?;
    let query = match seek {
        Some(c) => query.filter(c),
        None => query,
    };
    let scan = req.scan_order(order.ascending);
    let rows = query
        .order_by(order.key, scan.clone())
        .order_by(id, scan)
        .limit(req.fetch())
        .all(db)
        .await?;
    Ok(req.page(rows, |m| ((order.text)(m), id_of(m))))
}

/// The pages of children of a batch of parents in one statement. `child` selects the child
/// rows that match the filter (without the parent condition); `child_fk` is the children's
/// column naming their parent, `parent_table`/`parent_key` the parents' table and key.
///
/// On PostgreSQL each parent takes its page through a `LATERAL` subquery (`ORDER BY ...
/// LIMIT n` per parent, an index range scan each); on SQLite, which has no LATERAL, the
/// children are numbered with `ROW_NUMBER() OVER (PARTITION BY parent ORDER BY ...)` and cut
/// at n. Rows come grouped by parent in no particular order across groups: the caller groups
/// them and puts each group in its ordering.
#[allow(clippy::too_many_arguments)]
pub fn per_parent(
    backend: sea_orm::DbBackend,
    parents: &[i64],
    parent_table: impl IntoIden,
    parent_key: impl IntoIden + Clone,
    child_fk: Expr,
    mut child: SelectStatement,
    order: Vec<(Expr, sea_orm::Order)>,
    limit: u64,
) -> SelectStatement {
    let parent = Alias::new("parent");
    let rows = Alias::new("page_rows");
    if backend == sea_orm::DbBackend::Postgres {
        child.and_where(child_fk.equals((parent.clone(), parent_key.clone())));
        for (expr, dir) in order {
            child.order_by_expr(expr, dir);
        }
        child.limit(limit);
        return Query::select()
            .column((rows.clone(), Asterisk))
            .from_as(parent_table, parent.clone())
            .join_lateral(JoinType::InnerJoin, child, rows, Expr::val(true))
            .and_where(Expr::col((parent, parent_key)).is_in(parents.iter().copied()))
            .to_owned();
    }
    child.and_where(child_fk.clone().is_in(parents.iter().copied()));
    let mut window = WindowStatement::new();
    OverStatement::add_partition_by(&mut window, child_fk);
    for (expr, dir) in order {
        window.order_by_expr(expr, dir);
    }
    child.expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new(PAGE_ROW));
    Query::select()
        .column(Asterisk)
        .from_subquery(child, rows.clone())
        .and_where(Expr::col((rows, Alias::new(PAGE_ROW))).lte(limit as i64))
        .to_owned()
}

/// Name of the row-number column `per_parent` adds.
const PAGE_ROW: &str = "page_row";

/// A relation whose rows come in pages under each parent (`Court.cases`): one statement
/// for the pages of a batch of parents, one for their counts.
pub trait NestedPages: Send + Sync + 'static {
    /// Everything a page depends on besides the parent (filter, ordering, page request).
    type Args: Clone + Eq + Hash + Send + Sync + 'static;
    type Row: Clone + Send + Sync + 'static;
    /// The page of each parent, in one statement.
    fn pages(
        &self,
        parents: &[i64],
        args: &Self::Args,
    ) -> impl Future<Output = AppResult<HashMap<i64, Page<Self::Row>>>> + Send;
    /// The number of rows under each parent (the page request ignored), in one statement.
    fn counts(
        &self,
        parents: &[i64],
        args: &Self::Args,
    ) -> impl Future<Output = AppResult<HashMap<i64, u64>>> + Send;
}

/// Answers a batch of (parent, args) keys with one `fetch` per distinct set of arguments
/// (usually one), whatever the number of parents; `pick` takes each parent's value out.
async fn per_args<A, M, V, Fut>(
    keys: &[(i64, A)],
    fetch: impl Fn(Vec<i64>, A) -> Fut,
    pick: impl Fn(&mut M, i64) -> V,
) -> Result<HashMap<(i64, A), V>, async_graphql::Error>
where
    A: Clone + Eq + Hash,
    Fut: Future<Output = AppResult<M>>,
{
    let mut groups: HashMap<A, Vec<i64>> = HashMap::new();
    for (parent, args) in keys {
        groups.entry(args.clone()).or_default().push(*parent);
    }
    let mut out = HashMap::new();
    for (args, parents) in groups {
        let mut fetched = fetch(parents.clone(), args.clone()).await?;
        for parent in parents {
            out.insert((parent, args.clone()), pick(&mut fetched, parent));
        }
    }
    Ok(out)
}

/// Loads the pages of a `NestedPages` relation in one statement per batch.
pub struct NestedPagesLoader<N>(pub N);

impl<N: NestedPages> Loader<(i64, N::Args)> for NestedPagesLoader<N> {
    type Value = Page<N::Row>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(i64, N::Args)],
    ) -> Result<HashMap<(i64, N::Args), Self::Value>, Self::Error> {
        per_args(
            keys,
            |parents, args| async move { self.0.pages(&parents, &args).await },
            |pages: &mut HashMap<i64, Page<N::Row>>, parent| {
                pages.remove(&parent).unwrap_or_else(Page::empty)
            },
        )
        .await
    }
}

/// Loads the counts of a `NestedPages` relation in one statement per batch.
pub struct NestedCountsLoader<N>(pub N);

impl<N: NestedPages> Loader<(i64, N::Args)> for NestedCountsLoader<N> {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(i64, N::Args)],
    ) -> Result<HashMap<(i64, N::Args), Self::Value>, Self::Error> {
        per_args(
            keys,
            |parents, args| async move { self.0.counts(&parents, &args).await },
            |counts: &mut HashMap<i64, u64>, parent| counts.get(&parent).copied().unwrap_or(0),
        )
        .await
    }
}

/// Position of a row in one ordering.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash)]
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

    /// Decodes the cursor argument `field` (`after` or `before`) of the same ordering.
    pub fn decode_as(raw: &str, ordering: &str, field: &str) -> AppResult<Self> {
        let invalid = || AppError::bad_input(field, format!("{field} is not a cursor of this list"));
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        if cursor.o != ordering {
            return Err(AppError::bad_input(
                field,
                format!("{field} belongs to another ordering; start again without it"),
            ));
        }
        Ok(cursor)
    }
}

/// A page of rows from a service, each with its cursor.
#[derive(Clone)]
pub struct Page<T> {
    pub items: Vec<(String, T)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

impl<T> Page<T> {
    /// No rows.
    pub fn empty() -> Self {
        Page {
            items: Vec::new(),
            has_next_page: false,
            has_previous_page: false,
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

/// A connection's `totalCount`: counted only when asked, and, when it has a key, kept in the
/// result cache (`cache.rs`) until the data changes, since counting a large filter reads every
/// matching row while the page beside it reads only its own.
#[derive(Clone)]
pub struct Count {
    key: Option<String>,
    run: CountFn,
}

impl Count {
    /// A count cached under `key`, which must name the list and its filter with the caller's
    /// scope; only for lists whose every write moves the data version (the change log).
    pub fn keyed<F>(key: String, run: F) -> Self
    where
        F: Fn() -> Pin<Box<dyn Future<Output = AppResult<u64>> + Send>> + Send + Sync + 'static,
    {
        Count {
            key: Some(key),
            run: Arc::new(run),
        }
    }

    /// A count never cached (lists written outside the change log, counts a DataLoader batches).
    pub fn uncached<F>(run: F) -> Self
    where
        F: Fn() -> Pin<Box<dyn Future<Output = AppResult<u64>> + Send>> + Send + Sync + 'static,
    {
        Count {
            key: None,
            run: Arc::new(run),
        }
    }

    /// The count, from the cache when it is current.
    pub async fn get(&self, ctx: &async_graphql::Context<'_>) -> AppResult<u64> {
        match &self.key {
            Some(key) => crate::cache::cached(ctx, key.clone(), || (self.run)()).await,
            None => (self.run)().await,
        }
    }
}

/// Relay page information.
#[derive(async_graphql::SimpleObject, Clone)]
pub struct PageInfo {
    /// Whether more rows follow this page (backward: true when `before` was given).
    pub has_next_page: bool,
    /// Whether rows precede this page (forward: true when `after` was given; backward:
    /// whether rows precede the ones returned).
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
            pub count: $crate::pagination::Count,
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
            async fn total_count(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<u64> {
                Ok(self.count.get(ctx).await?)
            }
        }
    };
}
