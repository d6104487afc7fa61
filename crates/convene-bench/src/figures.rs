//! Figures: what a benchmark measured, with its unit and the target it is held to, written as
//! JSON so runs can be compared and merged by `cargo xtask bench`.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// One measured figure.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Figure {
    pub name: String,
    pub value: f64,
    pub unit: String,
    /// The target in words ("< 3000 ms", "<= 3x"), if this figure has one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub target: Option<String>,
    /// Whether the target was met (absent when there is no target).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub met: Option<bool>,
}

impl Figure {
    /// A figure without a target.
    pub fn new(name: impl Into<String>, value: f64, unit: &str) -> Self {
        Self {
            name: name.into(),
            value,
            unit: unit.to_owned(),
            target: None,
            met: None,
        }
    }

    /// A figure that must stay below `limit`.
    pub fn below(name: impl Into<String>, value: f64, unit: &str, limit: f64) -> Self {
        Self {
            target: Some(format!("< {limit} {unit}")),
            met: Some(value < limit),
            ..Self::new(name, value, unit)
        }
    }

    /// A figure that must reach at least `floor`.
    pub fn at_least(name: impl Into<String>, value: f64, unit: &str, floor: f64) -> Self {
        Self {
            target: Some(format!(">= {floor} {unit}")),
            met: Some(value >= floor),
            ..Self::new(name, value, unit)
        }
    }

    /// A ratio to a baseline that must reach at least `floor`.
    pub fn share_at_least(name: impl Into<String>, value: f64, floor: f64) -> Self {
        Self {
            target: Some(format!(">= {floor}x")),
            met: Some(value >= floor),
            ..Self::new(name, value, "x")
        }
    }

    /// A ratio to a baseline that must stay at or below `limit`.
    pub fn ratio(name: impl Into<String>, value: f64, limit: Option<f64>) -> Self {
        match limit {
            Some(limit) => Self {
                target: Some(format!("<= {limit}x")),
                met: Some(value <= limit),
                ..Self::new(name, value, "x")
            },
            None => Self::new(name, value, "x"),
        }
    }
}

/// Prints figures as a table on stdout.
pub fn print_table(figures: &[Figure]) {
    println!(
        "{:<52} {:>12} {:<6} {:<14} met",
        "figure", "value", "unit", "target"
    );
    for f in figures {
        println!(
            "{:<52} {:>12} {:<6} {:<14} {}",
            f.name,
            format_value(f.value),
            f.unit,
            f.target.as_deref().unwrap_or(""),
            match f.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "",
            }
        );
    }
}

fn format_value(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// Writes figures as a JSON array.
pub fn write(path: &Path, figures: &[Figure]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_vec_pretty(figures)?)?;
    Ok(())
}

/// Reads a JSON array of figures.
pub fn read(path: &Path) -> anyhow::Result<Vec<Figure>> {
    Ok(serde_json::from_slice(&std::fs::read(path)?)?)
}

/// Percentile `p` (0..=100) of `samples` (sorted in place), nearest rank.
pub fn percentile(samples: &mut [f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}
