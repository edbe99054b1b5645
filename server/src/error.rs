//! One error type for handlers. It renders itself as a page with a sentence for people;
//! internal causes are logged and never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::model::InputError;
use crate::storage::StorageError;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("invalid: {message}")]
    Invalid { status: StatusCode, message: String },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn not_found(msg: impl Into<String>) -> Self {
        AppError::NotFound(msg.into())
    }
    pub fn bad_request(msg: impl Into<String>) -> Self {
        AppError::Invalid {
            status: StatusCode::BAD_REQUEST,
            message: msg.into(),
        }
    }
    /// Status and sentence shown to the person.
    pub fn parts(&self) -> (StatusCode, String) {
        match self {
            AppError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
            AppError::Invalid { status, message } => (*status, message.clone()),
            AppError::Conflict(m) => (StatusCode::CONFLICT, m.clone()),
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Something went wrong on the server. Nothing you wrote was lost; please try again in a moment.".into(),
                )
            }
        }
    }
}

impl From<InputError> for AppError {
    fn from(e: InputError) -> Self {
        AppError::Invalid {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: e.message,
        }
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound(what) => {
                AppError::NotFound(format!("That {what} was not found."))
            }
            StorageError::Refused(e) => AppError::Invalid {
                status: StatusCode::CONFLICT,
                message: e.message,
            },
            StorageError::Conflict(what) => {
                AppError::Conflict(format!("That {what} is already in use."))
            }
            StorageError::Other(e) => AppError::Internal(e),
        }
    }
}

impl From<axum::extract::rejection::FormRejection> for AppError {
    fn from(r: axum::extract::rejection::FormRejection) -> Self {
        let status = r.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "That was too much text to send at once. Please shorten it.".to_string()
        } else {
            "The form could not be read. Please reload the page and try again.".to_string()
        };
        AppError::Invalid {
            status: if status.is_client_error() {
                status
            } else {
                StatusCode::BAD_REQUEST
            },
            message,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message) = self.parts();
        let title = match status {
            StatusCode::NOT_FOUND => "err-not-found",
            StatusCode::FORBIDDEN => "err-not-allowed",
            s if s.is_server_error() => "err-try-again",
            _ => "err-did-not-work",
        };
        let lang = crate::lang::switch(None, "/");
        let l = lang.lang;
        let page = participant_ui::error_page(&participant_ui::PhoneErrorPage {
            title: participant_ui::i18n::t(l, title).to_string(),
            message: crate::lang::tr(l, &message),
            lang,
        });
        (status, page).into_response()
    }
}

/// Result type for handlers.
pub type AppResult<T> = Result<T, AppError>;

/// An [`AppError`] on an organiser, console or wall route: shown as a staff page (with a way
/// back to the organiser's events) rather than the attendee's "type your code" page.
#[derive(Debug)]
pub struct StaffError(pub AppError);

impl<E: Into<AppError>> From<E> for StaffError {
    fn from(e: E) -> Self {
        StaffError(e.into())
    }
}

impl IntoResponse for StaffError {
    fn into_response(self) -> Response {
        let (status, message) = self.0.parts();
        let title = match status {
            StatusCode::NOT_FOUND => "Link not valid",
            StatusCode::FORBIDDEN => "Not allowed",
            s if s.is_server_error() => "Please try again",
            _ => "That didn't work",
        };
        let page = facilitator_ui::error_page(&facilitator_ui::StaffErrorPage {
            title: title.to_string(),
            message,
        });
        (status, page).into_response()
    }
}

/// Result type for staff handlers.
pub type StaffResult<T> = Result<T, StaffError>;
