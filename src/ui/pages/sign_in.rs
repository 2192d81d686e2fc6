//! `/login` and `/setup/:secret`: plain HTML forms posted to the server (`POST /login`,
//! `POST /setup`), which answers with a redirect: signed in, or back here with `?error=`. They
//! work without JavaScript; nothing on them needs the wasm app.

use breakwater_domain::access::{MAX_NAME_CHARS, MIN_PASSWORD_CHARS};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// A query value of the page's URL (`""` when absent).
fn query_value(key: &'static str) -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || query.with(|q| q.get(key).unwrap_or_default()))
}

/// Why the server sent the person back, when it did.
#[component]
fn FormError() -> impl IntoView {
    let error = query_value("error");
    move || {
        let text = error.get();
        (!text.is_empty()).then(|| view! { <p class="error form-error" role="alert">{text}</p> })
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let next = query_value("next");
    view! {
        <Title text="Sign in"/>
        <section class="sign-in-page">
            <form class="sign-in-card" method="post" action="/login">
                <h1>"Sign in to Breakwater"</h1>
                <FormError/>
                // Where the server sends the person once signed in (only a path on this site).
                <input type="hidden" name="next" value=move || next.get()/>
                <label>"Name"
                    <input name="name" required autocomplete="username" autocapitalize="none"
                        spellcheck="false" maxlength=MAX_NAME_CHARS autofocus/>
                </label>
                <label>"Password"
                    <input type="password" name="password" required autocomplete="current-password"/>
                </label>
                <button type="submit" class="primary">"Sign in"</button>
                <p class="hint">"No account? An admin adds people with "
                    <code>"breakwater user add NAME --role ROLE"</code>"."</p>
            </form>
        </section>
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let params = use_params_map();
    let secret = move || params.with(|p| p.get("secret").unwrap_or_default());
    let password_hint = format!("At least {MIN_PASSWORD_CHARS} characters.");
    view! {
        <Title text="Create the first admin"/>
        <section class="sign-in-page">
            <form class="sign-in-card" method="post" action="/setup">
                <h1>"Create the first admin account"</h1>
                <p class="intro">
                    "Nobody has an account on this Breakwater yet. The account you create here is an "
                    <strong>"admin"</strong>
                    ": it can do everything, and adds the others (release managers, service owners, viewers). "
                    "This link works once; you are signed in when it is done."
                </p>
                <FormError/>
                <input type="hidden" name="secret" value=secret/>
                <label>"Name"
                    <input name="name" required autocomplete="username" autocapitalize="none"
                        spellcheck="false" maxlength=MAX_NAME_CHARS autofocus/>
                    <span class="hint">"Lowercase letters, digits and . _ - @, e.g. rita or rita@example.com."</span>
                </label>
                <label>"Password"
                    <input type="password" name="password" required minlength=MIN_PASSWORD_CHARS
                        autocomplete="new-password"/>
                    <span class="hint">{password_hint}</span>
                </label>
                <button type="submit" class="primary">"Create the admin and sign in"</button>
            </form>
        </section>
    }
}
