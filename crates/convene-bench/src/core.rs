//! Runs workloads 1-5 in order, each on data set up for it, and collects their figures.

use std::path::{Path, PathBuf};

use anyhow::Result;
use convene_server::Store;

use crate::figures::Figure;
use crate::setup::{self, Shape};
use crate::{realtime, search, server, sync, throughput};

/// What `convene-bench core` was asked for.
pub struct Options {
    pub server_bin: PathBuf,
    pub pg_url: Option<String>,
    /// A tenth of every size, for a quick look (figures are then not the targets' sizes).
    pub quick: bool,
    /// Run only the workloads whose name contains this.
    pub only: Option<String>,
}

impl Options {
    fn scale(&self, n: usize) -> usize {
        if self.quick {
            (n / 10).max(1)
        } else {
            n
        }
    }

    fn wants(&self, workload: &str) -> bool {
        self.only.as_deref().is_none_or(|o| workload.contains(o))
    }
}

/// A SQLite data folder with an account (its first plain agent owns `shape`), ready to serve.
pub struct Prepared {
    pub data: PathBuf,
    pub account: setup::Account,
    pub conversations: Vec<String>,
}

async fn prepare(
    dir: &Path,
    agents: usize,
    shape: Shape,
    owner_is_admin: bool,
) -> Result<Prepared> {
    std::fs::create_dir_all(dir)?;
    let store = Store::open(dir, None).await?;
    let account = setup::account(&store, agents).await?;
    store.pool().close().await;
    let owner = if owner_is_admin {
        account.admin
    } else {
        account.agents[0].0
    };
    eprintln!(
        "setting up {} conversations, {} participants, {} messages, {} contacts",
        shape.conversations,
        shape.conversations * shape.participants_per,
        shape.conversations * shape.messages_per,
        shape.contacts
    );
    setup::bulk(&dir.join("convene.db"), account.id, owner, shape)?;
    let conn = rusqlite::Connection::open(dir.join("convene.db"))?;
    let mut stmt = conn.prepare("SELECT id FROM conversations ORDER BY id")?;
    let conversations = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Prepared {
        data: dir.to_owned(),
        account,
        conversations,
    })
}

pub async fn run(o: &Options) -> Result<Vec<Figure>> {
    let work = tempfile::tempdir()?;
    let mut figures = Vec::new();
    let shape = Shape {
        conversations: o.scale(10_000),
        participants_per: 10,
        messages_per: 10,
        contacts: o.scale(100_000),
    };
    let expect = |s: Shape| {
        (
            s.conversations as i64,
            (s.conversations * s.participants_per) as i64,
            (s.conversations * s.messages_per) as i64,
        )
    };

    if o.wants("sync") || o.wants("search") {
        let big = prepare(&work.path().join("server-big"), 1, shape, false).await?;
        let srv = server::start(&o.server_bin, &big.data, None).await;
        let token = &big.account.agents[0].1;
        if o.wants("search") {
            eprintln!("workload 5: contact search");
            figures.extend(
                search::contacts(
                    &srv,
                    &big.account.admin_token,
                    &big.data.join("convene.db"),
                    &big.account.id.to_string(),
                    shape.contacts,
                )
                .await?,
            );
        }
        if o.wants("sync") {
            eprintln!("workload 1: first sync");
            figures.extend(sync::initial(&srv, token, work.path(), expect(shape), 3).await?);
            eprintln!(
                "workload 2: incremental sync, {} messages cached",
                shape.conversations * shape.messages_per
            );
            let (client, _) = sync::first_sync(&srv, token, &work.path().join("inc-big")).await?;
            eprintln!("workload 5: contact search in the client cache");
            figures.extend(search::cached(&client, shape.contacts)?);
            eprintln!("workload 5b: conversation search in the client cache");
            figures.extend(search::conversations_cached(&client, "client_cache")?);
            figures.extend(
                sync::incremental(
                    &srv,
                    &client,
                    token,
                    &big.conversations,
                    "100k_messages",
                    100,
                    5,
                    work.path(),
                )
                .await?,
            );
        }
        drop(srv);

        if o.wants("sync") {
            let small_shape = Shape {
                messages_per: 1,
                contacts: o.scale(10_000),
                ..shape
            };
            let small = prepare(&work.path().join("server-small"), 1, small_shape, false).await?;
            let srv = server::start(&o.server_bin, &small.data, None).await;
            let token = &small.account.agents[0].1;
            let (client, _) = sync::first_sync(&srv, token, &work.path().join("inc-small")).await?;
            figures.extend(
                sync::incremental(
                    &srv,
                    &client,
                    token,
                    &small.conversations,
                    "10k_messages",
                    100,
                    5,
                    work.path(),
                )
                .await?,
            );
        }
    }
    if o.wants("history") {
        let long = Shape {
            conversations: o.scale(10_000),
            participants_per: 3,
            messages_per: 100,
            contacts: o.scale(1_000),
        };
        let total = long.conversations * long.messages_per;
        let data = prepare(&work.path().join("server-history"), 1, long, false).await?;
        let srv = server::start(&o.server_bin, &data.data, None).await;
        let token = &data.account.agents[0].1;
        eprintln!("workload 1c: first sync of {total} messages, recent pages then the history");
        let (client, found) =
            sync::long_history(&srv, token, work.path(), i64::try_from(total)?).await?;
        figures.extend(found);
        eprintln!("workload 5b: conversation search over {total} cached messages");
        figures.extend(search::conversations_cached(&client, "1m_messages")?);
        eprintln!("workload 2: incremental sync over {total} cached messages");
        figures.extend(
            sync::incremental(
                &srv,
                &client,
                token,
                &data.conversations,
                "1m_messages",
                100,
                5,
                work.path(),
            )
            .await?,
        );
    }
    if o.wants("realtime") {
        eprintln!("workload 3: invite to realtime delivery");
        let n = o.scale(10_000);
        let rt_shape = Shape {
            conversations: n,
            participants_per: 1,
            messages_per: 0,
            contacts: 0,
        };
        let rt = prepare(&work.path().join("server-realtime"), n, rt_shape, true).await?;
        let srv = server::start(&o.server_bin, &rt.data, None).await;
        figures.extend(
            realtime::invites(
                &srv,
                &rt.account.admin_token,
                &rt.conversations,
                &rt.account.agents,
            )
            .await?,
        );
    }

    if o.wants("membership") {
        let requests = o.scale(3000);
        let agents = 30;
        let conversations = 2 * requests.div_ceil(agents);
        let mut backends: Vec<(&str, Option<String>, f64)> = vec![("sqlite", None, 1000.0)];
        if let Some(url) = &o.pg_url {
            backends.push(("postgres", Some(url.clone()), 3000.0));
        }
        for (i, (label, pg, floor)) in backends.into_iter().enumerate() {
            eprintln!("workload 4: membership throughput on {label}");
            let url = match &pg {
                Some(url) => Some(fresh_pg_database(url, &format!("bench_membership_{i}")).await?),
                None => None,
            };
            let base_url = match &pg {
                Some(url) => Some(fresh_pg_database(url, &format!("bench_direct_{i}")).await?),
                None => None,
            };
            let dir = work.path().join(format!("membership-{label}"));
            std::fs::create_dir_all(&dir)?;
            let store = Store::open(&dir, url.as_deref()).await?;
            let account = setup::account(&store, agents).await?;
            let convs =
                throughput::conversations(&store, account.id, account.admin, conversations).await?;
            store.pool().close().await;

            let base_dir = work.path().join(format!("direct-{label}"));
            std::fs::create_dir_all(&base_dir)?;
            let base_store = Store::open(&base_dir, base_url.as_deref()).await?;
            let base_account = setup::account(&base_store, agents).await?;
            let base_convs = throughput::conversations(
                &base_store,
                base_account.id,
                base_account.admin,
                conversations,
            )
            .await?;
            let direct =
                throughput::direct(&base_store, &base_convs, &base_account.agents, requests)
                    .await?;
            base_store.pool().close().await;

            let srv = server::start(&o.server_bin, &dir, url.as_deref()).await;
            figures.extend(
                throughput::membership(
                    &srv,
                    &account.admin_token,
                    &convs,
                    &account.agents,
                    requests,
                    label,
                    floor,
                    direct,
                )
                .await?,
            );
        }
    }
    Ok(figures)
}

/// A new empty database `name` on the PostgreSQL server of `url`; answers its URL.
async fn fresh_pg_database(url: &str, name: &str) -> Result<String> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name}"
    )))
    .execute(&mut conn)
    .await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    Ok(format!("{base}/{name}"))
}
