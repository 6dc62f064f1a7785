//! The portal's routes about applications and the product catalog (SPEC 3.3).

pub mod app_delete;
pub mod app_environment_get;
pub mod app_environment_key;
pub mod app_environment_update;
pub mod app_get;
pub mod app_products_add;
pub mod app_products_remove;
pub mod app_sandbox;
pub mod app_sandbox_rotate;
pub mod app_update;
pub mod apps_create;
pub mod apps_list;
pub mod products_list;
