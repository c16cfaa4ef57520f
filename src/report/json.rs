//! JSON output: the reports exactly as computed, pretty-printed.

use crate::runner::ScenarioReport;

/// One report renders as an object; several as an array of them.
pub fn render(reports: &[ScenarioReport]) -> anyhow::Result<Vec<u8>> {
    let mut out = match reports {
        [one] => serde_json::to_vec_pretty(one)?,
        many => serde_json::to_vec_pretty(many)?,
    };
    out.push(b'\n');
    Ok(out)
}

/// Any finished result, pretty-printed.
pub fn render_value<T: serde::Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(value)?;
    out.push(b'\n');
    Ok(out)
}
