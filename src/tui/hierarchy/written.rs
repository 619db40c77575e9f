//! What comes of a hierarchy write: it is sent (`send`), and its answer closes the form with a
//! toast and shows what is so now in the tree (the node read again in place, a new node selected
//! under its opened parent, a deleted one gone), or keeps the form open saying what to mend.

use super::actions::NodeWrite;
use crate::client::ApiError;
use crate::domain::*;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::Layer;
use crate::tui::record::profile::FormTarget;

impl App {
    /// The answer to a write: the form closes with a toast and the tree shows what is so now,
    /// or the form stays and says what to mend.
    pub(in crate::tui) fn on_node_written(
        &mut self,
        write: NodeWrite,
        result: Result<Option<Node>, ApiError>,
    ) -> Vec<Effect> {
        let form_open = self
            .focus
            .has(|l| matches!(l, Layer::Form(d) if matches!(d.target, FormTarget::Node(_))));
        match result {
            Ok(node) => {
                if form_open {
                    self.focus.close(|l| matches!(l, Layer::Form(_)));
                }
                let said = done_words(&write, node.as_ref());
                let mut fx = self.toast(said);
                fx.extend(self.after_node_write(&write, node));
                fx
            }
            Err(e) => {
                let why = match (e.code(), e.problem()) {
                    (Some(codes::HAS_CHILDREN), Some(p)) => match &p.counts {
                        Some(c) => format!("It still has {c}: delete those first."),
                        None => e.user_message(),
                    },
                    _ => e.user_message(),
                };
                self.form_refused(|t| matches!(t, FormTarget::Node(_)), &e, why)
            }
        }
    }

    /// What the tree does after a write: the node read again in place, or its parent's window
    /// again for a create or a delete.
    fn after_node_write(&mut self, write: &NodeWrite, node: Option<Node>) -> Vec<Effect> {
        match (write, node) {
            (NodeWrite::AddAdmin { node, .. } | NodeWrite::RemoveAdmin { node, .. }, _) => {
                self.reload_admins(node.clone())
            }
            (NodeWrite::Create { .. }, Some(node)) => self.show_created(node),
            (_, Some(node)) => self.on_node(node.level(), node.id().to_string(), Ok(node)),
            (NodeWrite::Delete { level, id, .. }, None) => {
                let key = (*level, id.clone());
                let parent = self
                    .hierarchy
                    .tree
                    .find(&key)
                    .and_then(|p| self.hierarchy.tree.keys_on(&p).iter().rev().nth(1).cloned());
                self.tree_remove(&key);
                // Its parent's count of children went down.
                parent
                    .map(|(level, id)| vec![Effect::LoadNode { level, id }])
                    .unwrap_or_default()
            }
            _ => vec![],
        }
    }
}

impl App {
    /// A node this console made: its parent opened (or its open window read again) with the
    /// new node selected, and the parent read again for its count.
    fn show_created(&mut self, node: Node) -> Vec<Effect> {
        let key = (node.level(), node.id().to_string());
        let parent = super::parent_of(&node);
        self.hierarchy.reveal = Some((parent.clone(), key));
        let mut fx = Vec::new();
        if let Some((level, id)) = parent.clone() {
            fx.push(Effect::LoadNode { level, id });
        }
        let open = self.hierarchy.tree.path_of(&parent).is_some();
        let in_tree = parent
            .as_ref()
            .is_some_and(|k| self.hierarchy.tree.find(k).is_some());
        fx.extend(match (&parent, open) {
            (None, _) | (Some(_), true) => self.reload_window(parent),
            (Some(k), false) if in_tree => {
                let child = node.level();
                vec![self.load_children(Some(k.clone()), child, String::new())]
            }
            _ => vec![],
        });
        fx
    }
}

/// The toast after a write.
fn done_words(write: &NodeWrite, node: Option<&Node>) -> String {
    let name = node.map(|n| n.name().to_string()).unwrap_or_default();
    match write {
        NodeWrite::Create { node: new, .. } => {
            format!("Created the {} {name}.", new.level().as_str())
        }
        NodeWrite::Edit { .. } => format!("Saved {name}."),
        NodeWrite::Suspend {
            name,
            reason: Some(_),
            ..
        } => format!("Suspended {name}."),
        NodeWrite::Suspend {
            name, reason: None, ..
        } => format!("Enabled {name}."),
        NodeWrite::Delete { name, .. } => format!("Deleted {name}."),
        NodeWrite::AddAdmin { admin, .. } => format!("{} is now an administrator.", admin.name),
        NodeWrite::RemoveAdmin { user, .. } => {
            format!("{} is no longer an administrator.", user.name)
        }
    }
}

/// Send a write to the backend: the node as it is after it (none after a delete or a change of
/// administrators).
pub async fn send(
    api: &dyn crate::client::Api,
    write: &NodeWrite,
) -> Result<Option<Node>, ApiError> {
    Ok(match write {
        NodeWrite::Create { key, node } => Some(api.create_node(key, node).await?.record),
        NodeWrite::Edit {
            level,
            id,
            version,
            patch,
        } => Some(api.update_node(*level, id, *version, patch).await?.record),
        NodeWrite::Suspend {
            level,
            id,
            version,
            reason,
            ..
        } => Some(
            api.suspend_node(*level, id, *version, reason.as_deref())
                .await?,
        ),
        NodeWrite::Delete {
            level, id, version, ..
        } => {
            api.delete_node(*level, id, *version).await?;
            None
        }
        NodeWrite::AddAdmin { node, admin } => {
            api.add_admin(node.0, &node.1, admin).await?;
            None
        }
        NodeWrite::RemoveAdmin { node, user } => {
            api.remove_admin(node.0, &node.1, &user.id).await?;
            None
        }
    })
}
