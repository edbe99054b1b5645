//! Log-in, first-run set-up and the organiser's dashboard.

use super::*;

/// Organiser log-in form (POST `/organiser/login`, fields `email`, `password`).
pub struct LoginPage {
    pub email: String,
    pub error: Option<String>,
}

/// First-run page: create the first organiser account
/// (POST `/setup`, fields `token`, `name`, `email`, `password`, `password_again`).
pub struct SetupPage {
    pub token: String,
    pub name: String,
    pub email: String,
    pub error: Option<String>,
}

/// One line of the organiser's event list.
pub struct EventSummary {
    pub title: String,
    pub place: String,
    pub date: String,
    pub open: bool,
    /// The organiser's page for this event.
    pub url: String,
}

/// The organiser's home: their events and a "new event" link (`/organiser/events/new`).
/// Log-out is a POST form to `/organiser/logout`.
pub struct DashboardPage {
    pub organiser_name: String,
    pub events: Vec<EventSummary>,
    /// "The event was deleted." and the like, after an action that came back here.
    pub notice: Option<String>,
}

/// Change password (POST `/organiser/password`, fields `current`, `password`,
/// `password_again`).
pub struct PasswordPage {
    pub error: Option<String>,
}

/// Renders the change-password page.
pub fn password_page(page: &PasswordPage) -> Markup {
    let content = html! {
        main #main .narrow {
            p.back { a href="/organiser" { "\u{2190} Your events" } }
            h1 { "Change your password" }
            p { "Every other device logged in as you is logged out when it changes." }
            (alert(page.error.as_ref()))
            form #password-form .stack method="post" action="/organiser/password" {
                div.field {
                    label for="current" { "Your current password" }
                    input #current type="password" name="current" autocomplete="current-password" required;
                }
                div.field {
                    label for="password" { "New password" }
                    p.hint #password-hint { "At least 10 characters. A few unrelated words work well." }
                    input #password type="password" name="password" minlength="10"
                        autocomplete="new-password" aria-describedby="password-hint" required;
                }
                div.field {
                    label for="password_again" { "New password again" }
                    input #password_again type="password" name="password_again" minlength="10"
                        autocomplete="new-password" required;
                }
                div.actions {
                    button #password-save .button.primary type="submit" { "Change the password" }
                    a href="/organiser" { "Cancel" }
                }
            }
        }
    };
    staff_doc(
        "Change your password",
        "page-setup",
        Chrome::Organiser,
        &[],
        content,
    )
}

/// Renders the log-in page.
pub fn login_page(page: &LoginPage) -> Markup {
    let content = html! {
        main #main .narrow {
            h1 { "Organiser log-in" }
            (alert(page.error.as_ref()))
            form.stack method="post" action="/organiser/login" {
                div.field {
                    label for="email" { "Email" }
                    input #email type="email" name="email" value=(page.email)
                        autocomplete="username" required autofocus[page.email.is_empty()];
                }
                div.field {
                    label for="password" { "Password" }
                    input #password type="password" name="password"
                        autocomplete="current-password" required autofocus[!page.email.is_empty()];
                }
                div.actions {
                    button.button.primary type="submit" { "Log in" }
                }
            }
            p.muted {
                "Facilitators don't need to log in: use the console link the organiser gave you."
            }
        }
    };
    staff_doc("Log in", "page-login", Chrome::Plain, &[], content)
}

/// Renders the first-run set-up page.
pub fn setup_page(page: &SetupPage) -> Markup {
    let content = html! {
        main #main .narrow {
            h1 { "Create the organiser account" }
            p {
                "This is the first time Roundtable has been started. Make the account you will use \
                 to set up events. You can add other organisers later."
            }
            (alert(page.error.as_ref()))
            form.stack method="post" action="/setup" {
                input type="hidden" name="token" value=(page.token);
                div.field {
                    label for="name" { "Your name" }
                    input #name type="text" name="name" value=(page.name) autocomplete="name"
                        required maxlength="100";
                }
                div.field {
                    label for="email" { "Email" }
                    input #email type="email" name="email" value=(page.email)
                        autocomplete="username" required;
                }
                div.field {
                    label for="password" { "Password" }
                    p.hint #password-hint { "At least 10 characters. A few unrelated words work well." }
                    input #password type="password" name="password" minlength="10"
                        autocomplete="new-password" aria-describedby="password-hint" required;
                }
                div.field {
                    label for="password_again" { "Password again" }
                    input #password_again type="password" name="password_again" minlength="10"
                        autocomplete="new-password" required;
                }
                div.actions {
                    button.button.primary type="submit" { "Create the account" }
                }
            }
        }
    };
    staff_doc(
        "Create the organiser account",
        "page-setup",
        Chrome::Plain,
        &[],
        content,
    )
}

/// Renders the organiser's event list.
pub fn dashboard_page(page: &DashboardPage) -> Markup {
    let content = html! {
        main #main {
            div.title-row {
                h1 { "Your events" }
                a.button.primary.new-event href="/organiser/events/new" { "New event" }
                " "
                a.button #link-import href="/organiser/import" { "Import an event" }
                " "
                a.button #link-campaigns href="/organiser/campaigns" { "Campaigns" }
            }
            @if let Some(notice) = &page.notice {
                div.notice role="status" { p { (notice) } }
            }
            p.muted {
                "Signed in as " bdi { (page.organiser_name) } ". "
                a #link-password href="/organiser/password" { "Change your password" }
                " · "
                a #link-api href="/organiser/api" { "API and webhooks" }
            }
            @if page.events.is_empty() {
                div.empty-state {
                    p { "You have no events yet." }
                    p {
                        "Make your first one with " a href="/organiser/events/new" { "New event" }
                        ": give it a title, list the tables and their themes, and write the \
                         questions for each round."
                    }
                }
            } @else {
                ul.event-list {
                    @for event in &page.events {
                        li.event-item {
                            div.event-main {
                                h2.event-title {
                                    a href=(event.url) { bdi { (event.title) } }
                                }
                                p.event-when { (place_and_date(&event.place, &event.date)) }
                            }
                            div.event-side {
                                @if event.open {
                                    span.pill.pill-open { "Open" }
                                } @else {
                                    span.pill.pill-closed { "Closed" }
                                }
                                a.button href=(event.url) {
                                    "View" span.visually-hidden { " " bdi { (event.title) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    staff_doc(
        "Your events",
        "page-dashboard",
        Chrome::Organiser,
        &[],
        content,
    )
}
