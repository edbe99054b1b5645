//! The organiser's privacy page: the notice phones show, how long contact details and
//! comments are kept, the subject-access export, and deleting the whole event.

use super::*;

/// One organiser of an event, on the privacy page.
pub struct OrganiserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// The event's owner (can't be taken off).
    pub owner: bool,
}

/// The organiser's privacy page.
pub struct PrivacySettingsPage {
    /// Who phones say runs the event.
    pub run_by: String,
    /// Who may open and run the event; POST `email` to add, `organiser_id` to remove.
    pub organisers: Vec<OrganiserRow>,
    pub add_organiser_url: String,
    pub remove_organiser_url: String,
    /// What was typed in the add form, and why it was refused.
    pub organiser_email: String,
    pub organiser_error: Option<String>,
    pub event_title: String,
    pub action_url: String,
    pub back_url: String,
    /// GET: everything held about the event, as JSON.
    pub export_url: String,
    /// POST (field `confirm` = "delete"): deletes the event.
    pub delete_url: String,
    /// The notice as phones see it (the first table's), if there is a table.
    pub phone_url: Option<String>,
    /// As stored, or as typed after an error.
    pub notice: String,
    /// The one other site that may show the wall in its page (an origin), or empty.
    pub wall_frame: String,
    pub contact_days: String,
    /// `keep`, `anonymise` or `delete`.
    pub comments_after: String,
    pub comment_days: String,
    /// "Contact details … will be deleted on 2027-03-05." (or were, or are due).
    pub contacts_status: String,
    /// What happens to the comments, as a sentence.
    pub comments_status: String,
    pub error: Option<String>,
    /// The delete form's own error.
    pub delete_error: Option<String>,
    pub saved: Option<String>,
}

/// Renders the organiser's privacy page.
pub fn privacy_settings_page(page: &PrivacySettingsPage) -> Markup {
    let after = page.comments_after.as_str();
    let content = html! {
        main #main {
            p.back { a #privacy-back href=(page.back_url) { "\u{2190} Back to the event" } }
            h1 { "Privacy: " bdi { (page.event_title) } }
            (alert(page.error.as_ref()))
            @if let Some(notice) = &page.saved {
                div.notice role="status" { p { (notice) } }
            }
            section #retention-status aria-labelledby="retention-h" {
                h2 #retention-h { "What happens next" }
                ul {
                    li #contacts-when { (page.contacts_status) }
                    li #comments-when { (page.comments_status) }
                }
                p.hint {
                    "Days count from the end of the event\u{2019}s date (or from when it was \
                     stored, if later). A check runs every hour."
                }
            }
            form #privacy-form .stack method="post" action=(page.action_url) {
                fieldset {
                    legend { "The notice on the phones" }
                    div.field {
                        label for="notice" { "Your words (optional)" }
                        p.hint #notice-hint {
                            "Phones link to a plain-words notice from every table page: who runs \
                             the event, who sees what people write, where it goes and how long it \
                             is kept. Add what else people should know: who to contact, your \
                             lawful basis. Leave a blank line between paragraphs. Phones say the \
                             event is run by \u{201c}"
                            bdi #run-by { (page.run_by) }
                            "\u{201d}: the name in \u{201c}Who will get in touch\u{201d} on the \
                             Phones page, else your account\u{2019}s name."
                            @if let Some(url) = &page.phone_url {
                                " " a #phone-notice href=(url) { "See it as phones do" } "."
                            }
                        }
                        textarea #notice name="notice" rows="6" maxlength="4000"
                            aria-describedby="notice-hint" { (page.notice) }
                    }
                }
                fieldset {
                    legend { "How long things are kept" }
                    div.field {
                        label for="contact_days" {
                            "Delete contact details and \u{201c}about you\u{201d} answers after (days)"
                        }
                        input #contact_days name="contact_days" type="number" min="0" max="3650"
                            inputmode="numeric" required value=(page.contact_days);
                    }
                    div.field {
                        label for="comments_after" { "Then the comments" }
                        select #comments_after name="comments_after" {
                            option value="keep" selected[after == "keep"] { "Keep them until I delete the event" }
                            option value="anonymise" selected[after == "anonymise"] {
                                "Remove names and device keys, keep the words for reports"
                            }
                            option value="delete" selected[after == "delete"] { "Delete the whole event" }
                        }
                    }
                    div.field {
                        label for="comment_days" { "\u{2026} after (days; not used when kept)" }
                        input #comment_days name="comment_days" type="number" min="0" max="3650"
                            inputmode="numeric" required value=(page.comment_days);
                    }
                }
                fieldset {
                    legend { "The wall inside another site" }
                    div.field {
                        label for="wall_frame" { "Site allowed to show the wall in its own page (optional)" }
                        p.hint #wall-frame-hint {
                            "For a live stream or a screen system that embeds the wall, for \
                             example https://stream.example.org. Left empty, no other site can \
                             show it, which stops it being dressed up in someone else\u{2019}s page."
                        }
                        input #wall_frame name="wall_frame" type="url" value=(page.wall_frame)
                            aria-describedby="wall-frame-hint";
                    }
                }
                div.actions {
                    button #privacy-save .button.primary type="submit" { "Save" }
                    a href=(page.back_url) { "Cancel" }
                }
            }
            section #organisers aria-labelledby="organisers-h" {
                h2 #organisers-h { "Who can open this event" }
                p.hint {
                    "Organisers listed here see everything in the event, contact details \
                     included, and can change and delete it."
                }
                @if page.organisers.is_empty() {
                    p #organisers-all {
                        "This event was made on the command line, so every organiser of this \
                         installation can open it."
                    }
                } @else {
                    ul #organiser-list {
                        @for o in &page.organisers {
                            li {
                                bdi { (o.name) } " (" bdi { (o.email) } ")"
                                @if o.owner {
                                    " \u{2014} owner"
                                } @else {
                                    form.inline-form method="post" action=(page.remove_organiser_url) {
                                        input type="hidden" name="organiser_id" value=(o.id);
                                        " "
                                        button.button type="submit" aria-label={ "Take " (o.name) " off this event" } { "Take off" }
                                    }
                                }
                            }
                        }
                    }
                    (alert(page.organiser_error.as_ref()))
                    form #add-organiser .stack method="post" action=(page.add_organiser_url) {
                        div.field {
                            label for="organiser_email" { "Add an organiser by the email of their account" }
                            input #organiser_email name="email" type="email" autocomplete="off"
                                value=(page.organiser_email);
                        }
                        div.actions {
                            button #add-organiser-button .button type="submit" { "Add" }
                        }
                    }
                }
            }
            section #everything aria-labelledby="everything-h" {
                h2 #everything-h { "Everything held about this event" }
                p {
                    "For a subject access request: every comment with its device key, \
                     agreements, images, the activity log, pledges with contact details and \
                     consent, and \u{201c}about you\u{201d} answers, as one JSON file. "
                    a #export-link .button href=(page.export_url) { "Download everything (JSON)" }
                }
            }
            section #delete aria-labelledby="delete-h" {
                h2 #delete-h { "Delete this event" }
                (alert(page.delete_error.as_ref()))
                form #delete-form .stack method="post" action=(page.delete_url) {
                    div.field {
                        label for="confirm" { "Type delete to confirm" }
                        p.hint #confirm-hint {
                            "Deletes every comment, photo, pledge and contact detail, and \
                             closes the console, wall and phones. It can\u{2019}t be undone: \
                             download what you need first."
                        }
                        input #confirm name="confirm" type="text" autocomplete="off"
                            aria-describedby="confirm-hint";
                    }
                    div.actions {
                        button #delete-event .button.danger type="submit" { "Delete the event" }
                    }
                }
            }
        }
    };
    staff_doc(
        &format!("Privacy: {}", page.event_title),
        "page-settings",
        Chrome::Organiser,
        &[],
        content,
    )
}
