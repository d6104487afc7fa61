//! The TypeScript declarations of every type that reaches the UI, over IPC from this core or over
//! HTTP from the server, generated from the Rust types with ts-rs: the UI's types cannot drift
//! from the wire. The test command checks `ui/src/generated/types.ts` against [`declarations`]
//! (the test `generated_typescript_is_fresh`); `cargo xtask types` writes it.

use std::collections::BTreeMap;

use ts_rs::{Config, TypeVisitor, TS};

/// Where the generated file lives, from the repository root.
pub const GENERATED: &str = "ui/src/generated/types.ts";

/// Collects the declarations of the visited types and everything they use, by name.
struct Collect {
    cfg: Config,
    decls: BTreeMap<String, String>,
}

impl TypeVisitor for Collect {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Built-in and wrapper types (strings, numbers, lists, options) declare nothing: their
        // insides may.
        if T::output_path().is_none() {
            T::visit_dependencies(self);
            return;
        }
        let name = T::ident(&self.cfg);
        if self.decls.contains_key(&name) {
            return;
        }
        let mut decl = T::docs().unwrap_or_default();
        decl.push_str("export ");
        decl.push_str(&T::decl(&self.cfg));
        self.decls.insert(name, decl);
        T::visit_dependencies(self);
    }
}

/// The whole generated file: every type the UI reads or sends, with what they use.
pub fn declarations() -> String {
    use convene_proto as p;
    let mut c = Collect {
        cfg: Config::new().with_large_int("number"),
        decls: BTreeMap::new(),
    };
    // What the desktop core hands the UI over IPC.
    c.visit::<crate::screen::Home>();
    c.visit::<crate::screen::ConversationScreen>();
    c.visit::<crate::SessionInfo>();
    c.visit::<crate::SyncOutcome>();
    c.visit::<crate::JoinPlan>();
    c.visit::<crate::events::ClientEvent>();
    c.visit::<crate::outbox::Action>();
    c.visit::<crate::QueueOutcome>();
    c.visit::<crate::cache::SearchHit>();
    c.visit::<crate::team::TeamRequest>();
    c.visit::<p::screen::CrewChoice>();
    // What the web client reads from the server.
    c.visit::<p::screen::ScreenPage>();
    c.visit::<p::MessagePage>();
    c.visit::<p::LoginResponse>();
    c.visit::<p::Problem>();
    c.visit::<p::ConversationList>();
    c.visit::<p::list::HomeList>();
    c.visit::<p::AgentList>();
    c.visit::<p::team::TeamAgentList>();
    c.visit::<p::team::SetRole>();
    c.visit::<p::team::SettingsPage>();
    c.visit::<p::CreateAgent>();
    c.visit::<p::ChangePassword>();
    c.visit::<p::PasswordResetRequest>();
    c.visit::<p::CrewList>();
    c.visit::<p::ContactList>();
    c.visit::<p::ShareLink>();
    c.visit::<p::InviteOutcome>();
    c.visit::<p::EmailLinkAccepted>();
    c.visit::<p::StreamEvent>();
    c.visit::<p::audit::AuditPage>();
    c.visit::<p::audit::AuditFormat>();
    c.visit::<p::audit::AuditFilter>();
    let mut out = String::from(
        "// Generated from the Rust types by `cargo xtask types` (convene-client/src/typescript.rs).\n\
         // Do not edit: change the Rust type and run it again; the test command fails while this is stale.\n\n",
    );
    for decl in c.decls.values() {
        out.push_str(decl);
        out.push_str("\n\n");
    }
    out.push_str("/** What people may type, from convene_proto::limits (server validation and OpenAPI read the same). */\n");
    out.push_str("export const LIMITS = {\n");
    for (name, value) in convene_proto::limits::ALL {
        out.push_str(&format!("  {name}: {value},\n"));
    }
    out.push_str("} as const;\n\n");
    out.push_str("/** The audit log's kinds by category, in order (convene_proto::audit), for its filters. */\n");
    out.push_str("export const AUDIT_KINDS: Record<AuditCategory, AuditKind[]> = {\n");
    for category in p::audit::AuditCategory::ALL {
        let kinds: Vec<String> = p::audit::AuditKind::of(*category)
            .map(|k| format!("\"{}\"", k.as_str()))
            .collect();
        out.push_str(&format!(
            "  {}: [{}],\n",
            category.as_str(),
            kinds.join(", ")
        ));
    }
    out.push_str("};\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed file is what the Rust types say now. `CONVENE_WRITE_TYPES=1` writes it.
    #[test]
    fn generated_typescript_is_fresh() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(GENERATED);
        let fresh = declarations();
        if std::env::var_os("CONVENE_WRITE_TYPES").is_some() {
            std::fs::create_dir_all(path.parent().expect("folder")).expect("folder");
            std::fs::write(&path, &fresh).expect("write");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{GENERATED} is stale: run `cargo xtask types` and commit it"
        );
    }
}
