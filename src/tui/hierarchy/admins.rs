//! `A` in the tree: a node's administrators. Everyone may look; `a` adds one (name and email,
//! in the form component) and `d` removes the selected one after `y/N`, for those who may edit
//! the node (the keys are shown disabled to the rest, and say which level they need).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::actions::{NodeForm, NodeWrite};
use super::tree::NodeKey;
use crate::client::ApiError;
use crate::domain::UserRef;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Hint, Layer};
use crate::tui::app::{App, Load};
use crate::tui::decide::confirm::Confirm;
use crate::tui::form::{Check, FieldKind, FieldSpec, Form};
use crate::tui::record::profile::{FormDialog, FormTarget};
use crate::tui::view::dialog;
use crate::tui::view::theme::Theme;

#[derive(Debug)]
pub struct AdminsDialog {
    pub node: NodeKey,
    pub name: String,
    pub admins: Vec<UserRef>,
    pub load: Load,
    pub at: usize,
    /// Why this session may not change them, if it may not.
    pub refused: Option<String>,
}

impl AdminsDialog {
    pub fn hints(&self) -> Vec<Hint> {
        let can = self.refused.is_none();
        let mut add = Hint::new("a", "add", &["a"]);
        let mut remove = Hint::new("d", "remove", &["d", "delete"]);
        add.enabled = can;
        remove.enabled = can;
        vec![
            add,
            remove,
            Hint::new("↑↓", "choose", &["up", "down", "j", "k"]),
            Hint::new("Esc", "close", &["esc", "q"]),
        ]
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let rect = dialog::centred(area, 64, area.height.saturating_sub(2).min(14));
        let keys = if self.refused.is_some() {
            " ↑↓ · Esc "
        } else {
            " a add · d remove · ↑↓ · Esc "
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" Administrators of {} ", self.name))
            .title_bottom(Line::from(Span::styled(keys, theme.key())));
        let inner = block.inner(rect);
        frame.render_widget(Clear, rect);
        frame.render_widget(block, rect);
        let mut lines = Vec::new();
        if let Some(why) = &self.refused {
            lines.push(Line::from(Span::styled(why.clone(), theme.dim())));
        }
        let list = Rect {
            y: inner.y + lines.len() as u16,
            height: inner.height.saturating_sub(lines.len() as u16),
            ..inner
        };
        match &self.load {
            Load::NotLoaded | Load::Loading => {
                lines.push(Line::from(Span::styled("Loading…", theme.dim())))
            }
            Load::Failed(e) => lines.push(Line::from(Span::styled(
                format!("Could not load them: {e}"),
                theme.error(),
            ))),
            Load::Loaded if self.admins.is_empty() => lines.push(Line::from(Span::styled(
                "No administrators yet.",
                theme.dim(),
            ))),
            Load::Loaded => lines.extend(dialog::choice_lines(
                self.admins.len(),
                self.at,
                list,
                true,
                ratatui::style::Style::new(),
                theme,
                |i| self.admins[i].name.clone(),
            )),
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

impl App {
    /// `A` in the tree: the selected node's administrators.
    pub(in crate::tui) fn open_admins(&mut self) -> Handled {
        let tree = &self.hierarchy.tree;
        let Some(path) = tree.selected_path() else {
            return Handled::Ignored;
        };
        let Some(it) = tree.item(&path) else {
            return Handled::Ignored;
        };
        let keys = tree.keys_on(&path);
        let (level, name) = (it.node.level(), it.node.name().to_string());
        let node = (level, it.node.id().to_string());
        let refused = self.tree_refusal(
            &format!("Changing the administrators of this {}", level.as_str()),
            level,
            &keys,
        );
        self.focus.push(Layer::Admins(AdminsDialog {
            node: node.clone(),
            name,
            admins: Vec::new(),
            load: Load::Loading,
            at: 0,
            refused,
        }));
        vec![Effect::LoadAdmins { node }].into()
    }

    pub(in crate::tui) fn admins_key(&mut self, d: &mut AdminsDialog, key: KeyEvent) -> Handled {
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => Handled::close(),
            KeyCode::Down | KeyCode::Char('j') => {
                d.at = (d.at + 1).min(d.admins.len().saturating_sub(1));
                Handled::done()
            }
            KeyCode::Up | KeyCode::Char('k') => {
                d.at = d.at.saturating_sub(1);
                Handled::done()
            }
            KeyCode::Char('a') | KeyCode::Char('d') | KeyCode::Delete if d.refused.is_some() => {
                let why = d.refused.clone().unwrap_or_default();
                self.warning(why).into()
            }
            KeyCode::Char('a') => {
                let field = |pointer, label, required: bool| FieldSpec {
                    pointer,
                    label,
                    kind: FieldKind::Text { max: 254 },
                    check: Some(Check::new(move |v: &str| {
                        let v = v.trim();
                        if required && v.is_empty() {
                            return Err(format!("{label} is required."));
                        }
                        if pointer == "/email" && !crate::domain::profile::is_email(v) {
                            return Err("Not an email address (name@example.com).".into());
                        }
                        Ok(())
                    })),
                    value: String::new(),
                };
                let form = Form::new(
                    format!("A new administrator of {}", d.name),
                    vec![field("/name", "Name", true), field("/email", "Email", true)],
                );
                self.focus.push(Layer::Form(Box::new(FormDialog {
                    form,
                    target: FormTarget::Node(NodeForm::AddAdmin {
                        node: d.node.clone(),
                    }),
                })));
                Handled::done()
            }
            KeyCode::Char('d') | KeyCode::Delete => {
                let Some(user) = d.admins.get(d.at).cloned() else {
                    return Handled::Ignored;
                };
                let write = NodeWrite::RemoveAdmin {
                    node: d.node.clone(),
                    user: user.clone(),
                };
                self.focus.push(Layer::Confirm(Confirm::new(
                    format!("Remove {}?", user.name),
                    format!("{} will no longer administer {}.", user.name, d.name),
                    Effect::WriteNode(write),
                )));
                Handled::done()
            }
            _ => Handled::Ignored,
        }
    }

    /// The open administrators dialog of `node` reads its list again (after a change).
    pub(in crate::tui) fn reload_admins(&mut self, node: NodeKey) -> Vec<Effect> {
        let open = self
            .focus
            .find_mut(|l| match l {
                Layer::Admins(d) if d.node == node => Some(d),
                _ => None,
            })
            .is_some();
        if open {
            vec![Effect::LoadAdmins { node }]
        } else {
            vec![]
        }
    }

    pub(in crate::tui) fn on_admins(
        &mut self,
        node: NodeKey,
        result: Result<Vec<UserRef>, ApiError>,
    ) -> Vec<Effect> {
        let Some(d) = self.focus.find_mut(|l| match l {
            Layer::Admins(d) if d.node == node => Some(d),
            _ => None,
        }) else {
            return vec![];
        };
        match result {
            Ok(admins) => {
                d.at = d.at.min(admins.len().saturating_sub(1));
                d.admins = admins;
                d.load = Load::Loaded;
            }
            Err(e) => d.load = Load::Failed(e.user_message()),
        }
        vec![]
    }
}
