//! Workload 6: the desktop app's cold start to a cached list of 10,000 conversations under Xvfb,
//! and its resident memory after it.
//!
//! Each run starts the real release binary on a private Xvfb display and D-Bus session bus, signed
//! in to a server that does not answer (so it starts offline, to its cache), and times it from
//! spawn to the line the app writes when the list is first painted (`startup_rendered`, see
//! `src-tauri/src/startup.rs`). A couple of seconds later it sums the memory of the app and every
//! process under it (the WebKit web and network processes), then kills them. The baseline is the
//! same app starting to a list of a few conversations, in the same run, interleaved with the
//! 10,000 runs so both see the same machine.
//!
//! Starts are process-cold but page-cache-warm: one discarded warm-up run per data set comes
//! first, so every measured run reads the binary and the cache file from memory.
//!
//! `CONVENE_BENCH_BIN_DIR` points at other binaries than `target/release` (e.g. a debug build
//! while iterating); the figures of record come from the release build.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::sh;

/// Conversations in the measured cache.
const CONVERSATIONS: usize = 10_000;
/// Conversations in the baseline's cache: the same app, starting to a short list.
const BASELINE_CONVERSATIONS: usize = 10;
/// Measured runs per data set (after one warm-up run each).
const RUNS: usize = 5;
/// Targets of the workload.
const START_TARGET_MS: f64 = 1000.0;
const MEMORY_TARGET_MB: f64 = 150.0;
/// How long after the list is shown memory is read (the app opens the last conversation and
/// tries the server meanwhile, as it does for a user).
const SETTLE: Duration = Duration::from_secs(2);
/// A start slower than this is a failure, not a figure.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// What the app writes on stderr when it first shows the list.
const SHOWN_MARKER: &str = "convene: conversation list shown (";

/// One data set: a cache with `conversations` conversations.
struct DataSet {
    label: &'static str,
    conversations: usize,
    dir: PathBuf,
    samples: Vec<Sample>,
}

/// What one start measured.
struct Sample {
    /// From spawn to reading the app's "list shown" line.
    wall_ms: f64,
    /// The app's own figure, from the start of its `main`.
    app_ms: f64,
    memory: Memory,
}

/// Memory of the app's process tree, in KiB.
#[derive(Default)]
struct Memory {
    app_rss: u64,
    total_rss: u64,
    /// `None` when some process's `smaps_rollup` could not be read.
    total_pss: Option<u64>,
    processes: Vec<String>,
}

pub fn run(root: &Path, out: &Path) -> Result<()> {
    if !cfg!(target_os = "linux") {
        bail!("the desktop benchmark runs on Linux (Xvfb, /proc); use --no-desktop elsewhere");
    }
    let bins = std::env::var_os("CONVENE_BENCH_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/release"));
    let app = bins.join("convene");
    let bench = bins.join("convene-bench");
    for bin in [&app, &bench] {
        if !bin.is_file() {
            bail!(
                "{} is missing: build it first (`cargo build --release -p convene -p convene-bench`, after `npm run build` in ui/)",
                bin.display()
            );
        }
    }
    let work = root.join("target/bench/desktop");
    let mut sets = [
        DataSet::new(&work, "10k", CONVERSATIONS),
        DataSet::new(&work, "baseline", BASELINE_CONVERSATIONS),
    ];
    for set in &sets {
        sh(Command::new(&bench)
            .arg("desktop-cache")
            .arg("--dir")
            .arg(set.dir.join("data"))
            .args(["--conversations", &set.conversations.to_string()]))?;
    }

    let display = Xvfb::start(&work)?;
    let bus = SessionBus::start(&display.name)?;
    let session = Session {
        app: &app,
        display: &display.name,
        bus: bus.as_ref().map(|b| b.address.as_str()),
    };
    eprintln!(
        "\n==> desktop cold start: {} under Xvfb {}, {RUNS} runs per data set after a warm-up",
        app.display(),
        display.name
    );
    for set in &sets {
        let warm = session.start(set, "warmup")?;
        eprintln!("    warm-up {:>8}: {:>6.0} ms", set.label, warm.wall_ms);
    }
    for run in 0..RUNS {
        for set in &mut sets {
            let sample = session.start(set, &format!("run{run}"))?;
            eprintln!(
                "    run {run} {:>8}: {:>6.0} ms (app: {:.0} ms), {:.1} MB total RSS, {} MB PSS [{}]",
                set.label,
                sample.wall_ms,
                sample.app_ms,
                mb(sample.memory.total_rss),
                sample
                    .memory
                    .total_pss
                    .map(|p| format!("{:.1}", mb(p)))
                    .unwrap_or_else(|| "?".into()),
                sample.memory.processes.join(", ")
            );
            set.samples.push(sample);
        }
    }
    drop(bus);
    drop(display);

    let [big, small] = &sets;
    let mut figures = figures(big, small);
    let (raw, gzip) = bundle_size(&root.join("ui/dist/assets"))?;
    figures.push(Figure::plain("ui.bundle_js_css", raw, "KiB"));
    figures.push(Figure::plain("ui.bundle_js_css.gzip", gzip, "KiB"));
    print_table(&figures);
    write_json(out, &figures)
}

impl DataSet {
    fn new(work: &Path, label: &'static str, conversations: usize) -> Self {
        Self {
            label,
            conversations,
            dir: work.join(label),
            samples: Vec::new(),
        }
    }
}

/// Everything a start of the app needs besides its data set.
struct Session<'a> {
    app: &'a Path,
    display: &'a str,
    bus: Option<&'a str>,
}

impl Session<'_> {
    /// Starts the app on `set`, waits for the list, reads memory, and stops it.
    fn start(&self, set: &DataSet, name: &str) -> Result<Sample> {
        let log_path = set.dir.join(format!("{name}.log"));
        let mut cmd = Command::new(self.app);
        cmd.env("CONVENE_APP_DATA_DIR", set.dir.join("data"))
            .env("DISPLAY", self.display)
            .env("NO_AT_BRIDGE", "1")
            // WebKit's own storage (localStorage, caches) stays inside the data set too.
            .env("XDG_DATA_HOME", set.dir.join("xdg/data"))
            .env("XDG_CACHE_HOME", set.dir.join("xdg/cache"))
            .env("XDG_CONFIG_HOME", set.dir.join("xdg/config"))
            .env_remove("CONVENE_AUTO_SIGN_IN")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        match self.bus {
            Some(address) => cmd.env("DBUS_SESSION_BUS_ADDRESS", address),
            None => cmd.env_remove("DBUS_SESSION_BUS_ADDRESS"),
        };
        let spawned = Instant::now();
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {}", self.app.display()))?;
        let mut app = Running::new(child);
        let lines = app.follow_stderr(&log_path)?;
        let (shown_at, line) = loop {
            match lines.recv_timeout(Duration::from_millis(100)) {
                Ok((at, line)) if line.contains(SHOWN_MARKER) => break (at, line),
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(status) = app.child.try_wait()? {
                        bail!(
                            "the app exited ({status}) before showing the list; its log: {}\n{}",
                            log_path.display(),
                            tail(&log_path)
                        );
                    }
                    if spawned.elapsed() > START_TIMEOUT {
                        bail!(
                            "the app did not show the list within {START_TIMEOUT:?}; its log: {}\n{}",
                            log_path.display(),
                            tail(&log_path)
                        );
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => bail!(
                    "the app closed its stderr before showing the list; its log: {}\n{}",
                    log_path.display(),
                    tail(&log_path)
                ),
            }
        };
        let wall_ms = shown_at.duration_since(spawned).as_secs_f64() * 1000.0;
        let (shown, app_ms) = parse_shown(&line)
            .with_context(|| format!("cannot read the app's startup line {line:?}"))?;
        if shown != set.conversations {
            bail!(
                "the app showed {shown} conversations, the {} data set holds {}",
                set.label,
                set.conversations
            );
        }
        std::thread::sleep(SETTLE);
        let memory = process_tree_memory(app.child.id())?;
        app.stop();
        Ok(Sample {
            wall_ms,
            app_ms,
            memory,
        })
    }
}

/// The app while it runs; stopping it (also on error) ends its whole process tree.
struct Running {
    child: Child,
}

impl Running {
    fn new(child: Child) -> Self {
        Self { child }
    }

    /// Copies the app's stderr to `log` and sends each line, with when it was read.
    fn follow_stderr(&mut self, log: &Path) -> Result<mpsc::Receiver<(Instant, String)>> {
        let stderr = self.child.stderr.take().context("the app's stderr")?;
        let mut file =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let at = Instant::now();
                let _ = writeln!(file, "{line}");
                let _ = tx.send((at, line));
            }
        });
        Ok(rx)
    }

    fn stop(&mut self) {
        let tree = descendants(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The WebKit processes leave when the app's sockets close; make sure they did.
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut left: Vec<u32> = tree.into_iter().filter(|p| alive(*p)).collect();
        while !left.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            left.retain(|p| alive(*p));
        }
        for pid in left {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.stop();
        }
    }
}

/// `(conversations, ms)` from "convene: conversation list shown (N conversations) M ms after start".
fn parse_shown(line: &str) -> Option<(usize, f64)> {
    let rest = &line[line.find(SHOWN_MARKER)? + SHOWN_MARKER.len()..];
    let (count, rest) = rest.split_once(" conversations) ")?;
    let (ms, _) = rest.split_once(" ms")?;
    Some((count.parse().ok()?, ms.parse().ok()?))
}

/// The last lines of a log, for error messages.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Every process under `root` (not `root` itself), from the parent links in `/proc`.
fn descendants(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(ppid) = parent_of(pid) {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut found = Vec::new();
    let mut seen = HashSet::from([root]);
    let mut queue = VecDeque::from([root]);
    while let Some(pid) = queue.pop_front() {
        for &child in children.get(&pid).map(Vec::as_slice).unwrap_or_default() {
            if seen.insert(child) {
                found.push(child);
                queue.push_back(child);
            }
        }
    }
    found
}

/// The parent pid, from `/proc/PID/stat` (field 4, after the parenthesised command name).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// A `Key:   123 kB` field of a `/proc` file, in KiB.
fn kib_field(path: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// RSS (and PSS where readable) of the app and every process under it.
fn process_tree_memory(app: u32) -> Result<Memory> {
    let mut memory = Memory {
        total_pss: Some(0),
        ..Memory::default()
    };
    for pid in std::iter::once(app).chain(descendants(app)) {
        let Some(rss) = kib_field(&format!("/proc/{pid}/status"), "VmRSS") else {
            continue; // gone meanwhile, or a zombie
        };
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .map(|n| n.trim().to_owned())
            .unwrap_or_else(|_| pid.to_string());
        if pid == app {
            memory.app_rss = rss;
        }
        memory.total_rss += rss;
        memory.total_pss = match (
            memory.total_pss,
            kib_field(&format!("/proc/{pid}/smaps_rollup"), "Pss"),
        ) {
            (Some(sum), Some(pss)) => Some(sum + pss),
            _ => None,
        };
        memory.processes.push(format!("{name} {:.0} MB", mb(rss)));
    }
    if memory.app_rss == 0 {
        bail!("cannot read the memory of the app (pid {app}) from /proc");
    }
    Ok(memory)
}

/// KiB to MB (10^6 bytes: the stricter reading of "150 MB").
fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

/// Median and maximum of some values.
fn median_max(mut values: Vec<f64>) -> (f64, f64) {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    (median, values[n - 1])
}

/// One figure, in the shape `convene-bench`'s `figures::Figure` reads.
struct Figure {
    name: String,
    value: f64,
    unit: &'static str,
    /// `(target in words, met)`.
    target: Option<(String, bool)>,
}

impl Figure {
    fn plain(name: &str, value: f64, unit: &'static str) -> Self {
        Self {
            name: name.to_owned(),
            value,
            unit,
            target: None,
        }
    }

    fn below(name: &str, value: f64, unit: &'static str, limit: f64) -> Self {
        Self {
            target: Some((format!("< {limit} {unit}"), value < limit)),
            ..Self::plain(name, value, unit)
        }
    }
}

fn figures(big: &DataSet, small: &DataSet) -> Vec<Figure> {
    let wall = |s: &DataSet| median_max(s.samples.iter().map(|x| x.wall_ms).collect());
    let app = |s: &DataSet| median_max(s.samples.iter().map(|x| x.app_ms).collect());
    let total =
        |s: &DataSet| median_max(s.samples.iter().map(|x| mb(x.memory.total_rss)).collect());
    let app_rss =
        |s: &DataSet| median_max(s.samples.iter().map(|x| mb(x.memory.app_rss)).collect());
    let pss = |s: &DataSet| {
        let all: Option<Vec<f64>> = s
            .samples
            .iter()
            .map(|x| x.memory.total_pss.map(mb))
            .collect();
        all.map(median_max)
    };
    let (big_med, big_max) = wall(big);
    let (small_med, small_max) = wall(small);
    let (big_total_med, big_total_max) = total(big);
    let (small_total_med, _) = total(small);
    let mut figures = vec![
        Figure::below(
            "desktop.cold_start_10k.median",
            big_med,
            "ms",
            START_TARGET_MS,
        ),
        Figure::below("desktop.cold_start_10k.max", big_max, "ms", START_TARGET_MS),
        Figure::plain(
            "desktop.cold_start_10k.app_reported.median",
            app(big).0,
            "ms",
        ),
        Figure::plain("desktop.cold_start_baseline.median", small_med, "ms"),
        Figure::plain("desktop.cold_start_baseline.max", small_max, "ms"),
        Figure::plain(
            "desktop.cold_start_baseline.app_reported.median",
            app(small).0,
            "ms",
        ),
        Figure::plain("desktop.cold_start.ratio", big_med / small_med, "x"),
        Figure::below(
            "desktop.rss_10k_total",
            big_total_med,
            "MB",
            MEMORY_TARGET_MB,
        ),
        Figure::below(
            "desktop.rss_10k_total.max",
            big_total_max,
            "MB",
            MEMORY_TARGET_MB,
        ),
        Figure::plain("desktop.rss_10k_app", app_rss(big).0, "MB"),
        Figure::plain("desktop.rss_baseline_total", small_total_med, "MB"),
        Figure::plain("desktop.rss_baseline_app", app_rss(small).0, "MB"),
        Figure::plain("desktop.rss.ratio", big_total_med / small_total_med, "x"),
    ];
    if let (Some((big_pss, _)), Some((small_pss, _))) = (pss(big), pss(small)) {
        figures.push(Figure::plain("desktop.pss_10k_total", big_pss, "MB"));
        figures.push(Figure::plain("desktop.pss_baseline_total", small_pss, "MB"));
        figures.push(Figure::plain("desktop.pss.ratio", big_pss / small_pss, "x"));
    }
    figures.retain(|f| f.value.is_finite());
    figures
}

/// The built UI's JavaScript and CSS in KiB, as stored and gzip-compressed (what a browser or the
/// app loads; the bench table prints both).
fn bundle_size(assets: &Path) -> Result<(f64, f64)> {
    use std::io::Write;
    let (mut raw, mut gzip) = (0usize, 0usize);
    for entry in std::fs::read_dir(assets)
        .with_context(|| format!("reading {} (build the UI first)", assets.display()))?
    {
        let path = entry?.path();
        if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("js" | "css")
        ) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&bytes)?;
        raw += bytes.len();
        gzip += encoder.finish()?.len();
    }
    Ok((raw as f64 / 1024.0, gzip as f64 / 1024.0))
}

fn print_table(figures: &[Figure]) {
    eprintln!(
        "\n{:<48} {:>10} {:<5} {:<12} met",
        "figure", "value", "unit", "target"
    );
    for f in figures {
        let (target, met) = match &f.target {
            Some((t, true)) => (t.as_str(), "yes"),
            Some((t, false)) => (t.as_str(), "NO"),
            None => ("", ""),
        };
        eprintln!(
            "{:<48} {:>10.1} {:<5} {:<12} {met}",
            f.name, f.value, f.unit, target
        );
    }
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_json(out: &Path, figures: &[Figure]) -> Result<()> {
    let entries: Vec<String> = figures
        .iter()
        .map(|f| {
            let mut entry = format!(
                "  {{\"name\": {}, \"value\": {}, \"unit\": {}",
                json_string(&f.name),
                (f.value * 100.0).round() / 100.0,
                json_string(f.unit)
            );
            if let Some((target, met)) = &f.target {
                entry.push_str(&format!(
                    ", \"target\": {}, \"met\": {met}",
                    json_string(target)
                ));
            }
            entry.push('}');
            entry
        })
        .collect();
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(out, format!("[\n{}\n]\n", entries.join(",\n")))
        .with_context(|| format!("writing {}", out.display()))
}

/// A private X server for the runs, stopped when dropped.
struct Xvfb {
    name: String,
    child: Child,
}

impl Xvfb {
    fn start(work: &Path) -> Result<Self> {
        std::fs::create_dir_all(work).with_context(|| format!("creating {}", work.display()))?;
        for n in 90..200 {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                || Path::new(&format!("/tmp/.X{n}-lock")).exists()
            {
                continue;
            }
            let log = std::fs::File::create(work.join("xvfb.log"))?;
            let child = Command::new("Xvfb")
                .args([
                    &format!(":{n}"),
                    "-screen",
                    "0",
                    "1280x800x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(log))
                .spawn()
                .context("starting Xvfb (Debian: apt-get install xvfb)")?;
            let mut xvfb = Self {
                name: format!(":{n}"),
                child,
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                    return Ok(xvfb);
                }
                if xvfb.child.try_wait()?.is_some() {
                    break; // display taken meanwhile: try the next one
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = xvfb.child.kill();
        }
        bail!(
            "could not start Xvfb on any display :90..:199; see {}",
            work.join("xvfb.log").display()
        )
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private D-Bus session bus (the tray and notifications talk to one), stopped when dropped.
struct SessionBus {
    address: String,
    child: Child,
}

impl SessionBus {
    /// `None` (with a note) when `dbus-daemon` is not installed: the app still starts without one.
    fn start(display: &str) -> Result<Option<Self>> {
        let spawned = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .env("DISPLAY", display)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                eprintln!("note: no private D-Bus session bus ({e}); starting the app without one");
                return Ok(None);
            }
        };
        let stdout = child.stdout.take().context("dbus-daemon's stdout")?;
        let mut address = String::new();
        BufReader::new(stdout)
            .read_line(&mut address)
            .context("reading the bus address from dbus-daemon")?;
        let address = address.trim().to_owned();
        if address.is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            bail!("dbus-daemon printed no bus address");
        }
        Ok(Some(Self { address, child }))
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apps_startup_line_gives_the_count_and_its_own_milliseconds() {
        assert_eq!(
            parse_shown(
                "convene: conversation list shown (10000 conversations) 412 ms after start"
            ),
            Some((10_000, 412.0))
        );
        assert_eq!(parse_shown("convene: cache opened"), None);
    }

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median_max(vec![4.0, 1.0, 3.0, 2.0]), (2.5, 4.0));
        assert_eq!(median_max(vec![5.0, 1.0, 9.0]), (5.0, 9.0));
    }

    #[test]
    fn figures_are_written_as_the_json_the_bench_merges() {
        let dir = std::env::temp_dir().join(format!("bench-desktop-{}", std::process::id()));
        let out = dir.join("desktop.json");
        write_json(
            &out,
            &[
                Figure::below("desktop.a", 412.336, "ms", 1000.0),
                Figure::plain("desktop.\"b\"", 2.0, "x"),
            ],
        )
        .expect("write");
        let text = std::fs::read_to_string(&out).expect("read");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(text.contains(
            r#"{"name": "desktop.a", "value": 412.34, "unit": "ms", "target": "< 1000 ms", "met": true}"#
        ));
        assert!(text.contains(r#"{"name": "desktop.\"b\"", "value": 2, "unit": "x"}"#));
    }
}
