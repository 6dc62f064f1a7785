//! Cursor paging for lists: newest first by UUIDv7 id; the cursor is the last id of a page.

use crate::domain::ids;
use crate::error::{ApiError, Invalid};
use crate::http::Request;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 100;

pub struct Page {
    pub cursor: Option<String>,
    pub limit: i64,
}

impl Page {
    pub fn from_query(req: &Request) -> Result<Page, ApiError> {
        let cursor = match req.query_param("cursor").filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(ids::parse_uuid(&c).ok_or_else(|| {
                ApiError::Validation(vec![Invalid::new(
                    "invalid_cursor",
                    "Use the next_cursor of a previous page.",
                )
                .at("cursor")])
            })?),
        };
        let limit = match req.query_param("limit") {
            None => DEFAULT_LIMIT,
            Some(l) => l
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    ApiError::Validation(vec![Invalid::new(
                        "invalid_limit",
                        format!("limit is 1 to {MAX_LIMIT}."),
                    )
                    .at("limit")])
                })?,
        };
        Ok(Page { cursor, limit })
    }

    /// Ask the database for one row more than the page, to know whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }

    /// Trims the extra row and returns the next cursor, if there is a next page.
    pub fn finish<T>(&self, rows: &mut Vec<T>, id_of: impl Fn(&T) -> &str) -> Option<String> {
        if rows.len() as i64 > self.limit {
            rows.truncate(self.limit as usize);
            rows.last().map(|r| id_of(r).to_owned())
        } else {
            None
        }
    }
}
