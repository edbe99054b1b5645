//! The projected wall.

use super::*;

/// The projected wall. Content comes from the websocket `snapshot`.
pub struct WallPage {
    pub event_title: String,
    pub code: String,
    pub landing_url: String,
    /// QR of the landing link with the code filled in.
    pub qr_svg_url: String,
    pub ws_path: String,
}

/// Renders the wall.
pub fn wall_page(page: &WallPage) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { "Wall: " (page.event_title) " · Roundtable" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(wall_css_path());
                script src=(wall_js_path()) defer {}
            }
            body.wall-body {
                main #main .wall data-ws=(page.ws_path) data-code=(page.code) {
                    header.wall-head {
                        div.wall-titles {
                            h1 #wall-title { bdi { (page.event_title) } }
                            div #wall-agenda .wall-agenda hidden {
                                p.wall-agenda-text {
                                    span #wall-agenda-title .wall-agenda-title {}
                                    span #wall-agenda-speaker .wall-agenda-speaker {}
                                }
                                p #wall-countdown .wall-countdown data-state="" {}
                            }
                            div #wall-round .wall-round hidden {
                                p #wall-round-label .wall-round-label {}
                                p #wall-prompt .wall-prompt {}
                            }
                        }
                        aside.wall-join aria-label="How to join" {
                            img.wall-qr src=(page.qr_svg_url) alt="QR code to join from your phone"
                                width="400" height="400";
                            div.wall-join-text {
                                p.wall-join-lead { "Join from your phone" }
                                p.wall-landing { (page.landing_url) }
                                p.wall-join-and { "and type" }
                                p.wall-code { (page.code) }
                                p #wall-closed .wall-closed hidden { "Posting is closed for now" }
                            }
                        }
                    }
                    div #wall-announcement .wall-announcement role="status" hidden {
                        p #wall-announcement-text .wall-announcement-text {}
                    }
                    p #wall-empty .wall-empty {
                        "The best points from the tables will appear here."
                    }
                    section #wall-comments .wall-comments aria-label="Comments on the wall" {}
                    p #wall-more .wall-more hidden {}
                    p #wall-conn .wall-conn role="status" data-state="connecting" {
                        span.wall-conn-text { "Connecting…" }
                    }
                }
            }
        }
    }
}
