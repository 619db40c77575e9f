//! The hierarchy of seed 002 (RECORDS.md §1): distributor → partner → tenant. Each node has its
//! own status and what it inherits from above ([`Standing`]); staff users hold scoped
//! [`Assignment`]s that make them administrators of a node and everything below it. Who may
//! write what is decided once, in [`permission`](super::permission), for the server and the
//! console alike.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{PartnerRef, UserRef};
use crate::text::{Clean, line};

/// A level of the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Distributor,
    Partner,
    Tenant,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Distributor, Level::Partner, Level::Tenant];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Distributor => "distributor",
            Level::Partner => "partner",
            Level::Tenant => "tenant",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The collection's path segment: `/distributors`, `/partners`, `/tenants`.
    pub fn collection(self) -> &'static str {
        match self {
            Level::Distributor => "distributors",
            Level::Partner => "partners",
            Level::Tenant => "tenants",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Distributor => "Distributor",
            Level::Partner => "Partner",
            Level::Tenant => "Tenant",
        }
    }

    /// The level of this node's children; tenants have none.
    pub fn child(self) -> Option<Level> {
        match self {
            Level::Distributor => Some(Level::Partner),
            Level::Partner => Some(Level::Tenant),
            Level::Tenant => None,
        }
    }

    pub fn parent(self) -> Option<Level> {
        match self {
            Level::Distributor => None,
            Level::Partner => Some(Level::Distributor),
            Level::Tenant => Some(Level::Partner),
        }
    }

    /// The scoped role that administers a node of this level.
    pub fn admin_role(self) -> AssignmentRole {
        match self {
            Level::Distributor => AssignmentRole::DistributorAdmin,
            Level::Partner => AssignmentRole::PartnerAdmin,
            Level::Tenant => AssignmentRole::TenantAdmin,
        }
    }
}

/// A distributor's or a tenant's own status. (A partner's own status is a
/// [`PartnerStatus`](super::PartnerStatus), which has more states.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    #[default]
    Active,
    Suspended,
}

impl NodeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeStatus::Active => "active",
            NodeStatus::Suspended => "suspended",
        }
    }

    pub fn parse(s: &str) -> Option<NodeStatus> {
        match s {
            "active" => Some(NodeStatus::Active),
            "suspended" => Some(NodeStatus::Suspended),
            _ => None,
        }
    }
}

/// A node by level, id and its name when it was read: `suspended_by`, an assignment's scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeRef {
    pub kind: Level,
    pub id: String,
    pub name: String,
}

impl Clean for NodeRef {
    fn clean(self) -> Self {
        NodeRef {
            kind: self.kind,
            id: line(self.id),
            name: line(self.name),
        }
    }
}

/// What a node inherits from above: a suspended distributor suspends its partners and their
/// tenants without changing their own status. `suspended_by` names the highest suspended node
/// above this one (the last that must be enabled again), or is `null` when the node is
/// suspended only by its own status, or not at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    #[serde(default)]
    pub effective_status: NodeStatus,
    #[serde(default)]
    pub suspended_by: Option<NodeRef>,
}

impl Standing {
    pub fn suspended(&self) -> bool {
        self.effective_status == NodeStatus::Suspended
    }
}

impl Clean for Standing {
    fn clean(self) -> Self {
        Standing {
            effective_status: self.effective_status,
            suspended_by: self.suspended_by.clean(),
        }
    }
}

/// A distributor's or a tenant's contact (a tenant has no phone: empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeContact {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

impl Clean for NodeContact {
    fn clean(self) -> Self {
        NodeContact {
            name: line(self.name),
            email: line(self.email),
            phone: line(self.phone),
        }
    }
}

/// `GET /distributors/{id}` and the rows of `GET /distributors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distributor {
    pub id: String,
    pub name: String,
    pub status: NodeStatus,
    #[serde(default)]
    pub contact: NodeContact,
    #[serde(default)]
    pub partner_count: u64,
    #[serde(default)]
    pub admins: Vec<UserRef>,
    #[serde(flatten)]
    pub standing: Standing,
    #[serde(default)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

impl Clean for Distributor {
    fn clean(self) -> Self {
        Distributor {
            id: line(self.id),
            name: line(self.name),
            status: self.status,
            contact: self.contact.clean(),
            partner_count: self.partner_count,
            admins: self.admins.clean(),
            standing: self.standing.clean(),
            version: self.version,
            created_at: self.created_at,
        }
    }
}

/// `GET /tenants/{id}` and the rows of `GET /tenants`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub status: NodeStatus,
    pub partner: PartnerRef,
    #[serde(default)]
    pub contact: NodeContact,
    #[serde(default)]
    pub admins: Vec<UserRef>,
    #[serde(flatten)]
    pub standing: Standing,
    #[serde(default)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

impl Clean for Tenant {
    fn clean(self) -> Self {
        Tenant {
            id: line(self.id),
            name: line(self.name),
            status: self.status,
            partner: self.partner.clean(),
            contact: self.contact.clean(),
            admins: self.admins.clean(),
            standing: self.standing.clean(),
            version: self.version,
            created_at: self.created_at,
        }
    }
}

/// A scoped role a staff user may hold over one node and everything below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentRole {
    DistributorAdmin,
    PartnerAdmin,
    TenantAdmin,
}

impl AssignmentRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentRole::DistributorAdmin => "distributor_admin",
            AssignmentRole::PartnerAdmin => "partner_admin",
            AssignmentRole::TenantAdmin => "tenant_admin",
        }
    }

    pub fn parse(s: &str) -> Option<AssignmentRole> {
        Level::ALL
            .into_iter()
            .map(Level::admin_role)
            .find(|r| r.as_str() == s)
    }

    /// The level of the node it is held over.
    pub fn level(self) -> Level {
        match self {
            AssignmentRole::DistributorAdmin => Level::Distributor,
            AssignmentRole::PartnerAdmin => Level::Partner,
            AssignmentRole::TenantAdmin => Level::Tenant,
        }
    }

    /// As a person says it: "distributor administrator".
    pub fn label(self) -> &'static str {
        match self {
            AssignmentRole::DistributorAdmin => "distributor administrator",
            AssignmentRole::PartnerAdmin => "partner administrator",
            AssignmentRole::TenantAdmin => "tenant administrator",
        }
    }
}

/// One of `GET /me`'s `assignments`: `role` over `scope` and everything below it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub role: AssignmentRole,
    pub scope: NodeRef,
}

impl Clean for Assignment {
    fn clean(self) -> Self {
        Assignment {
            role: self.role,
            scope: self.scope.clean(),
        }
    }
}

/// Body of `POST /distributors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDistributor {
    pub name: String,
    #[serde(default)]
    pub contact: NodeContact,
}

/// Body of `POST /partners`: a new partner under `distributor_id`, active, with no package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPartner {
    pub distributor_id: String,
    pub name: String,
    #[serde(default)]
    pub contact: NodeContact,
}

/// Body of `POST /tenants`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    pub partner_id: String,
    pub name: String,
    #[serde(default)]
    pub contact: NodeContact,
}

/// Body of `POST …/{id}/suspend`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuspendRequest {
    pub reason: String,
}

/// Body of `POST …/{id}/admins`: the user with this email becomes an administrator of the
/// node; a staff user is made (as a viewer, with no token) when none has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAdmin {
    pub name: String,
    pub email: String,
}

/// The children a node still has, in a 409 `has_children`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildCounts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partners: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenants: Option<u64>,
}

impl std::fmt::Display for ChildCounts {
    /// "3 partners", "1 tenant".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: u64, one: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {one}s")
            }
        };
        let mut parts = Vec::new();
        if let Some(n) = self.partners {
            parts.push(plural(n, "partner"));
        }
        if let Some(n) = self.tenants {
            parts.push(plural(n, "tenant"));
        }
        f.write_str(&parts.join(" and "))
    }
}

/// One level's nodes under one parent: `GET /distributors`, `GET /partners?distributor_id=`,
/// `GET /tenants?partner_id=`, by name, keyset-paged.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeQuery {
    pub level: Level,
    /// The parent's id (none for distributors; for partners and tenants, none lists them all).
    pub parent: Option<String>,
    /// Searched in the names of this level.
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// A node of any level, as its level's list gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Distributor(Distributor),
    Partner(super::PartnerSummary),
    Tenant(Tenant),
}

impl Node {
    pub fn level(&self) -> Level {
        match self {
            Node::Distributor(_) => Level::Distributor,
            Node::Partner(_) => Level::Partner,
            Node::Tenant(_) => Level::Tenant,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Node::Distributor(d) => &d.id,
            Node::Partner(p) => &p.id,
            Node::Tenant(t) => &t.id,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Node::Distributor(d) => &d.name,
            Node::Partner(p) => &p.name,
            Node::Tenant(t) => &t.name,
        }
    }

    pub fn version(&self) -> i64 {
        match self {
            Node::Distributor(d) => d.version,
            Node::Partner(p) => p.version,
            Node::Tenant(t) => t.version,
        }
    }

    pub fn standing(&self) -> &Standing {
        match self {
            Node::Distributor(d) => &d.standing,
            Node::Partner(p) => &p.standing,
            Node::Tenant(t) => &t.standing,
        }
    }

    /// Suspended by its own status (a partner's `suspended`, not its other states).
    pub fn own_suspended(&self) -> bool {
        match self {
            Node::Distributor(d) => d.status == NodeStatus::Suspended,
            Node::Partner(p) => p.status == super::PartnerStatus::Suspended,
            Node::Tenant(t) => t.status == NodeStatus::Suspended,
        }
    }

    /// How many children it has (a tenant has none to have).
    pub fn child_count(&self) -> Option<u64> {
        match self {
            Node::Distributor(d) => Some(d.partner_count),
            Node::Partner(p) => Some(p.tenant_count),
            Node::Tenant(_) => None,
        }
    }
}

impl Clean for Node {
    fn clean(self) -> Self {
        match self {
            Node::Distributor(d) => Node::Distributor(d.clean()),
            Node::Partner(p) => Node::Partner(p.clean()),
            Node::Tenant(t) => Node::Tenant(t.clean()),
        }
    }
}

/// What `POST /distributors`, `/partners` or `/tenants` creates.
#[derive(Debug, Clone, PartialEq)]
pub enum NewNode {
    Distributor(NewDistributor),
    Partner(NewPartner),
    Tenant(NewTenant),
}

impl NewNode {
    pub fn level(&self) -> Level {
        match self {
            NewNode::Distributor(_) => Level::Distributor,
            NewNode::Partner(_) => Level::Partner,
            NewNode::Tenant(_) => Level::Tenant,
        }
    }
}

/// A `PATCH` of a distributor or a tenant (a partner's goes through
/// [`PartnerPatch`](super::PartnerPatch)): the fields that changed, as a merge patch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodePatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<NodeContactPatch>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeContactPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}
