//! Who may write a node of the hierarchy (RECORDS.md §1's table, from seed 002), decided once
//! here: the server's 403 and the console's disabled keys come from the same function, so they
//! cannot disagree.
//!
//! A write to a node is an edit, a delete, a suspend or enable, or a change of its
//! administrators; creating a node is a write at the new node's level under its parent.
//! - distributors: the platform administrator (the staff role `admin`);
//! - partners: the distributor administrator of the partner's distributor, or platform;
//! - tenants: the partner administrator of the tenant's partner, its distributor's
//!   administrator, or platform.
//!
//! A `tenant_admin` assignment grants none of these: the seed gives tenant administrators no
//! part in the hierarchy (they run their own tenant, which is outside this console).

use super::{Assignment, AssignmentRole, Level, Role};

/// Where a node sits: the ids on its path from the top. For a new node, the path of the
/// parent it is created under (a new distributor has none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lineage {
    pub distributor: Option<String>,
    pub partner: Option<String>,
}

/// The permission level a refused write needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needed {
    Platform,
    /// The distributor's administrator, or platform.
    Distributor,
    /// The partner's administrator, its distributor's, or platform.
    Partner,
}

impl Needed {
    /// As the end of a sentence: "This needs {words}."
    pub fn words(self) -> &'static str {
        match self {
            Needed::Platform => "a platform administrator",
            Needed::Distributor => "the distributor administrator or a platform administrator",
            Needed::Partner => {
                "the partner administrator, the distributor administrator or a platform administrator"
            }
        }
    }

    /// The lowest level that would do, for a key hint: "distributor admin".
    pub fn short(self) -> &'static str {
        match self {
            Needed::Platform => "platform admin",
            Needed::Distributor => "distributor admin",
            Needed::Partner => "partner admin",
        }
    }
}

/// May a user of `role` holding `assignments` write a node of `level` at `lineage`?
pub fn may_write(
    role: Role,
    assignments: &[Assignment],
    level: Level,
    lineage: &Lineage,
) -> Result<(), Needed> {
    if role == Role::Admin {
        return Ok(());
    }
    let holds = |r: AssignmentRole, id: &Option<String>| {
        role != Role::PartnerOwner
            && id
                .as_ref()
                .is_some_and(|id| assignments.iter().any(|a| a.role == r && a.scope.id == *id))
    };
    let by_distributor = holds(AssignmentRole::DistributorAdmin, &lineage.distributor);
    match level {
        Level::Distributor => Err(Needed::Platform),
        Level::Partner if by_distributor => Ok(()),
        Level::Partner => Err(Needed::Distributor),
        Level::Tenant
            if by_distributor || holds(AssignmentRole::PartnerAdmin, &lineage.partner) =>
        {
            Ok(())
        }
        Level::Tenant => Err(Needed::Partner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::NodeRef;

    fn holds(role: AssignmentRole, id: &str) -> Assignment {
        Assignment {
            role,
            scope: NodeRef {
                kind: role.level(),
                id: id.into(),
                name: id.into(),
            },
        }
    }

    fn at(d: &str, p: Option<&str>) -> Lineage {
        Lineage {
            distributor: Some(d.into()),
            partner: p.map(Into::into),
        }
    }

    #[test]
    fn each_level_is_written_by_its_administrators_and_those_above() {
        let dist = [holds(AssignmentRole::DistributorAdmin, "d1")];
        let part = [holds(AssignmentRole::PartnerAdmin, "p1")];
        let tenant = [holds(AssignmentRole::TenantAdmin, "t1")];
        let csr = Role::Csr;
        // Distributors: platform only.
        assert_eq!(
            may_write(Role::Admin, &[], Level::Distributor, &at("d1", None)),
            Ok(())
        );
        assert_eq!(
            may_write(csr, &dist, Level::Distributor, &at("d1", None)),
            Err(Needed::Platform)
        );
        // Partners: their distributor's administrator.
        assert_eq!(
            may_write(csr, &dist, Level::Partner, &at("d1", None)),
            Ok(())
        );
        assert_eq!(
            may_write(csr, &dist, Level::Partner, &at("d2", None)),
            Err(Needed::Distributor)
        );
        assert_eq!(
            may_write(csr, &part, Level::Partner, &at("d1", Some("p1"))),
            Err(Needed::Distributor)
        );
        // Tenants: their partner's or distributor's administrator; never a tenant admin.
        assert_eq!(
            may_write(csr, &part, Level::Tenant, &at("d1", Some("p1"))),
            Ok(())
        );
        assert_eq!(
            may_write(csr, &dist, Level::Tenant, &at("d1", Some("p9"))),
            Ok(())
        );
        assert_eq!(
            may_write(csr, &part, Level::Tenant, &at("d1", Some("p2"))),
            Err(Needed::Partner)
        );
        assert_eq!(
            may_write(csr, &tenant, Level::Tenant, &at("d1", Some("p1"))),
            Err(Needed::Partner)
        );
        // Roles alone grant nothing below platform, and an impersonation token nothing at all.
        assert_eq!(
            may_write(Role::Viewer, &[], Level::Tenant, &at("d1", Some("p1"))),
            Err(Needed::Partner)
        );
        assert_eq!(
            may_write(Role::PartnerOwner, &dist, Level::Partner, &at("d1", None)),
            Err(Needed::Distributor)
        );
    }
}
