//! `--set PATH=VALUES`: changing scalar fields of a scenario by their path, for sweeps.
//!
//! Overrides are applied to the parsed YAML tree before it becomes the raw mirror, so an
//! overridden value goes through exactly the checks a written one does.

use serde_json::Value;

use crate::error::InputError;

/// Most points one `--set` may produce.
const MAX_VALUES: usize = 1000;

/// A value given on the command line.
#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    Number(f64),
    Text(String),
}

impl SetValue {
    fn to_json(&self) -> Value {
        match self {
            SetValue::Number(x) => serde_json::Number::from_f64(*x)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            SetValue::Text(s) => Value::String(s.clone()),
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
    let usage = "write --set PATH=VALUES, e.g. cache.lru.capacity=1000,10000 or tiers.small.autoscaling.max=10..80:10";
    let Some((path, values)) = arg.split_once('=') else {
        return Err(InputError::new(format!("--set {arg}: no '='; {usage}")));
    };
    let path = path.trim();
    if path.is_empty() || values.trim().is_empty() {
        return Err(InputError::new(format!(
            "--set {arg}: the path or the values are empty; {usage}"
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
                        "--set {arg}: \"{s}\" is not a number; a range is START..END:STEP"
                    ))
                })
        };
        let (start, end, step) = (number(start)?, number(end)?, number(step)?);
        if step <= 0.0 || end < start {
            return Err(InputError::new(format!(
                "--set {arg}: a range needs END ≥ START and STEP > 0, e.g. 10..80:10"
            )));
        }
        let count = ((end - start) / step + 1e-9).floor() as usize + 1;
        if count > MAX_VALUES {
            return Err(InputError::new(format!(
                "--set {arg}: {count} values; at most {MAX_VALUES} per --set"
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
                "--set {arg}: {} values; at most {MAX_VALUES} per --set",
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

/// Splits `a.b[2].c` into keys and indices.
fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        out.push(Segment::Key(key));
        while let Some(close) = rest.find(']') {
            match rest[1..close].parse() {
                Ok(i) => out.push(Segment::Index(i)),
                Err(_) => out.push(Segment::Key(&rest[1..close])),
            }
            rest = &rest[close + 1..];
        }
    }
    out
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Sets the scalar at `path` in `tree`. Every step but the last must exist; the last
/// may be new (an optional field the file leaves out), and a misspelt one is then
/// refused by the scenario's own field check.
pub fn apply(tree: &mut Value, path: &str, value: &SetValue) -> Result<(), String> {
    let segs = segments(path);
    let mut at = tree;
    let mut walked = String::new();
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        let here = if walked.is_empty() {
            "the top level".to_string()
        } else {
            walked.clone()
        };
        match seg {
            Segment::Key(key) => {
                let Value::Object(map) = at else {
                    return Err(format!(
                        "{here} is not a mapping, so it has no field `{key}`"
                    ));
                };
                if !map.contains_key(*key) && !last {
                    let known: Vec<&str> = map.keys().map(String::as_str).collect();
                    return Err(format!(
                        "{here} has no field `{key}`; it has: {}",
                        known.join(", ")
                    ));
                }
                walked = if walked.is_empty() {
                    key.to_string()
                } else {
                    format!("{walked}.{key}")
                };
                at = map.entry(key.to_string()).or_insert(Value::Null);
            }
            Segment::Index(index) => {
                let Value::Array(items) = at else {
                    return Err(format!("{here} is not a list, so it has no item [{index}]"));
                };
                let len = items.len();
                at = items
                    .get_mut(*index)
                    .ok_or_else(|| format!("{here} has {len} items; [{index}] is past the end"))?;
                walked = format!("{walked}[{index}]");
            }
        }
    }
    if matches!(at, Value::Object(_) | Value::Array(_)) {
        let fields = match at {
            Value::Object(map) => format!(
                "; its fields: {}",
                map.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
            _ => String::new(),
        };
        return Err(format!(
            "{path} is a mapping or list, not a single value{fields}"
        ));
    }
    *at = value.to_json();
    Ok(())
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
    fn sets_nested_values_and_names_what_exists() {
        let mut tree: Value = serde_json::json!({"tiers": {"small": {"autoscaling": {"max": 4}}}, "list": [{"x": 1}]});
        apply(
            &mut tree,
            "tiers.small.autoscaling.max",
            &SetValue::Number(9.0),
        )
        .unwrap();
        assert_eq!(tree["tiers"]["small"]["autoscaling"]["max"], 9.0);
        apply(&mut tree, "list[0].x", &SetValue::Number(2.0)).unwrap();
        assert_eq!(tree["list"][0]["x"], 2.0);
        let err = apply(&mut tree, "tiers.big.instances", &SetValue::Number(1.0)).unwrap_err();
        assert_eq!(err, "tiers has no field `big`; it has: small");
        assert!(
            apply(&mut tree, "tiers.small", &SetValue::Number(1.0))
                .unwrap_err()
                .contains("not a single value")
        );
    }
}
