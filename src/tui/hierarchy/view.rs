//! Drawing the Hierarchy tree: only the lines in view. Each node's line says its level, name,
//! how many children it has and its status as a word (`suspended by Acme Distribution` for an
//! inherited one): nothing depends on colour.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::Line as TextLine;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::tree::{Children, Line, LineKind, Load};
use crate::domain::{Level, Node, NodeStatus};
use crate::format::group;
use crate::tui::app::App;
use crate::tui::view::format::fit;
use crate::tui::view::theme::Theme;

/// The words for a node's status: its own, or what suspends it from above.
pub fn status_words(node: &Node) -> String {
    let standing = node.standing();
    if let Some(by) = &standing.suspended_by {
        return format!("suspended by {}", by.name);
    }
    match node {
        Node::Partner(p) => p.status.as_str().to_string(),
        _ if standing.effective_status == NodeStatus::Suspended || node.own_suspended() => {
            "suspended".into()
        }
        _ => "active".into(),
    }
}

/// "12 partners", "1 tenant", "" for a tenant.
pub fn children_words(node: &Node) -> String {
    let Some(n) = node.child_count() else {
        return String::new();
    };
    let what = match node.level() {
        Level::Distributor => "partner",
        _ => "tenant",
    };
    match n {
        1 => format!("1 {what}"),
        n => format!("{} {what}s", group(n)),
    }
}

fn status_line(c: &Children) -> String {
    match &c.load {
        Load::Loading => "loading…".into(),
        Load::Failed(why) => format!("could not load: {why} (R tries again)"),
        Load::Loaded if c.loading_more => "loading more…".into(),
        Load::Loaded if c.next.is_some() => "more below…".into(),
        Load::Loaded if !c.q.is_empty() => format!("no {}s match “{}”", c.level.as_str(), c.q),
        Load::Loaded => format!("no {}s", c.level.as_str()),
    }
}

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let tree = &app.hierarchy.tree;
    let lines = tree.lines();
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(crate::tui::queue::list::section_title(app, theme));
    if !lines.is_empty() {
        let pos = format!(
            " {} of {} lines ",
            group(tree.selected as u64 + 1),
            group(lines.len() as u64)
        );
        block = block.title_bottom(TextLine::from(pos).alignment(Alignment::Right));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if tree.roots.is_none() {
        frame.render_widget(Paragraph::new("Loading the hierarchy…"), inner);
        return;
    }
    let visible = inner.height.saturating_sub(1) as usize;
    let offset = tree.offset_for(visible);
    let widths = [
        Constraint::Length(2),
        // The status is what a CSR reads the tree for: as wide as the name.
        Constraint::Fill(1),
        Constraint::Length(11),
        Constraint::Length(14),
        Constraint::Fill(1),
    ];
    let header = Row::new(["", "Name", "Level", "Under it", "Status"].map(Cell::from))
        .style(theme.table_header());
    let name_width = usize::from(inner.width).saturating_sub(2 + 11 + 14 + 4) / 2;
    let rows = lines
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, line)| {
            let selected = i == tree.selected;
            let marker = if selected { "▶" } else { " " };
            let cs = cells(app, line, name_width).into_iter().map(Cell::from);
            let row = Row::new(std::iter::once(Cell::from(marker)).chain(cs));
            if selected {
                row.style(theme.selected())
            } else if matches!(line.kind, LineKind::Node(_)) {
                row
            } else {
                row.style(theme.dim())
            }
        });
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, inner);
    // A line that is not a node ("loading…", an error, "↑ 200 earlier") is one sentence across
    // the row rather than cut at the name column.
    for (i, line) in lines.iter().enumerate().skip(offset).take(visible) {
        if matches!(line.kind, LineKind::Node(_)) {
            continue;
        }
        let y = inner.y + 1 + (i - offset) as u16;
        let text = cells(app, line, usize::MAX).swap_remove(0);
        let row = Rect::new(inner.x + 2, y, inner.width.saturating_sub(2), 1);
        let style = if i == tree.selected {
            theme.selected()
        } else {
            theme.dim()
        };
        frame.render_widget(Paragraph::new(text).style(style), row);
    }
}

/// The cells of one line after the marker: name (indented), level, children, status.
fn cells(app: &App, line: &Line, name_width: usize) -> Vec<String> {
    let tree = &app.hierarchy.tree;
    let indent = "  ".repeat(line.depth);
    match &line.kind {
        LineKind::Node(path) => {
            let Some(it) = tree.item(path) else {
                return vec![String::new(); 4];
            };
            let arrow = match (it.node.level(), &it.open) {
                (Level::Tenant, _) => "·",
                (_, Some(_)) => "▾",
                (_, None) => "▸",
            };
            vec![
                fit(format!("{indent}{arrow} {}", it.node.name()), name_width).into_owned(),
                it.node.level().label().to_string(),
                children_words(&it.node),
                status_words(&it.node),
            ]
        }
        LineKind::Earlier { count, .. } => vec![
            format!(
                "{indent}  ↑ {} earlier (k loads them)",
                group(*count as u64)
            ),
            String::new(),
            String::new(),
            String::new(),
        ],
        LineKind::Status { path } => {
            let words = tree.children(path).map(status_line).unwrap_or_default();
            vec![
                format!("{indent}  {words}"),
                String::new(),
                String::new(),
                String::new(),
            ]
        }
    }
}

/// "Dana Reyes, Sam Lee", or a dash for none.
pub fn admins_words(admins: &[crate::domain::UserRef]) -> String {
    if admins.is_empty() {
        return "—".into();
    }
    admins
        .iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The detail pane's fields for a distributor or a tenant (a partner shows its record).
pub fn node_fields(node: &Node) -> Vec<crate::tui::queue::detail::Field> {
    use crate::tui::queue::detail::f;
    let (contact, admins, under) = match node {
        Node::Distributor(d) => (&d.contact, &d.admins, None),
        Node::Tenant(t) => (
            &t.contact,
            &t.admins,
            Some(format!("Partner {}", t.partner.name)),
        ),
        Node::Partner(_) => return Vec::new(),
    };
    let mut out = vec![
        f(node.level().label(), node.name().to_string()),
        f("Status", status_words(node)),
    ];
    if let Some(under) = under {
        out.push(f("Under", under));
    }
    if node.child_count().is_some() {
        out.push(f("Children", children_words(node)));
    }
    out.extend([
        f("Contact", contact.name.clone()),
        f("Email", contact.email.clone()),
    ]);
    if node.level() == Level::Distributor {
        out.push(f("Phone", contact.phone.clone()));
    }
    out.push(f("Admins", admins_words(admins)));
    out
}
