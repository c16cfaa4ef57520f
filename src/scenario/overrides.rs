//! `--set PATH=VALUES`: the values a sweep tries for a field, and the grid they make.
//!
//! Each value is written into the scenario's text at its path ([`super::Source::set`])
//! before the one reader runs, so it goes through exactly the checks a written one does.

use serde::Serialize;

use crate::error::InputError;

/// Most points one `--set` may produce.
const MAX_VALUES: usize = 1000;

/// A value given on the command line: a number, or text such as a duration (`30s`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SetValue {
    Number(f64),
    Text(String),
}

impl SetValue {
    /// The value as YAML text: a number as written back, text plain when YAML reads it
    /// as the same string, quoted otherwise.
    pub fn to_yaml(&self) -> String {
        match self {
            SetValue::Number(x) => crate::scenario::validate::fmt_num(*x),
            SetValue::Text(s) => {
                let special = s.is_empty()
                    || s.starts_with(|c: char| {
                        "[]{}&*!|>'\"%@`#,-?:".contains(c) || c.is_whitespace()
                    })
                    || s.ends_with(char::is_whitespace)
                    || s.contains(": ")
                    || s.contains(" #")
                    || s.contains(['\n', '\r', '\t']);
                if special {
                    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
                } else {
                    s.clone()
                }
            }
        }
    }

    /// The value as a number, when it is one.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            SetValue::Number(x) => Some(*x),
            SetValue::Text(_) => None,
        }
    }
}

impl std::fmt::Display for SetValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetValue::Number(x) => write!(f, "{}", crate::scenario::validate::fmt_num(*x)),
            SetValue::Text(s) => f.write_str(s),
        }
    }
}

/// One `--set`: a field path and the values to try.
#[derive(Clone, Debug, PartialEq)]
pub struct SetArg {
    pub path: String,
    pub values: Vec<SetValue>,
}

/// Parses `PATH=V1,V2,...` or `PATH=START..END:STEP` (inclusive).
pub fn parse_set(arg: &str) -> Result<SetArg, InputError> {
    parse_values("--set", arg)
}

/// [`parse_set`] for another flag of the same syntax (`optimize --vary`): its errors
/// name that flag.
pub fn parse_values(flag: &str, arg: &str) -> Result<SetArg, InputError> {
    let usage = format!(
        "write {flag} PATH=VALUES, e.g. cache.lru.capacity=1000,10000 or tiers.small.autoscaling.max=10..80:10"
    );
    let Some((path, values)) = arg.split_once('=') else {
        return Err(InputError::new(format!("{flag} {arg}: no '='; {usage}")));
    };
    let path = path.trim();
    if path.is_empty() || values.trim().is_empty() {
        return Err(InputError::new(format!(
            "{flag} {arg}: the path or the values are empty; {usage}"
        )));
    }
    let values = if let Some((range, step)) = values.split_once(':')
        && let Some((start, end)) = range.split_once("..")
    {
        let number = |s: &str| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    InputError::new(format!(
                        "{flag} {arg}: \"{s}\" is not a number; a range is START..END:STEP"
                    ))
                })
        };
        let (start, end, step) = (number(start)?, number(end)?, number(step)?);
        if step <= 0.0 || end < start {
            return Err(InputError::new(format!(
                "{flag} {arg}: a range needs END ≥ START and STEP > 0, e.g. 10..80:10"
            )));
        }
        let count = ((end - start) / step + 1e-9).floor() as usize + 1;
        if count > MAX_VALUES {
            return Err(InputError::new(format!(
                "{flag} {arg}: {count} values; at most {MAX_VALUES} per {flag}"
            )));
        }
        (0..count)
            // Rounded to 12 significant digits so 0.1 steps print as 0.3, not 0.30000000000000004.
            .map(|i| {
                SetValue::Number(
                    format!("{:.12e}", start + step * i as f64)
                        .parse()
                        .expect("a formatted float"),
                )
            })
            .collect()
    } else {
        let list: Vec<SetValue> = values
            .split(',')
            .map(|v| {
                let v = v.trim();
                match v.parse::<f64>() {
                    Ok(x) if x.is_finite() => SetValue::Number(x),
                    _ => SetValue::Text(v.to_string()),
                }
            })
            .collect();
        if list.len() > MAX_VALUES {
            return Err(InputError::new(format!(
                "{flag} {arg}: {} values; at most {MAX_VALUES} per {flag}",
                list.len()
            )));
        }
        list
    };
    Ok(SetArg {
        path: path.to_string(),
        values,
    })
}

/// Every combination of the values of `sets`, the first set outermost.
pub fn grid(sets: &[SetArg]) -> Vec<Vec<SetValue>> {
    let mut grid: Vec<Vec<SetValue>> = vec![Vec::new()];
    for set in sets {
        grid = grid
            .into_iter()
            .flat_map(|prefix| {
                set.values.iter().map(move |v| {
                    let mut point = prefix.clone();
                    point.push(v.clone());
                    point
                })
            })
            .collect();
    }
    grid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_ranges() {
        let s = parse_set("cache.lru.capacity=1000,10000").unwrap();
        assert_eq!(
            s.values,
            vec![SetValue::Number(1000.0), SetValue::Number(10000.0)]
        );
        let r = parse_set("cache.hit_rate=0..0.9:0.1").unwrap();
        assert_eq!(r.values.len(), 10);
        assert_eq!(r.values[3].to_string(), "0.3");
        let d = parse_set("tiers.a.timeout=5s,10s").unwrap();
        assert_eq!(d.values[0], SetValue::Text("5s".into()));
        assert!(parse_set("nothing").is_err());
        assert!(parse_set("a=5..1:1").is_err());
    }

    #[test]
    fn the_grid_has_every_combination_first_set_outermost() {
        let sets = [parse_set("a=1,2").unwrap(), parse_set("b=x,y,z").unwrap()];
        let grid: Vec<String> = grid(&sets)
            .iter()
            .map(|p| format!("{}{}", p[0], p[1]))
            .collect();
        assert_eq!(grid, ["1x", "1y", "1z", "2x", "2y", "2z"]);
    }

    #[test]
    fn values_are_written_as_yaml_reads_them() {
        assert_eq!(SetValue::Number(0.3).to_yaml(), "0.3");
        assert_eq!(SetValue::Text("30s".into()).to_yaml(), "30s");
        assert_eq!(SetValue::Text("a: b".into()).to_yaml(), "\"a: b\"");
        assert_eq!(SetValue::Text("{x}".into()).to_yaml(), "\"{x}\"");
    }
}
