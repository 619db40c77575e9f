//! Impersonating a partner's owner: the reason dialog (`i`), the partner's own view while it
//! lasts (a layer over the CSR's lists, with its own few keys), the confirmed exit (`X`, with the
//! words of seed 001), and the way back when it ends or expires.

use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::short_name;
use crate::client::ApiError;
use crate::domain::{Channel, Engagement, Impersonation, Partner, PartnerRef, codes};
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Hint, Keys, Layer, is_typing};
use crate::tui::app::keymap::Action;
use crate::tui::app::msg::Msg;
use crate::tui::app::toast::ToastKind;
use crate::tui::app::{App, Load};
use crate::tui::decide::confirm::Confirm;
use crate::tui::queue::tabs::{SectionId, TabId};
use crate::tui::textarea::TextArea;
use crate::tui::view::theme::Theme;
use crate::tui::view::{dialog, format};

/// Longest impersonation reason (the server's limit).
const MAX_IMPERSONATION_REASON: usize = 500;
/// The exact words of seed 001.
pub const EXIT_QUESTION: &str = "You're about to exit impersonating Partner. Are you sure?";
/// How long before an impersonation ends the CSR is warned.
const EXPIRY_WARNING: Duration = Duration::from_secs(120);
/// Label width of the partner view's fields.
const LABEL_WIDTH: usize = 15;

/// Acting as a partner's owner.
#[derive(Debug)]
pub struct Impersonating {
    pub session: Impersonation,
    pub load: Load,
    pub me: Option<Partner>,
    pub channels: Vec<Channel>,
    pub engagements: Vec<Engagement>,
    /// The partner's own requests, newest first, with what became of them.
    pub requests: Vec<crate::domain::PartnerRequest>,
}

impl Impersonating {
    /// "29 min left", "<1 min left".
    pub fn time_left(&self, now: DateTime<Utc>) -> String {
        let secs = (self.session.expires_at - now).num_seconds();
        if secs < 60 {
            "<1 min left".into()
        } else {
            format!("{} min left", secs / 60)
        }
    }
}

/// The impersonation reason dialog.
#[derive(Debug)]
pub struct ImpersonateDialog {
    pub partner: PartnerRef,
    pub input: TextArea,
    pub error: Option<String>,
    pub sending: bool,
}

impl ImpersonateDialog {
    /// The reason is one line: Enter sends it, so a pasted line break becomes a space. An edit
    /// clears the last error.
    pub fn paste(&mut self, text: &str) {
        if !self.sending {
            let before = self.input.text().len();
            self.input.insert_str(&crate::text::clean_line(text));
            if self.input.text().len() != before {
                self.error = None;
            }
        }
    }

    pub fn hints(&self) -> Vec<Hint> {
        if self.sending {
            return vec![Hint::new("…", "starting", &[])];
        }
        vec![
            Hint::new("Enter", "start", &["enter"]),
            Hint::new("Esc", "cancel", &["esc"]),
            Hint::typing("write the reason").help_only(),
            Hint::new("Backspace", "delete", &["backspace"]).help_only(),
            Hint::new("← →", "move", &["left", "right"]).help_only(),
        ]
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let rect = dialog::centred(area, 70, 10);
        let block = dialog::dialog_block(
            format!(" Impersonate {} ", self.partner.name),
            "Enter starts · Esc cancels",
            theme,
        );
        let mut lines = vec![
            Line::from("You will act as the partner's owner for at most 30 minutes."),
            Line::from("Why? (required; it goes into the audit log)"),
            Line::from(""),
            Line::from(Span::styled(
                if self.sending {
                    self.input.text().to_string()
                } else {
                    self.input.with_cursor('▏')
                },
                theme.selected(),
            )),
            Line::from(""),
        ];
        if self.sending {
            lines.push(Line::from(Span::styled("Starting…", theme.key())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(e.clone(), theme.error())));
        }
        dialog::draw_text_dialog(frame, rect, block, lines);
    }
}

impl App {
    pub(in crate::tui) fn open_impersonate(&mut self) -> Handled {
        if self.active_section_id() != SectionId::Partners {
            return self
                .note("Impersonate from My Partners (4): select the partner, then i.")
                .into();
        }
        if self.read_only_reason().is_some() && !self.session.read_only {
            return self
                .error_toast("Only CSRs and admins can impersonate a partner.")
                .into();
        }
        let Some(p) = self.partner_row() else {
            return Handled::Ignored;
        };
        let partner = PartnerRef {
            id: p.id.clone(),
            name: p.name.clone(),
        };
        self.focus.push(Layer::Impersonate(ImpersonateDialog {
            partner,
            input: TextArea::default(),
            error: None,
            sending: false,
        }));
        Handled::done()
    }

    pub(in crate::tui) fn impersonate_key(
        &mut self,
        d: &mut ImpersonateDialog,
        key: KeyEvent,
    ) -> Handled {
        if d.sending {
            return Handled::Ignored;
        }
        let before = d.input.text().to_owned();
        match key.code {
            KeyCode::Esc => return Handled::close(),
            KeyCode::Enter => {
                let n = d.input.count();
                if n == 0 {
                    d.error = Some("A reason is required; it goes into the audit log.".into());
                } else if n > MAX_IMPERSONATION_REASON {
                    d.error = Some(format!("At most {MAX_IMPERSONATION_REASON} characters."));
                } else {
                    d.sending = true;
                    d.error = None;
                    return vec![Effect::Impersonate {
                        partner_id: d.partner.id.clone(),
                        reason: d.input.text().trim().to_string(),
                    }]
                    .into();
                }
            }
            KeyCode::Backspace => d.input.backspace(),
            KeyCode::Left => d.input.left(),
            KeyCode::Right => d.input.right(),
            KeyCode::Char(c) if is_typing(&key) => d.input.insert_char(c),
            _ => return Handled::Ignored,
        }
        // The last error was about the text as it was: an edit makes it stale.
        if d.input.text() != before {
            d.error = None;
        }
        Handled::done()
    }

    pub(in crate::tui) fn on_impersonated(
        &mut self,
        result: Result<Impersonation, ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(session) => {
                self.focus.close(|l| matches!(l, Layer::Impersonate(_)));
                let token = session.token.clone();
                let until = (session.expires_at - self.now).to_std().unwrap_or_default();
                let id = session.id.clone();
                let name = session.partner.name.clone();
                self.partners.impersonating = Some(Impersonating {
                    session,
                    load: Load::Loading,
                    me: None,
                    channels: Vec::new(),
                    engagements: Vec::new(),
                    requests: Vec::new(),
                });
                self.focus.push(Layer::PartnerView);
                let mut fx = vec![
                    Effect::LoadPartnerRequests {
                        token: token.clone(),
                    },
                    Effect::LoadPartnerView { token },
                    // The banner's minutes, and the end when the token expires.
                    Effect::After {
                        delay: Duration::from_secs(60),
                        msg: Msg::ImpersonationTick,
                    },
                    Effect::After {
                        delay: until.saturating_sub(EXPIRY_WARNING),
                        msg: Msg::ImpersonationExpiring(id.clone()),
                    },
                    Effect::After {
                        delay: until,
                        msg: Msg::ImpersonationExpired(id),
                    },
                ];
                fx.extend(self.toast(format!(
                    "Impersonating {} as Partner Owner",
                    short_name(&name)
                )));
                fx
            }
            Err(e) => {
                let dialog = self.focus.find_mut(|l| match l {
                    Layer::Impersonate(d) => Some(d),
                    _ => None,
                });
                if let Some(d) = dialog {
                    d.sending = false;
                    d.error = Some(format!(
                        "Could not start: {} Your reason is kept.",
                        e.user_message()
                    ));
                    return vec![];
                }
                self.error_toast(format!("Could not impersonate: {}", e.user_message()))
            }
        }
    }

    pub(in crate::tui) fn on_partner_view(
        &mut self,
        result: Result<(Partner, Vec<Channel>, Vec<Engagement>), ApiError>,
    ) -> Vec<Effect> {
        let Some(imp) = self.partners.impersonating.as_mut() else {
            return vec![];
        };
        match result {
            Ok((me, channels, engagements)) => {
                imp.me = Some(me);
                imp.channels = channels;
                imp.engagements = engagements;
                imp.load = Load::Loaded;
                vec![]
            }
            Err(e) if e.code() == Some(codes::IMPERSONATION_ENDED) => {
                self.back_from_impersonation("The impersonation has ended", ToastKind::Warning)
            }
            Err(e) => {
                imp.load = Load::Failed(e.user_message());
                vec![]
            }
        }
    }

    /// The partner's view has its own few keys: exit (asks first); help, quit and suspend fall
    /// to the screen below; the CSR's lists wait behind it.
    pub(in crate::tui) fn partner_view_key(&mut self, key: KeyEvent) -> Handled {
        match self.keymap.action(&key) {
            Some(Action::ExitImpersonation) => self.ask_exit_impersonation(),
            Some(Action::Create) => self.open_request_form(),
            Some(Action::Quit | Action::Help | Action::Suspend) => Handled::Pass,
            _ => Handled::Ignored,
        }
    }

    pub(in crate::tui) fn partner_view_hints(&self) -> Vec<Hint> {
        let hint = |action: Action, what: &str| Hint {
            label: self
                .keymap
                .first_label(action)
                .unwrap_or_else(|| "—".into()),
            keys: Keys::These(self.keymap.keys(action).to_vec()),
            ..Hint::new("", what, &[])
        };
        vec![
            hint(Action::ExitImpersonation, "exit impersonating"),
            hint(Action::Create, "a request on its behalf"),
            hint(Action::Help, "help"),
            hint(Action::Quit, "quit (ends the impersonation)"),
            hint(Action::Suspend, "suspend (fg to return)").help_only(),
        ]
    }

    /// `X`: the exit question, with the words of seed 001.
    fn ask_exit_impersonation(&mut self) -> Handled {
        let Some(imp) = &self.partners.impersonating else {
            return Handled::Ignored;
        };
        let on_yes = Effect::EndImpersonation {
            id: imp.session.id.clone(),
        };
        self.focus.push(Layer::Confirm(Confirm::new(
            "Exit impersonating",
            EXIT_QUESTION,
            on_yes,
        )));
        Handled::done()
    }

    pub(in crate::tui) fn on_impersonation_ended(
        &mut self,
        result: Result<(), ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(()) => self.back_from_impersonation("Impersonation ended", ToastKind::Success),
            Err(e) if e.status() == Some(404) || e.code() == Some(codes::IMPERSONATION_ENDED) => {
                self.back_from_impersonation("Impersonation ended", ToastKind::Success)
            }
            Err(e) => self.error_toast(format!(
                "Could not end the impersonation: {} Press X to try again.",
                e.user_message()
            )),
        }
    }

    pub(in crate::tui) fn on_impersonation_expired(&mut self, id: String) -> Vec<Effect> {
        if self
            .partners
            .impersonating
            .as_ref()
            .is_some_and(|i| i.session.id == id)
        {
            return self.back_from_impersonation("The impersonation expired", ToastKind::Warning);
        }
        vec![]
    }

    pub(in crate::tui) fn on_impersonation_expiring(&mut self, id: String) -> Vec<Effect> {
        let Some(imp) = self
            .partners
            .impersonating
            .as_ref()
            .filter(|i| i.session.id == id)
        else {
            return vec![];
        };
        let text = format!(
            "The impersonation of {} ends in {}; {} exit now",
            short_name(&imp.session.partner.name),
            imp.time_left(self.now).trim_end_matches(" left"),
            self.keymap
                .first_label(Action::ExitImpersonation)
                .unwrap_or_default()
        );
        self.warning(text)
    }

    pub(in crate::tui) fn on_impersonation_tick(&mut self) -> Vec<Effect> {
        if self.partners.impersonating.is_none() {
            return vec![];
        }
        vec![Effect::After {
            delay: Duration::from_secs(60),
            msg: Msg::ImpersonationTick,
        }]
    }

    /// Back on My Partners as the CSR.
    fn back_from_impersonation(&mut self, why: &str, kind: ToastKind) -> Vec<Effect> {
        let name = self
            .partners
            .impersonating
            .take()
            .map(|i| short_name(&i.session.partner.name))
            .unwrap_or_default();
        self.focus.close(|l| matches!(l, Layer::PartnerView));
        self.tab = TabId::Partners;
        let me = self
            .user
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_else(|| "yourself".into());
        let text = format!("{why}: {name}. You are back as {me}.");
        match kind {
            ToastKind::Success => self.toast(text),
            // Not asked for: it stays until the CSR has seen it (the next key).
            _ => self.sticky_toast(kind, text),
        }
    }
}

/// The partner's own view while impersonating: who, their channels and engagements.
pub fn render_partner_view(
    imp: &Impersonating,
    frame: &mut Frame,
    title_area: Rect,
    body: Rect,
    theme: &Theme,
) {
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw(" Partner view: "),
            Span::styled(imp.session.partner.name.clone(), theme.tab_active()),
            Span::raw(" (as Partner Owner)"),
        ])),
        title_area,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" The partner's requests, channels and engagements ");
    let inner = block.inner(body);
    frame.render_widget(block, body);
    match &imp.load {
        Load::Loaded => {}
        Load::Failed(e) => {
            frame.render_widget(
                Paragraph::new(format!("Could not load the partner's view: {e}"))
                    .style(theme.dim()),
                inner,
            );
            return;
        }
        _ => {
            frame.render_widget(
                Paragraph::new("Loading the partner's view…").style(theme.dim()),
                inner,
            );
            return;
        }
    }
    let mut lines: Vec<Line> = Vec::new();
    if let Some(me) = &imp.me {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<LABEL_WIDTH$}", "Package"), theme.table_header()),
            Span::raw(format::item(me.summary.package.as_ref())),
        ]));
        lines.push(Line::from(vec![
            Span::styled(format!("{:<LABEL_WIDTH$}", "Status"), theme.table_header()),
            Span::raw(me.summary.status.label()),
        ]));
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        format!(
            "Requests ({}) · n submits one on its behalf",
            imp.requests.len()
        ),
        theme.table_header(),
    )));
    for r in imp.requests.iter().take(8) {
        lines.extend(
            super::requests::request_lines(r)
                .into_iter()
                .map(|l| Line::from(format::fit(l, usize::from(inner.width)).into_owned())),
        );
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!("Channels ({})", imp.channels.len()),
        theme.table_header(),
    )));
    for c in &imp.channels {
        lines.push(Line::from(format!(
            "  {:<32} {:<10} {:>9} followers",
            c.name,
            c.kind,
            crate::format::group(c.followers.max(0) as u64)
        )));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!("Engagements ({})", imp.engagements.len()),
        theme.table_header(),
    )));
    // The date is whole whatever the width: the title gives way, cut with `…`.
    let title_width = usize::from(inner.width)
        .saturating_sub(2 + 1 + 13 + 1 + 10 + 1 + 20)
        .clamp(8, 32);
    for e in &imp.engagements {
        lines.push(Line::from(format!(
            "  {:<title_width$} {:<13} {:<10} {}",
            format::fit(e.title.as_str(), title_width),
            format::fit(e.engagement_type.as_str(), 13),
            format::fit(e.status.as_str(), 10),
            format::absolute(e.starts_at)
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
