//! Which directory an admin acts on: their own pool's, only. Another
//! pool's users are not in it, so naming one is a 404, as for a user that
//! does not exist.

use std::sync::Arc;

use super::UserDirectory;

/// The user directory of each pool, by the pool's index.
pub struct PoolDirectories {
    by_pool: Vec<Arc<dyn UserDirectory>>,
}

impl PoolDirectories {
    /// The directories, in pool order.
    pub fn new(by_pool: Vec<Arc<dyn UserDirectory>>) -> Self {
        PoolDirectories { by_pool }
    }

    /// The directory of the pool at `index`; `None` only for a pool the
    /// server does not serve (our bug, answered as a directory not
    /// configured).
    pub fn of(&self, index: usize) -> Option<&dyn UserDirectory> {
        self.by_pool.get(index).map(|d| &**d)
    }
}
