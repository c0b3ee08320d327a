//! Who the caller is, as far as the resolvers need to know.

/// The caller of a request, put into each request's data.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    /// Whether the caller may read personal data (identity numbers, phones, addresses)
    /// unmasked. False unless an authenticated role grants it.
    pub personal_data: bool,
}
