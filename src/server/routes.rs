//! Routes added one method at a time, so the app can list its own routes: the authorization
//! test walks that list, and a route added without a rule in the authorization table fails it.

use super::AppState;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{on, MethodFilter};
use axum::Router;

#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    listed: Vec<(Method, String)>,
}

macro_rules! method {
    ($name:ident, $method:ident) => {
        pub fn $name<H, T>(self, path: &str, handler: H) -> Routes
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.add(Method::$method, MethodFilter::$method, path, handler)
        }
    };
}

impl Routes {
    method!(get, GET);
    method!(post, POST);
    method!(put, PUT);
    method!(delete, DELETE);

    fn add<H, T>(mut self, method: Method, filter: MethodFilter, path: &str, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, on(filter, handler));
        self.listed.push((method, path.to_string()));
        self
    }

    /// What paths under these routes that match none of them answer (not a route: no rule).
    pub fn fallback<H, T>(mut self, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.fallback(handler);
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.listed.extend(other.listed);
        self
    }

    /// These routes under `prefix`.
    pub fn nest(self, prefix: &str, inner: Routes) -> Routes {
        let listed = inner
            .listed
            .into_iter()
            .map(|(method, path)| (method, format!("{prefix}{path}")));
        Routes {
            router: self.router.nest(prefix, inner.router),
            listed: self.listed.into_iter().chain(listed).collect(),
        }
    }

    /// Every route as (method, path pattern).
    pub fn listed(&self) -> &[(Method, String)] {
        &self.listed
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
