//! Who may run admin actions (X3, docs/decisions.md "Admin actions"): a bearer token (`STATS_ADMIN_TOKEN`), or,
//! when enabled, the user and groups a trusted SSO proxy puts in request headers.
//!
//! The proxy's headers ride along with anything the user's browser sends, including a
//! request another site makes it send (a link, a form, an image). So they admit only requests
//! the browser marks as our own: `Sec-Fetch-Site` of `same-origin` or `none` (typed by the
//! user), or, from browsers without it, an `Origin` naming this host or no `Origin` at all.
//! A bearer token is never sent by a browser on its own, so it admits from anywhere.

use axum::http::HeaderMap;

/// How admins are recognised.
#[derive(Clone, Default)]
pub struct AdminAuth {
    /// The bearer token; `None` disables token authentication.
    pub token: Option<String>,
    /// Header-based authentication by the site's SSO proxy; `None` disables it.
    pub proxy: Option<ProxyAuth>,
}

impl std::fmt::Debug for AdminAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let token = if self.token.is_some() { "Some(<redacted>)" } else { "None" };
        f.debug_struct("AdminAuth").field("token", &format_args!("{token}")).field("proxy", &self.proxy).finish()
    }
}

/// Headers set by the SSO proxy (which must strip them from client requests).
#[derive(Debug, Clone)]
pub struct ProxyAuth {
    /// Header with the user name, e.g. `X-Forwarded-User`.
    pub user_header: String,
    /// Header with the groups, comma or space separated, e.g. `X-Forwarded-Groups`.
    pub groups_header: String,
    /// Group whose members are admins.
    pub admin_group: String,
}

/// Why an admin action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// No (valid) credentials: 401.
    Unauthenticated,
    /// Authenticated, not an admin: 403.
    Forbidden(String),
    /// Only proxy credentials, on a request the browser made for another site: 403.
    CrossSite,
}

/// Constant-time comparison, so the token cannot be guessed byte by byte from timings.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Someone signed in: the SSO proxy's user, or "token" for the admin bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The proxy's user name, or "token".
    pub name: String,
    /// A member of the admin group, or the token.
    pub admin: bool,
    /// The address the proxy's e-mail header gives, if any.
    pub email: Option<String>,
}

impl AdminAuth {
    /// The admin's name ("token" for the bearer token), or why not.
    pub fn check(&self, headers: &HeaderMap) -> Result<String, Denied> {
        let user = self.identify(headers, "")?;
        if user.admin {
            Ok(user.name)
        } else {
            Err(Denied::Forbidden(user.name))
        }
    }

    /// Who is signed in, admin or not; `email_header` names the proxy's e-mail header.
    pub fn identify(&self, headers: &HeaderMap, email_header: &str) -> Result<User, Denied> {
        if let (Some(token), Some(given)) = (self.token.as_deref().filter(|t| !t.is_empty()), bearer(headers)) {
            return if same(token.as_bytes(), given.as_bytes()) {
                Ok(User { name: "token".into(), admin: true, email: None })
            } else {
                Err(Denied::Unauthenticated)
            };
        }
        if let Some(proxy) = &self.proxy {
            if cross_site(headers) {
                return Err(Denied::CrossSite);
            }
            if let Some(name) = header(headers, &proxy.user_header).filter(|u| !u.is_empty()) {
                let groups = header(headers, &proxy.groups_header).unwrap_or_default();
                let admin = groups.split([',', ' ']).map(str::trim).any(|g| g == proxy.admin_group);
                let email = Some(email_header).filter(|h| !h.is_empty()).and_then(|h| header(headers, h));
                return Ok(User { name, admin, email: email.filter(|e| !e.is_empty()) });
            }
        }
        Err(Denied::Unauthenticated)
    }
}

/// Whether the browser says the request was made for another site (see the module doc).
fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = header(headers, "sec-fetch-site") {
        return !matches!(site.to_ascii_lowercase().as_str(), "same-origin" | "none");
    }
    let Some(origin) = header(headers, "origin") else { return false };
    let ours = header(headers, "x-forwarded-host").or_else(|| header(headers, "host"));
    let origin_host = origin.split_once("://").map(|(_, rest)| rest.trim_end_matches('/').to_ascii_lowercase());
    match (origin_host, ours) {
        (Some(o), Some(h)) => h.split(',').next().is_none_or(|h| h.trim().to_ascii_lowercase() != o),
        _ => true,
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = header(headers, "authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }

    fn token_and_proxy() -> AdminAuth {
        AdminAuth {
            token: Some("s3cret".into()),
            proxy: Some(ProxyAuth {
                user_header: "X-Forwarded-User".into(),
                groups_header: "X-Forwarded-Groups".into(),
                admin_group: "admins".into(),
            }),
        }
    }

    #[test]
    fn x3_token_and_proxy_groups() {
        let auth = token_and_proxy();
        assert_eq!(auth.check(&headers(&[("authorization", "Bearer s3cret")])), Ok("token".into()));
        assert_eq!(auth.check(&headers(&[("authorization", "Bearer nope")])), Err(Denied::Unauthenticated));
        assert_eq!(auth.check(&headers(&[])), Err(Denied::Unauthenticated));
        assert_eq!(
            auth.check(&headers(&[("x-forwarded-user", "ana"), ("x-forwarded-groups", "users, admins")])),
            Ok("ana".into())
        );
        assert_eq!(
            auth.check(&headers(&[("x-forwarded-user", "bob"), ("x-forwarded-groups", "users")])),
            Err(Denied::Forbidden("bob".into()))
        );
        let token_only = AdminAuth { token: Some("s3cret".into()), proxy: None };
        assert_eq!(
            token_only.check(&headers(&[("x-forwarded-user", "ana"), ("x-forwarded-groups", "admins")])),
            Err(Denied::Unauthenticated),
            "headers are not trusted unless enabled"
        );
        assert_eq!(AdminAuth::default().check(&headers(&[("authorization", "Bearer ")])), Err(Denied::Unauthenticated));
    }

    #[test]
    fn proxy_credentials_admit_only_requests_of_our_own_site() {
        let auth = token_and_proxy();
        let sso = [("x-forwarded-user", "ana"), ("x-forwarded-groups", "admins"), ("host", "stats.cern.ch")];
        let with = |extra: &[(&str, &str)]| auth.check(&headers(&[&sso[..], extra].concat()));
        assert_eq!(with(&[]), Ok("ana".into()), "a script or an old browser without Origin");
        assert_eq!(with(&[("sec-fetch-site", "same-origin")]), Ok("ana".into()));
        assert_eq!(with(&[("sec-fetch-site", "none")]), Ok("ana".into()), "typed into the address bar");
        assert_eq!(with(&[("sec-fetch-site", "cross-site")]), Err(Denied::CrossSite));
        assert_eq!(with(&[("sec-fetch-site", "same-site")]), Err(Denied::CrossSite), "another *.cern.ch site");
        assert_eq!(with(&[("origin", "https://stats.cern.ch")]), Ok("ana".into()));
        assert_eq!(with(&[("origin", "https://evil.example")]), Err(Denied::CrossSite));
        assert_eq!(with(&[("origin", "null")]), Err(Denied::CrossSite));
        assert_eq!(
            with(&[("sec-fetch-site", "cross-site"), ("authorization", "Bearer s3cret")]),
            Ok("token".into()),
            "the bearer token admits from anywhere"
        );
    }
}
