//! The tree's writes: `n` creates a child of the selected node (`N` a distributor), `E` edits
//! its name and contact, `S` suspends it (asking a reason) or enables it, `D` deletes it (typing
//! its name), each in the form component. Before anything opens, the key is checked with the
//! server's own rule (`domain::permission::may_write`) and, for a delete, against what the
//! server would refuse (children, not suspended), so the CSR hears why at once.

use crate::domain::permission::{Lineage, Needed, may_write};
use crate::domain::*;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Layer};
use crate::tui::decide::confirm::Confirm;
use crate::tui::form::{Check, FieldKind, FieldSpec, Form};
use crate::tui::record::profile::{FormDialog, FormTarget};

use super::tree::{NodeKey, Parent};

/// What a hierarchy form or question writes when it is saved or answered yes.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeWrite {
    Create {
        key: String,
        node: NewNode,
    },
    Edit {
        level: Level,
        id: String,
        version: i64,
        patch: NodePatch,
    },
    /// `reason` `None`: enable.
    Suspend {
        level: Level,
        id: String,
        version: i64,
        name: String,
        reason: Option<String>,
    },
    Delete {
        level: Level,
        id: String,
        version: i64,
        name: String,
    },
    AddAdmin {
        node: NodeKey,
        admin: NewAdmin,
    },
    RemoveAdmin {
        node: NodeKey,
        user: UserRef,
    },
}

/// Why a write is not this session's to make.
#[derive(Debug, Clone, PartialEq)]
pub enum Denied {
    /// The profile is read-only (`--read-only` or the config).
    ReadOnly(String),
    Needs(Needed),
}

/// What a hierarchy form is for, until it is saved.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeForm {
    Create {
        parent: Parent,
        level: Level,
    },
    Edit {
        level: Level,
        id: String,
        version: i64,
    },
    Suspend {
        level: Level,
        id: String,
        version: i64,
        name: String,
    },
    Delete {
        level: Level,
        id: String,
        version: i64,
        name: String,
    },
    AddAdmin {
        node: NodeKey,
    },
}

/// The ids on a path of keys from the top, for the permission rule.
pub fn lineage(keys: &[NodeKey]) -> Lineage {
    let id = |level| {
        keys.iter()
            .find(|(l, _)| *l == level)
            .map(|(_, id)| id.clone())
    };
    Lineage {
        distributor: id(Level::Distributor),
        partner: id(Level::Partner),
    }
}

/// "Creating a partner here needs the distributor administrator or a platform administrator."
pub fn refusal(doing: &str, needed: Needed) -> String {
    format!("{doing} needs {}.", needed.words())
}

fn text(
    pointer: &'static str,
    label: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> FieldSpec {
    FieldSpec {
        pointer,
        label,
        kind: FieldKind::Text { max },
        check: Some(Check::new(move |v| {
            let v = v.trim();
            if required && v.is_empty() {
                return Err(format!("{label} is required."));
            }
            if v.chars().count() > max {
                return Err(format!("At most {max} characters."));
            }
            if pointer.ends_with("email") && !v.is_empty() && !crate::domain::profile::is_email(v) {
                return Err("Not an email address (name@example.com).".into());
            }
            Ok(())
        })),
        value: value.to_string(),
    }
}

/// The name-and-contact fields of a node of `level` (a distributor has a phone too).
fn node_fields(level: Level, name: &str, contact: &NodeContact) -> Vec<FieldSpec> {
    let mut specs = vec![
        text("/name", "Name", name, 200, true),
        text("/contact/name", "Contact", &contact.name, 200, false),
        // A partner's email is where its mail goes: required, as its profile has it.
        text(
            "/contact/email",
            "Email",
            &contact.email,
            254,
            level == Level::Partner,
        ),
    ];
    if level == Level::Distributor {
        specs.push(text("/contact/phone", "Phone", &contact.phone, 50, false));
    }
    specs
}

fn contact_of(node: &Node) -> NodeContact {
    match node {
        Node::Distributor(d) => d.contact.clone(),
        Node::Tenant(t) => t.contact.clone(),
        Node::Partner(p) => NodeContact {
            name: p.contact_name.clone(),
            email: p.email.clone(),
            phone: String::new(),
        },
    }
}

impl App {
    /// Why this session may not write a node of `level` at `keys`; `None` if it may.
    pub(in crate::tui) fn tree_denied(&self, level: Level, keys: &[NodeKey]) -> Option<Denied> {
        if self.session.read_only {
            return self.read_only_reason().map(Denied::ReadOnly);
        }
        let me = self.user.as_ref()?;
        may_write(me.role, &me.assignments, level, &lineage(keys))
            .err()
            .map(Denied::Needs)
    }

    /// [`tree_denied`](Self::tree_denied) as a sentence: "{doing} needs …".
    pub(in crate::tui) fn tree_refusal(
        &self,
        doing: &str,
        level: Level,
        keys: &[NodeKey],
    ) -> Option<String> {
        Some(match self.tree_denied(level, keys)? {
            Denied::ReadOnly(why) => why,
            Denied::Needs(n) => refusal(doing, n),
        })
    }

    /// The selected node and the keys on its path, if a node is selected.
    fn tree_selection(&self) -> Option<(Node, Vec<NodeKey>)> {
        let tree = &self.hierarchy.tree;
        let path = tree.selected_path()?;
        Some((tree.item(&path)?.node.clone(), tree.keys_on(&path)))
    }

    fn open_node_form(&mut self, form: Form, target: NodeForm) -> Handled {
        self.focus.push(Layer::Form(Box::new(FormDialog {
            form,
            target: FormTarget::Node(target),
        })));
        Handled::done()
    }

    /// `n`: a child of the selected node (a tenant's sibling, since tenants have none); `N`,
    /// or `n` in an empty tree: a distributor.
    pub(in crate::tui) fn tree_create(&mut self, top: bool) -> Handled {
        let (parent_keys, level) = match self.tree_selection() {
            Some((node, mut keys)) if !top => match node.level().child() {
                Some(child) => (keys, child),
                None => {
                    keys.pop();
                    (keys, Level::Tenant)
                }
            },
            // `n` on a line that is not a node (loading, "more below") creates nothing; only
            // a tree with no distributor at all has `n` make the first.
            None if !top
                && self
                    .hierarchy
                    .tree
                    .roots
                    .as_ref()
                    .is_none_or(|r| !r.items.is_empty()) =>
            {
                return Handled::Ignored;
            }
            _ => (Vec::new(), Level::Distributor),
        };
        let doing = format!("Creating a {}", level.as_str());
        if let Some(why) = self.tree_refusal(&doing, level, &parent_keys) {
            return self.warning(why).into();
        }
        let parent = parent_keys.last().cloned();
        let under = match parent.as_ref().and_then(|k| self.hierarchy.tree.find(k)) {
            Some(p) => self
                .hierarchy
                .tree
                .item(&p)
                .map(|it| format!(" under {}", it.node.name()))
                .unwrap_or_default(),
            None => String::new(),
        };
        let form = Form::new(
            format!("New {}{under}", level.as_str()),
            node_fields(level, "", &NodeContact::default()),
        )
        .for_new();
        self.open_node_form(form, NodeForm::Create { parent, level })
    }

    /// `E` in the tree: the selected node's name and contact.
    pub(in crate::tui) fn tree_edit(&mut self) -> Handled {
        let Some((node, keys)) = self.tree_selection() else {
            return Handled::Ignored;
        };
        // A partner's profile is a CSR's to edit (issue 17); the rest follows seed 002.
        let refused = match node.level() {
            Level::Partner => self.read_only_reason(),
            level => self.tree_refusal(&format!("Editing this {}", level.as_str()), level, &keys),
        };
        if let Some(why) = refused {
            return self.warning(why).into();
        }
        let form = Form::new(
            format!("Edit {}", node.name()),
            node_fields(node.level(), node.name(), &contact_of(&node)),
        );
        let target = NodeForm::Edit {
            level: node.level(),
            id: node.id().to_string(),
            version: node.version(),
        };
        self.open_node_form(form, target)
    }

    /// `S`: suspend (asking why) or, for a node suspended by its own status, enable.
    pub(in crate::tui) fn tree_suspend(&mut self) -> Handled {
        let Some((node, keys)) = self.tree_selection() else {
            return Handled::Ignored;
        };
        let level = node.level();
        let enable = node.own_suspended();
        let doing = format!(
            "{} this {}",
            if enable { "Enabling" } else { "Suspending" },
            level.as_str()
        );
        if let Some(why) = self.tree_refusal(&doing, level, &keys) {
            return self.warning(why).into();
        }
        let (id, version, name) = (
            node.id().to_string(),
            node.version(),
            node.name().to_string(),
        );
        if enable {
            let below = match level.child() {
                Some(child) => format!(
                    " Its {}s are active again unless suspended themselves.",
                    child.as_str()
                ),
                None => String::new(),
            };
            let write = NodeWrite::Suspend {
                level,
                id,
                version,
                name: name.clone(),
                reason: None,
            };
            self.focus.push(Layer::Confirm(Confirm::new(
                format!("Enable {name}?"),
                format!("{name} is suspended.{below}"),
                Effect::WriteNode(write),
            )));
            return Handled::done();
        }
        if let Some(by) = &node.standing().suspended_by {
            return self
                .warning(format!("{name} is already suspended by {}.", by.name))
                .into();
        }
        let reason = FieldSpec {
            pointer: "/reason",
            label: "Reason",
            kind: FieldKind::Text { max: 500 },
            check: Some(Check::new(|v| match v.trim().chars().count() {
                0 => Err("Say why (it is kept in the audit log).".into()),
                n if n > 500 => Err("At most 500 characters.".into()),
                _ => Ok(()),
            })),
            value: String::new(),
        };
        let title = match level.child() {
            Some(child) => format!("Suspend {name} and every {} under it", child.as_str()),
            None => format!("Suspend {name}"),
        };
        self.open_node_form(
            Form::new(title, vec![reason]),
            NodeForm::Suspend {
                level,
                id,
                version,
                name,
            },
        )
    }

    /// `D`: delete, once the server would allow it; the CSR types the name to confirm.
    pub(in crate::tui) fn tree_delete(&mut self) -> Handled {
        let Some((node, keys)) = self.tree_selection() else {
            return Handled::Ignored;
        };
        let level = node.level();
        if let Some(why) =
            self.tree_refusal(&format!("Deleting this {}", level.as_str()), level, &keys)
        {
            return self.warning(why).into();
        }
        let name = node.name().to_string();
        if let (Some(n @ 1..), Some(child)) = (node.child_count(), level.child()) {
            let what = match n {
                1 => child.as_str().to_string(),
                _ => format!("{}s", child.as_str()),
            };
            return self
                .warning(format!("{name} still has {n} {what}: delete those first."))
                .into();
        }
        if !node.own_suspended() {
            return self
                .warning(format!(
                    "Suspend {name} first (S): only a suspended {} can be deleted.",
                    level.as_str()
                ))
                .into();
        }
        let expected = name.clone();
        let confirm = FieldSpec {
            pointer: "/name",
            label: "Type its name",
            kind: FieldKind::Text { max: 200 },
            check: Some(Check::new(move |v| {
                if v.trim() == expected.trim() {
                    Ok(())
                } else {
                    Err("Type the name exactly, to confirm.".into())
                }
            })),
            value: String::new(),
        };
        let form = Form::new(
            format!("Delete {name}? It leaves every list; the audit keeps it"),
            vec![confirm],
        );
        let target = NodeForm::Delete {
            level,
            id: node.id().to_string(),
            version: node.version(),
            name,
        };
        self.open_node_form(form, target)
    }

    /// A hierarchy form was saved: what it writes.
    pub(in crate::tui) fn node_form_saved(
        &mut self,
        target: &NodeForm,
        changes: Vec<(&'static str, String)>,
    ) -> Vec<Effect> {
        let get = |p: &str| {
            changes
                .iter()
                .find(|(ptr, _)| *ptr == p)
                .map(|(_, v)| v.trim().to_string())
        };
        let contact = || NodeContact {
            name: get("/contact/name").unwrap_or_default(),
            email: get("/contact/email").unwrap_or_default(),
            phone: get("/contact/phone").unwrap_or_default(),
        };
        let write = match target.clone() {
            NodeForm::Create { parent, level } => {
                let name = get("/name").unwrap_or_default();
                let parent_id = parent.map(|(_, id)| id).unwrap_or_default();
                let node = match level {
                    Level::Distributor => NewNode::Distributor(NewDistributor {
                        name,
                        contact: contact(),
                    }),
                    Level::Partner => NewNode::Partner(NewPartner {
                        distributor_id: parent_id,
                        name,
                        contact: contact(),
                    }),
                    Level::Tenant => NewNode::Tenant(NewTenant {
                        partner_id: parent_id,
                        name,
                        contact: contact(),
                    }),
                };
                let key = self.keys.next(0, self.now).idempotency_key;
                NodeWrite::Create { key, node }
            }
            NodeForm::Edit { level, id, version } => {
                let has_contact = changes.iter().any(|(p, _)| p.starts_with("/contact/"));
                let patch = NodePatch {
                    name: get("/name"),
                    contact: has_contact.then(|| NodeContactPatch {
                        name: get("/contact/name"),
                        email: get("/contact/email"),
                        phone: get("/contact/phone"),
                    }),
                };
                NodeWrite::Edit {
                    level,
                    id,
                    version,
                    patch,
                }
            }
            NodeForm::Suspend {
                level,
                id,
                version,
                name,
            } => NodeWrite::Suspend {
                level,
                id,
                version,
                name,
                reason: get("/reason"),
            },
            NodeForm::Delete {
                level,
                id,
                version,
                name,
            } => NodeWrite::Delete {
                level,
                id,
                version,
                name,
            },
            NodeForm::AddAdmin { node } => NodeWrite::AddAdmin {
                node,
                admin: NewAdmin {
                    name: get("/name").unwrap_or_default(),
                    email: get("/email").unwrap_or_default(),
                },
            },
        };
        vec![Effect::WriteNode(write)]
    }
}
